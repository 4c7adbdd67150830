// Fuzz target: the JSON codec of the state directory (history and status
// files), as the file store reads them back after a crash or by hand edits.
// Every input must end in a value or an error, never a crash or a hang.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rewind/history/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const rwd::model::ObjectKey key{"shop", "api"};
  if (auto h = rwd::history::decode_history_text(text, "history/shop/api.json")) {
    (void)rwd::history::encode_history(*h);
  }
  if (auto r = rwd::history::decode_release_text(text, "releases/shop/api.json", key)) {
    (void)rwd::history::encode_status(*r);
  }
  if (auto r = rwd::history::decode_rollback_text(text, "rollbacks/shop/api.json", key)) {
    (void)rwd::history::encode_status(*r);
  }
  return 0;
}
