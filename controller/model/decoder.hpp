#pragma once
// Internal: field-by-field decoding of a Node tree with paths and strict
// checks. Shared by the Release, Rollback, status and history decoders.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rewind/model/codec.hpp"
#include "rewind/model/document.hpp"
#include "rewind/model/time.hpp"

namespace rwd::model::detail {

// Where decoding errors go, and the position of every field seen, so that
// semantic errors found later (validate_*) can name a line too.
class Ctx {
 public:
  explicit Ctx(std::vector<FieldError>& errors) : errors_(errors) {}
  void fail(const std::string& path, const Node& at, std::string message);
  void fail(const std::string& path, Mark at, std::string message);
  void seen(const std::string& path, const Node& n) { marks_.emplace(path, n.mark()); }
  [[nodiscard]] std::size_t error_count() const { return errors_.size(); }
  [[nodiscard]] const std::map<std::string, Mark>& marks() const { return marks_; }

 private:
  std::vector<FieldError>& errors_;
  std::map<std::string, Mark> marks_;
};

std::string join(const std::string& path, std::string_view key);
std::string index(const std::string& path, std::size_t i);

// Reads the fields of one mapping. Every key asked for is "known"; finish()
// reports the keys of the mapping that nobody asked for.
class Fields {
 public:
  Fields(const Node& n, std::string path, Ctx& ctx);
  Fields(const Fields&) = delete;
  Fields& operator=(const Fields&) = delete;

  // False when the node was not a mapping (an error was reported).
  [[nodiscard]] bool valid() const { return map_ != nullptr; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string path(std::string_view key) const { return join(path_, key); }
  [[nodiscard]] Ctx& ctx() { return ctx_; }

  // nullptr when absent. A present key with a null value counts as absent.
  const Node* optional(std::string_view key);
  // Reports "is required" when absent or null.
  const Node* required(std::string_view key);
  // Keys that are accepted and skipped (e.g. Kubernetes-managed metadata).
  void ignore(std::string_view key);
  void finish();

 private:
  const Node* map_ = nullptr;
  std::string path_;
  Ctx& ctx_;
  std::vector<std::string> known_;
  std::vector<std::string> ignored_;
  bool finished_ = false;
};

// Scalars. Each returns nullopt after reporting an error.
std::optional<std::string> read_string(const Node& n, const std::string& path, Ctx& ctx);
std::optional<std::int64_t> read_int(const Node& n, const std::string& path, Ctx& ctx,
                                     std::int64_t min = INT32_MIN, std::int64_t max = INT32_MAX);
std::optional<double> read_double(const Node& n, const std::string& path, Ctx& ctx);
std::optional<bool> read_bool(const Node& n, const std::string& path, Ctx& ctx);
std::optional<Duration> read_duration(const Node& n, const std::string& path, Ctx& ctx);
std::optional<Timestamp> read_timestamp(const Node& n, const std::string& path, Ctx& ctx);
std::optional<std::int64_t> read_int64(const Node& n, const std::string& path, Ctx& ctx);
// A revision number: an integer >= 1.
std::optional<RevisionNumber> read_revision_number(const Node& n, const std::string& path,
                                                   Ctx& ctx);
std::optional<Threshold> read_threshold(const Node& n, const std::string& path, Ctx& ctx);
std::optional<std::map<std::string, std::string>> read_string_map(const Node& n,
                                                                  const std::string& path,
                                                                  Ctx& ctx);
std::optional<std::vector<std::string>> read_string_list(const Node& n, const std::string& path,
                                                         Ctx& ctx);

// Enums: parse is one of the parse_* functions; allowed lists the values
// for the message.
template <class E>
std::optional<E> read_enum(const Node& n, const std::string& path, Ctx& ctx,
                           std::optional<E> (*parse)(std::string_view), std::string_view allowed) {
  auto s = read_string(n, path, ctx);
  if (!s) return std::nullopt;
  if (auto v = parse(*s)) return v;
  ctx.fail(path, n, "\"" + *s + "\" is not one of " + std::string(allowed));
  return std::nullopt;
}

// Convenience on Fields: read key into out when present; out keeps its
// default when absent. Returns false only on an error.
template <class T, class Reader>
bool read_into(Fields& f, std::string_view key, T& out, Reader reader) {
  const Node* n = f.optional(key);
  if (n == nullptr) return true;
  auto v = reader(*n, f.path(key), f.ctx());
  if (!v) return false;
  out = std::move(*v);
  return true;
}

// Shared pieces of both kinds.
void decode_metadata(const Node& n, const std::string& path, Ctx& ctx, ObjectMeta& out);
void decode_conditions(const Node& n, const std::string& path, Ctx& ctx, Conditions& out);
// apiVersion and kind; returns the kind or nullopt.
std::optional<std::string> decode_type_meta(Fields& root);

std::optional<ReleaseSpec> decode_release_spec(const Node& n, const std::string& path, Ctx& ctx);
std::optional<BackupRecord> decode_backup_record(const Node& n, const std::string& path, Ctx& ctx);

// The rest of a document once apiVersion and kind were read from root.
// Both call root.finish(). The result is partial when errors were reported:
// fields that failed keep their defaults.
Release decode_release_body(Fields& root);
Rollback decode_rollback_body(Fields& root);

// Decodes as far as it can: the object (partial when errors were appended;
// nullopt only without a usable kind) and the mark of every field seen, so
// that parse_resources can validate what did decode and place every error.
std::optional<Object> decode_object_partial(const Node& doc, std::vector<FieldError>& errors,
                                            std::map<std::string, Mark>& marks);

}  // namespace rwd::model::detail
