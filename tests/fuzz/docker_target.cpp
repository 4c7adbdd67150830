// Fuzz target: every Docker Engine API response rewind reads (version,
// container list and inspect, image inspect, create, the events stream, error
// bodies, the pull progress stream). The same bytes go to each parser.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rewind/docker/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)rwd::docker::parse_version(text);
  (void)rwd::docker::parse_container_list(text);
  (void)rwd::docker::parse_container_inspect(text);
  (void)rwd::docker::parse_image_inspect(text);
  (void)rwd::docker::parse_create_response(text);
  (void)rwd::docker::parse_event(text);
  (void)rwd::docker::parse_error_message(text);
  (void)rwd::docker::parse_pull_error(text);
  return 0;
}
