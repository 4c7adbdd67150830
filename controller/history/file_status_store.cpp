// StatusStore over <state>/status/<namespace>/{releases,rollbacks}/<name>.json.

#include <utility>

#include "rewind/history/atomic_file.hpp"
#include "rewind/history/codec.hpp"
#include "rewind/history/file_store.hpp"

namespace rwd::history {

namespace {

std::string id_of(StatusKind kind, const model::ObjectKey& key) {
  return std::string(to_string(kind)) + ":" + key.str();
}

const char* kind_name(StatusKind kind) {
  return kind == StatusKind::kRelease ? "Release" : "Rollback";
}

model::Result<model::Release> decode(const std::string& text, const std::string& source,
                                     const model::ObjectKey& key, const model::Release*) {
  return decode_release_text(text, source, key);
}

model::Result<model::Rollback> decode(const std::string& text, const std::string& source,
                                      const model::ObjectKey& key, const model::Rollback*) {
  return decode_rollback_text(text, source, key);
}

}  // namespace

FileStatusStore::FileStatusStore(FileStoreOptions options)
    : layout_(options.state_dir), files_(std::move(options.clock)) {}

model::Result<std::unique_ptr<FileStatusStore>> FileStatusStore::open(FileStoreOptions options) {
  std::unique_ptr<FileStatusStore> store(new FileStatusStore(std::move(options)));
  if (auto st = ensure_directory(store->layout_.status_root()); !st.ok()) return st.error();
  // <status>/<namespace>/<kind>/<tmp>
  store->stale_removed_ = remove_stale_temp_files(store->layout_.status_root(), 2);
  return store;
}

model::Status FileStatusStore::write(const model::Release& release) {
  const model::ObjectKey key = release.metadata.key();
  if (auto st = check_key(key); !st.ok()) return st;
  return files_.write(id_of(StatusKind::kRelease, key),
                      layout_.status_file(StatusKind::kRelease, key), encode_status(release));
}

model::Status FileStatusStore::write(const model::Rollback& rollback) {
  const model::ObjectKey key = rollback.metadata.key();
  if (auto st = check_key(key); !st.ok()) return st;
  return files_.write(id_of(StatusKind::kRollback, key),
                      layout_.status_file(StatusKind::kRollback, key), encode_status(rollback));
}

template <class T>
model::Result<std::optional<T>> FileStatusStore::read(StatusKind kind,
                                                      const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st.error();
  const auto path = layout_.status_file(kind, key);
  auto text = files_.read(id_of(kind, key), path);
  if (!text.ok()) return text.error();
  if (!text->has_value()) return std::optional<T>();
  return files_.decoded(decode(**text, path.string(), key, static_cast<const T*>(nullptr)),
                        id_of(kind, key),
                        std::string("the status of ") + kind_name(kind) + " " + key.str());
}

model::Result<std::optional<model::Release>> FileStatusStore::read_release(
    const model::ObjectKey& key) {
  return read<model::Release>(StatusKind::kRelease, key);
}

model::Result<std::optional<model::Rollback>> FileStatusStore::read_rollback(
    const model::ObjectKey& key) {
  return read<model::Rollback>(StatusKind::kRollback, key);
}

model::Result<std::vector<model::ObjectKey>> FileStatusStore::list(StatusKind kind) {
  return list_keys(layout_.status_root(), to_string(kind));
}

model::Status FileStatusStore::remove(StatusKind kind, const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st;
  return files_.remove(id_of(kind, key), layout_.status_file(kind, key));
}

model::Result<std::string> FileStatusStore::quarantine(StatusKind kind,
                                                       const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st.error();
  return files_.quarantine(id_of(kind, key), layout_.status_file(kind, key));
}

}  // namespace rwd::history
