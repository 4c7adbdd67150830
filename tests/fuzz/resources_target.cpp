// Fuzz target: Release and Rollback files (YAML, and JSON as YAML) through
// the loader, the decoder and the validator, as the directory source reads
// them. Whatever the bytes, parse_resources must return (no crash, no hang,
// bounded memory) and every object it accepts must encode and read back.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rewind/model/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = rwd::model::parse_resources(text, "fuzz.yaml");
  for (const auto& diagnostic : parsed.errors) (void)diagnostic.str();
  for (const auto& p : parsed.objects) {
    // What was accepted is written back as status and read again by the
    // same code: it must come back whole.
    const auto again = rwd::model::parse_resources(
        rwd::model::to_yaml(rwd::model::to_json(p.object)), "again.yaml");
    if (!again.ok() || again.objects.size() != 1) std::abort();
  }
  return 0;
}
