#pragma once
// One HTTP health probe: GET http://<address><path> within a timeout.
// Implemented over rwd::http::Client (HttpHealthProbe) and in memory for
// unit tests.

#include <string>

#include "rewind/model/release.hpp"
#include "rewind/model/result.hpp"
#include "rewind/model/time.hpp"

namespace rwd::execute {

struct ProbeResult {
  bool healthy = false;
  int status = 0;      // HTTP status, 0 when no answer
  std::string detail;  // "503 Service Unavailable", "connection refused", ...
};

class HealthProbe {
 public:
  virtual ~HealthProbe() = default;
  // Never fails as a call: an unreachable target is an unhealthy result.
  virtual ProbeResult probe(const std::string& address, const model::HttpCheck& check,
                            model::Duration timeout) = 0;
};

}  // namespace rwd::execute
