// Fuzz target: the body of Prometheus's /api/v1/query, and the Prometheus
// address an operator writes. Both come from outside; neither may crash.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rewind/analysis/prometheus.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)rwd::analysis::parse_query_response(text);
  (void)rwd::analysis::parse_prometheus_address(text);
  return 0;
}
