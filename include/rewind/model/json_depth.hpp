#pragma once
// nlohmann's JSON parser recurses once per nesting level: input from a peer
// (the Docker Engine, Prometheus) is checked with this before it is parsed.

#include <cstddef>
#include <string_view>

namespace rwd::model {

// True when arrays and objects (outside strings) nest deeper than `limit`.
bool json_nesting_exceeds(std::string_view text, std::size_t limit);

}  // namespace rwd::model
