// A Secret's key, decoded.

#include "rewind/kube/secrets.hpp"

#include "rewind/http/base64.hpp"

namespace rwd::kube {

model::Result<std::string> secret_value(Api& api, const std::string& ns, const std::string& name,
                                        const std::string& key) {
  const std::string where = "Secret " + ns + "/" + name;
  auto got = api.get(path_of(kSecrets, ns, name));
  if (!got) {
    if (got.error().reason == "NotFound") {
      return model::Error::terminal(where + " does not exist");
    }
    if (got.error().reason == "Forbidden") {
      return model::Error::terminal(where +
                                    ": rewind may not read it (its role allows get on "
                                    "secrets; check the RoleBinding): " +
                                    got.error().message);
    }
    return got.error();
  }
  const Json data = got->value("data", Json::object());
  auto it = data.find(key);
  if (it == data.end() || !it->is_string()) {
    std::string keys;
    for (const auto& [k, v] : data.items()) keys += (keys.empty() ? "" : ", ") + k;
    return model::Error::terminal(where + " has no key \"" + key +
                                  "\" (it has: " + (keys.empty() ? "none" : keys) + ")");
  }
  auto decoded = http::base64_decode(it->get<std::string>());
  if (!decoded) return model::Error::terminal(where + ": key \"" + key + "\" is not valid base64");
  return *decoded;
}

}  // namespace rwd::kube
