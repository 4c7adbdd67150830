#pragma once
// HealthProbe over rwd::http: a fresh connection per probe (what a client of
// the service would see), healthy on 200..399 as Kubernetes counts it.

#include "rewind/execute/health_probe.hpp"

namespace rwd::execute {

class HttpHealthProbe final : public HealthProbe {
 public:
  ProbeResult probe(const std::string& address, const model::HttpCheck& check,
                    model::Duration timeout) override;
};

}  // namespace rwd::execute
