#pragma once
// The text of history and status files, both ways. Encoding is the model's
// to_json() with two-space indentation and a final newline; decoding checks
// the structure strictly and names the file, the line and the field of every
// problem.

#include <cstddef>
#include <string>
#include <string_view>

#include "rewind/model/history.hpp"
#include "rewind/model/release.hpp"
#include "rewind/model/result.hpp"
#include "rewind/model/rollback.hpp"
#include "rewind/model/strong_types.hpp"

namespace rwd::history {

// Larger than the 1 MiB limit for resource files: a history holds full spec
// snapshots. Pruning (prune.hpp) keeps it far below either.
inline constexpr std::size_t kMaxStateFileBytes = 16U * 1024U * 1024U;

std::string encode_history(const model::History& history);
std::string encode_status(const model::Release& release);
std::string encode_status(const model::Rollback& rollback);

// `source` names the file in messages. Errors are terminal, one problem per
// line, each like
//   /var/lib/rewind/history/shop/api.json: revisions[1].outcome: "Bogus" is not ... (line 14)
model::Result<model::History> decode_history_text(std::string_view text, std::string_view source);
// The object must be of the kind and carry the key its path says.
model::Result<model::Release> decode_release_text(std::string_view text, std::string_view source,
                                                  const model::ObjectKey& expected);
model::Result<model::Rollback> decode_rollback_text(std::string_view text, std::string_view source,
                                                    const model::ObjectKey& expected);

}  // namespace rwd::history
