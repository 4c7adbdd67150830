// Pieces both file stores share: quarantine names, the guarded file access,
// the listing of keys.

#include <algorithm>
#include <ctime>
#include <fstream>
#include <string>
#include <system_error>

#include "rewind/history/atomic_file.hpp"
#include "rewind/history/codec.hpp"
#include "rewind/history/file_store.hpp"

namespace rwd::history {

namespace fs = std::filesystem;

std::string quarantine_stamp(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return std::string(buf, n);
}

model::Result<std::optional<std::string>> GuardedFiles::read(const std::string& id,
                                                             const fs::path& path) {
  bool missing = false;
  auto text = read_file(path, kMaxStateFileBytes, &missing);
  if (text.ok()) return std::optional<std::string>(std::move(*text));
  if (missing) {
    clear(id);  // moved aside or removed by hand: nothing left to protect
    return std::optional<std::string>();
  }
  const std::lock_guard lock(mu_);
  corrupt_.insert(id);  // unreadable: not to be replaced blindly either
  return text.error();
}

model::Error GuardedFiles::refuse_later(model::Error e, const std::string& id,
                                        const std::string& what) {
  {
    const std::lock_guard lock(mu_);
    corrupt_.insert(id);
  }
  e.message += "\n" + what + " was left as it is: move it aside (quarantine) or repair the file";
  return e;
}

void GuardedFiles::clear(const std::string& id) {
  const std::lock_guard lock(mu_);
  corrupt_.erase(id);
}

model::Status GuardedFiles::write(const std::string& id, const fs::path& path,
                                  const std::string& text) {
  {
    const std::lock_guard lock(mu_);
    if (corrupt_.count(id) != 0) {
      return model::Error::terminal("refusing to replace " + path.string() +
                                    ": it could not be read back; quarantine or remove it first");
    }
  }
  // Nothing is written when the file already holds the text: a resync that
  // changes nothing writes nothing (no fsync, no new mtime).
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::string current;
      current.resize(text.size() + 1);
      in.read(current.data(), static_cast<std::streamsize>(current.size()));
      if (static_cast<std::size_t>(in.gcount()) == text.size() &&
          current.compare(0, text.size(), text) == 0) {
        return {};
      }
    }
  }
  if (auto st = ensure_directory(path.parent_path()); !st.ok()) return st;
  return write_file_atomic(path, text);
}

model::Status GuardedFiles::remove(const std::string& id, const fs::path& path) {
  auto st = remove_file(path);
  if (st.ok()) clear(id);
  return st;
}

model::Result<std::string> GuardedFiles::quarantine(const std::string& id, const fs::path& path) {
  const auto now = clock_ ? clock_() : std::chrono::system_clock::now();
  auto moved = move_aside(path, quarantine_stamp(now));
  if (!moved.ok()) return moved.error();
  clear(id);
  return moved->string();
}

namespace {

// Appends the keys of "<dir>/<name>.json" in namespace `ns`.
std::error_code add_keys(const fs::path& dir, const std::string& ns,
                         std::vector<model::ObjectKey>& keys) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return {};
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    const std::string file = it->path().filename().string();
    if (is_store_private_name(file) || !it->is_regular_file(type_ec)) continue;
    if (it->path().extension() != kFileExtension) continue;
    model::ObjectKey key{ns, it->path().stem().string()};
    if (check_key(key).ok()) keys.push_back(std::move(key));
  }
  return ec;
}

}  // namespace

model::Result<std::vector<model::ObjectKey>> list_keys(const fs::path& root,
                                                       const std::string& sub) {
  std::vector<model::ObjectKey> keys;
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
    const fs::path dir = sub.empty() ? ns_it->path() : ns_it->path() / sub;
    if (const std::error_code file_ec = add_keys(dir, ns, keys)) {
      return io_error("list", dir, file_ec.value());
    }
  }
  if (ec) return io_error("list", root, ec.value());
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace rwd::history
