#pragma once
// Traffic routers: where the requests of a Release go, as weights over named
// backends ("blue"/"green" for blue-green, "stable"/"canary" for a canary).
//
// The interface is small on purpose so that the nginx upstream file (Docker
// hosts), a Kubernetes Service selector and others fit behind it:
//
//   router.set_weights({"default", "web"}, {{"blue", "127.0.0.1:18080", 0},
//                                           {"green", "127.0.0.1:18081", 100}});
//
// set_weights returns after the change is live and verified (or with an error
// that says what is live instead); a switchback is one such call.

#include <cstdint>
#include <string>
#include <vector>

#include "rewind/model/result.hpp"
#include "rewind/model/strong_types.hpp"

namespace rwd::router {

struct Backend {
  std::string name;         // "blue", "green", "stable", "canary": [a-z0-9-], at most 63 characters
  std::string address;      // "127.0.0.1:18080", "app.internal:8080", "[::1]:8080"
  std::int32_t weight = 0;  // 0..100; 0: no traffic (the backend stays listed)
  bool operator==(const Backend&) const = default;
};

class TrafficRouter {
 public:
  virtual ~TrafficRouter() = default;

  // Sends the Release's traffic to `backends` by weight. Returns after the
  // change is live and verified. Invalid backends (see validate_backends)
  // fail with kInvalidSpec before anything changes.
  virtual model::Status set_weights(const model::ObjectKey& release,
                                    const std::vector<Backend>& backends) = 0;

  // What the router believes is live, in the order set_weights was given;
  // empty when the Release has no routing (never set, or removed).
  virtual model::Result<std::vector<Backend>> weights(const model::ObjectKey& release) = 0;

  // Drops the Release's routing. Removing what is not there succeeds.
  virtual model::Status remove(const model::ObjectKey& release) = 0;

  // True when a new instance of the service gets traffic as soon as it is
  // ready unless the router was told first where traffic goes: a Kubernetes
  // Service selects pods by their labels, and a copy of a Deployment carries
  // them. Before such a router has any weights, the executor routes all
  // traffic to the serving instance before it starts another beside it.
  // nginx sends traffic only to the backends in its upstream file: false.
  [[nodiscard]] virtual bool selects_by_label() const { return false; }
};

// The rules every router applies: at least one backend; names unique, not
// empty, [a-z0-9-] up to 63 characters; addresses host:port (port 1..65535;
// IPv6 in []); weights 0..100 and not all 0. The error (kInvalidSpec) names
// the Release, the backend and the value.
model::Status validate_backends(const model::ObjectKey& release,
                                const std::vector<Backend>& backends);

// Release namespace and name as routers use them in file and upstream names:
// [a-z0-9] first, then [a-z0-9.-], at most 253 characters each.
model::Status validate_release_key(const model::ObjectKey& release);

}  // namespace rwd::router
