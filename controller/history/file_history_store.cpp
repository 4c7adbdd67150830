// HistoryStore over <state>/history/<namespace>/<name>.json.

#include <algorithm>
#include <system_error>
#include <utility>

#include "rewind/history/atomic_file.hpp"
#include "rewind/history/codec.hpp"
#include "rewind/history/file_store.hpp"

namespace rwd::history {

namespace fs = std::filesystem;

namespace {

std::chrono::system_clock::time_point now(const FileStoreOptions& o) {
  return o.clock ? o.clock() : std::chrono::system_clock::now();
}

}  // namespace

FileHistoryStore::FileHistoryStore(FileStoreOptions options)
    : options_(std::move(options)), layout_(options_.state_dir) {}

model::Result<std::unique_ptr<FileHistoryStore>> FileHistoryStore::open(FileStoreOptions options) {
  std::unique_ptr<FileHistoryStore> store(new FileHistoryStore(std::move(options)));
  if (auto st = ensure_directory(store->layout_.history_root()); !st.ok()) return st.error();
  // <history>/<namespace>/<tmp>
  store->stale_removed_ = remove_stale_temp_files(store->layout_.history_root(), 1);
  return store;
}

model::Result<model::History> FileHistoryStore::load(const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st.error();
  const fs::path path = layout_.history_file(key);
  bool missing = false;
  auto text = read_file(path, kMaxStateFileBytes, &missing);
  if (!text.ok()) {
    if (missing) return model::History{};
    corrupt_.add(key.str());  // unreadable: not to be replaced blindly either
    return text.error();
  }
  auto history = decode_history_text(*text, path.string());
  if (!history.ok()) {
    corrupt_.add(key.str());
    model::Error e = history.error();
    e.message += "\nthe history of " + key.str() +
                 " was left as it is: move it aside (quarantine) or repair the file";
    return e;
  }
  corrupt_.erase(key.str());
  return history;
}

model::Status FileHistoryStore::save(const model::ObjectKey& key, const model::History& history) {
  if (auto st = check_key(key); !st.ok()) return st;
  const fs::path path = layout_.history_file(key);
  if (corrupt_.contains(key.str())) {
    return model::Error::terminal("refusing to replace " + path.string() +
                                  ": it could not be read back; quarantine or remove it first");
  }
  if (auto st = ensure_directory(path.parent_path()); !st.ok()) return st;
  return write_file_atomic(path, encode_history(history));
}

model::Result<std::vector<model::ObjectKey>> FileHistoryStore::list() {
  std::vector<model::ObjectKey> keys;
  const fs::path root = layout_.history_root();
  std::error_code ec;
  fs::directory_iterator ns_it(root, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return keys;
    return io_error("list", root, ec.value());
  }
  for (; !ec && ns_it != fs::directory_iterator(); ns_it.increment(ec)) {
    std::error_code type_ec;
    if (!ns_it->is_directory(type_ec)) continue;
    const std::string ns = ns_it->path().filename().string();
    if (!is_safe_component(ns)) continue;
    std::error_code file_ec;
    fs::directory_iterator it(ns_it->path(), file_ec);
    for (; !file_ec && it != fs::directory_iterator(); it.increment(file_ec)) {
      const std::string file = it->path().filename().string();
      if (is_store_private_name(file) || !it->is_regular_file(type_ec)) continue;
      if (it->path().extension() != kFileExtension) continue;
      model::ObjectKey key{ns, it->path().stem().string()};
      if (check_key(key).ok()) keys.push_back(std::move(key));
    }
    if (file_ec) return io_error("list", ns_it->path(), file_ec.value());
  }
  if (ec) return io_error("list", root, ec.value());
  std::sort(keys.begin(), keys.end());
  return keys;
}

model::Status FileHistoryStore::remove(const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st;
  auto st = remove_file(layout_.history_file(key));
  if (st.ok()) corrupt_.erase(key.str());
  return st;
}

model::Result<std::string> FileHistoryStore::quarantine(const model::ObjectKey& key) {
  if (auto st = check_key(key); !st.ok()) return st.error();
  auto moved = move_aside(layout_.history_file(key), quarantine_stamp(now(options_)));
  if (!moved.ok()) return moved.error();
  corrupt_.erase(key.str());
  return moved->string();
}

}  // namespace rwd::history
