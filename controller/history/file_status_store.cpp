// StatusStore over <state>/status/<namespace>/{releases,rollbacks}/<name>.json.

#include <algorithm>
#include <system_error>
#include <utility>

#include "rewind/history/atomic_file.hpp"
#include "rewind/history/codec.hpp"
#include "rewind/history/file_store.hpp"

namespace rwd::history {

namespace fs = std::filesystem;

namespace {

std::string id_of(StatusKind kind, const model::ObjectKey& key) {
  return std::string(to_string(kind)) + ":" + key.str();
}

const char* kind_name(StatusKind kind) {
  return kind == StatusKind::kRelease ? "Release" : "Rollback";
}

}  // namespace

FileStatusStore::FileStatusStore(FileStoreOptions options)
    : options_(std::move(options)), layout_(options_.state_dir) {}

model::Result<std::unique_ptr<FileStatusStore>> FileStatusStore::open(FileStoreOptions options) {
  std::unique_ptr<FileStatusStore> store(new FileStatusStore(std::move(options)));
  if (auto st = ensure_directory(store->layout_.status_root()); !st.ok()) return st.error();
  // <status>/<namespace>/<kind>/<tmp>
  store->stale_removed_ = remove_stale_temp_files(store->layout_.status_root(), 2);
  return store;
}

model::Status FileStatusStore::write_text(StatusKind kind, const model::ObjectKey& key,
                                          const std::string& text) {
  if (auto st = check_key(key); !st.ok()) return st;
  const fs::path path = layout_.status_file(kind, key);
  if (corrupt_.contains(id_of(kind, key))) {
    return model::Error::terminal("refusing to replace " + path.string() +
                                  ": it could not be read back; quarantine or remove it first");
  }
  if (auto st = ensure_directory(path.parent_path()); !st.ok()) return st;
  return write_file_atomic(path, text);
}

model::Status FileStatusStore::write(const model::Release& release) {
  return write_text(StatusKind::kRelease, release.metadata.key(), encode_status(release));
}

model::Status FileStatusStore::write(const model::Rollback& rollback) {
  return write_text(StatusKind::kRollback, rollback.metadata.key(), encode_status(rollback));
}

model::Result<std::optional<std::string>> FileStatusStore::read_text(StatusKind kind,
                                                                     const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st.error();
  bool missing = false;
  auto text = read_file(layout_.status_file(kind, key), kMaxStateFileBytes, &missing);
  if (!text.ok()) {
    if (missing) return std::optional<std::string>();
    corrupt_.add(id_of(kind, key));  // unreadable: not to be replaced blindly either
    return text.error();
  }
  return std::optional<std::string>(std::move(*text));
}

namespace {

// The decoded object, or the decode error with the advice to the caller; the
// key is remembered as corrupt so that it is not overwritten blindly.
template <class T>
model::Result<std::optional<T>> finish_read(model::Result<T> decoded, StatusKind kind,
                                            const model::ObjectKey& key, CorruptKeys& corrupt) {
  if (!decoded.ok()) {
    corrupt.add(id_of(kind, key));
    model::Error e = decoded.error();
    e.message += std::string("\nthe status of ") + kind_name(kind) + " " + key.str() +
                 " was left as it is: move it aside (quarantine) or repair the file";
    return e;
  }
  corrupt.erase(id_of(kind, key));
  return std::optional<T>(std::move(*decoded));
}

}  // namespace

model::Result<std::optional<model::Release>> FileStatusStore::read_release(
    const model::ObjectKey& key) {
  auto text = read_text(StatusKind::kRelease, key);
  if (!text.ok()) return text.error();
  if (!text->has_value()) return std::optional<model::Release>();
  const std::string source = layout_.status_file(StatusKind::kRelease, key).string();
  return finish_read(decode_release_text(**text, source, key), StatusKind::kRelease, key,
                     corrupt_);
}

model::Result<std::optional<model::Rollback>> FileStatusStore::read_rollback(
    const model::ObjectKey& key) {
  auto text = read_text(StatusKind::kRollback, key);
  if (!text.ok()) return text.error();
  if (!text->has_value()) return std::optional<model::Rollback>();
  const std::string source = layout_.status_file(StatusKind::kRollback, key).string();
  return finish_read(decode_rollback_text(**text, source, key), StatusKind::kRollback, key,
                     corrupt_);
}

model::Result<std::vector<model::ObjectKey>> FileStatusStore::list(StatusKind kind) {
  std::vector<model::ObjectKey> keys;
  const fs::path root = layout_.status_root();
  std::error_code ec;
  fs::directory_iterator ns_it(root, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return keys;
    return io_error("list", root, ec.value());
  }
  for (; !ec && ns_it != fs::directory_iterator(); ns_it.increment(ec)) {
    std::error_code type_ec;
    const std::string ns = ns_it->path().filename().string();
    if (!is_safe_component(ns) || !ns_it->is_directory(type_ec)) continue;
    const fs::path dir = ns_it->path() / to_string(kind);
    std::error_code file_ec;
    fs::directory_iterator it(dir, file_ec);
    if (file_ec == std::errc::no_such_file_or_directory) continue;
    for (; !file_ec && it != fs::directory_iterator(); it.increment(file_ec)) {
      const std::string file = it->path().filename().string();
      if (is_store_private_name(file) || !it->is_regular_file(type_ec)) continue;
      if (it->path().extension() != kFileExtension) continue;
      model::ObjectKey key{ns, it->path().stem().string()};
      if (check_key(key).ok()) keys.push_back(std::move(key));
    }
    if (file_ec) return io_error("list", dir, file_ec.value());
  }
  if (ec) return io_error("list", root, ec.value());
  std::sort(keys.begin(), keys.end());
  return keys;
}

model::Status FileStatusStore::remove(StatusKind kind, const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st;
  auto st = remove_file(layout_.status_file(kind, key));
  if (st.ok()) corrupt_.erase(id_of(kind, key));
  return st;
}

model::Result<std::string> FileStatusStore::quarantine(StatusKind kind,
                                                       const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st.error();
  const auto now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  auto moved = move_aside(layout_.status_file(kind, key), quarantine_stamp(now));
  if (!moved.ok()) return moved.error();
  corrupt_.erase(id_of(kind, key));
  return moved->string();
}

}  // namespace rwd::history
