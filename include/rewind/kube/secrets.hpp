#pragma once
// One key of a Secret, read with a GET of that Secret only (the controller's
// role has `get` on secrets, never list or watch). Errors name the Secret and
// the key, never a value.

#include <string>

#include "rewind/kube/api.hpp"

namespace rwd::kube {

model::Result<std::string> secret_value(Api& api, const std::string& ns, const std::string& name,
                                        const std::string& key);

}  // namespace rwd::kube
