// HistoryStore over <state>/history/<namespace>/<name>.json.

#include <utility>

#include "rewind/history/atomic_file.hpp"
#include "rewind/history/codec.hpp"
#include "rewind/history/file_store.hpp"

namespace rwd::history {

namespace {

std::string id_of(const model::ObjectKey& key) { return "history:" + key.str(); }

}  // namespace

FileHistoryStore::FileHistoryStore(FileStoreOptions options)
    : layout_(options.state_dir), files_(std::move(options.clock)) {}

model::Result<std::unique_ptr<FileHistoryStore>> FileHistoryStore::open(FileStoreOptions options) {
  std::unique_ptr<FileHistoryStore> store(new FileHistoryStore(std::move(options)));
  if (auto st = ensure_directory(store->layout_.history_root()); !st.ok()) return st.error();
  // <history>/<namespace>/<tmp>
  store->stale_removed_ = remove_stale_temp_files(store->layout_.history_root(), 1);
  return store;
}

model::Result<model::History> FileHistoryStore::load(const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st.error();
  const auto path = layout_.history_file(key);
  auto text = files_.read(id_of(key), path);
  if (!text.ok()) return text.error();
  if (!text->has_value()) return model::History{};
  auto history = files_.decoded(decode_history_text(**text, path.string()), id_of(key),
                                "the history of " + key.str());
  if (!history.ok()) return history.error();
  return std::move(**history);
}

model::Status FileHistoryStore::save(const model::ObjectKey& key, const model::History& history) {
  if (auto st = check_key(key); !st.ok()) return st;
  return files_.write(id_of(key), layout_.history_file(key), encode_history(history));
}

model::Result<std::vector<model::ObjectKey>> FileHistoryStore::list() {
  return list_keys(layout_.history_root(), "");
}

model::Status FileHistoryStore::remove(const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st;
  return files_.remove(id_of(key), layout_.history_file(key));
}

model::Result<std::string> FileHistoryStore::quarantine(const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st.error();
  return files_.quarantine(id_of(key), layout_.history_file(key));
}

}  // namespace rwd::history
