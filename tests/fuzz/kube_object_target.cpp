// Fuzz target: a Release or Rollback as the Kubernetes API server returns it
// (JSON), through the same parsing and decoding the controller uses, and the
// error body of a refused request.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rewind/kube/api.hpp"
#include "rewind/kube/objects.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)rwd::kube::api_error("GET", "/apis/rewind.dev/v1alpha1/releases", 422, text);
  auto json = rwd::kube::parse_api_json(text, "GET /apis/rewind.dev/v1alpha1/releases");
  if (!json || !json->is_object()) return 0;
  (void)rwd::kube::meta_string(*json, "resourceVersion");
  const auto decoded = rwd::kube::decode_api_object(*json);
  for (const auto& e : decoded.errors) (void)e.str();
  (void)rwd::kube::history_of(*json);
  return 0;
}
