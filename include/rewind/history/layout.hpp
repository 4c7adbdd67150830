#pragma once
// The state directory layout, and the checks that keep keys inside it.
//
//   <state>/history/<namespace>/<name>.json             {"revisions": [...]}
//   <state>/status/<namespace>/releases/<name>.json     the whole Release
//   <state>/status/<namespace>/rollbacks/<name>.json    the whole Rollback
//
// `rewind plan --history <state>/history` reads the history files as they are.

#include <filesystem>
#include <string_view>

#include "rewind/history/store.hpp"
#include "rewind/model/result.hpp"
#include "rewind/model/strong_types.hpp"

namespace rwd::history {

inline constexpr const char* kDefaultStateDir = "/var/lib/rewind";
inline constexpr const char* kHistoryDir = "history";
inline constexpr const char* kStatusDir = "status";
inline constexpr const char* kFileExtension = ".json";

// Names are validated DNS names long before they get here; this is the last
// line of defence. Refuses an empty namespace or name, one with '/', "..",
// a NUL or another control character, one starting with '.' (the store's
// own temporary and hidden files), and one longer than 253 bytes. The error
// (invalid-spec) names the key and what is wrong.
model::Status check_key(const model::ObjectKey& key);

// A single path component as check_key() accepts it.
bool is_safe_component(std::string_view s);

class StateLayout {
 public:
  explicit StateLayout(std::filesystem::path state_dir) : root_(std::move(state_dir)) {}

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }
  [[nodiscard]] std::filesystem::path history_root() const { return root_ / kHistoryDir; }
  [[nodiscard]] std::filesystem::path status_root() const { return root_ / kStatusDir; }
  // Paths of a key; the key must have passed check_key().
  [[nodiscard]] std::filesystem::path history_file(const model::ObjectKey& key) const;
  [[nodiscard]] std::filesystem::path status_file(StatusKind kind,
                                                  const model::ObjectKey& key) const;

 private:
  std::filesystem::path root_;
};

}  // namespace rwd::history
