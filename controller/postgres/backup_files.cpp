// The file side of backups: dump file names, listing, pruning, SHA-256, and
// the names of the databases a restore makes. No server involved.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include <openssl/evp.h>

#include "rewind/postgres/backup.hpp"

namespace rwd::postgres {
namespace {

namespace fs = std::filesystem;
using std::chrono::days;

constexpr std::size_t kStampSize = 19;  // yyyymmddTHHMMSSmmmZ
constexpr std::size_t kMaxIdentifier = 63;
constexpr std::string_view kSuffix = ".dump";

// ASCII letters and digits, '_', '.', '-' (no locale involved).
bool safe_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

std::string encode_name(const std::string& name) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (safe_char(c)) {
      out.push_back(ch);
    } else {
      out += {'%', kHex[c >> 4U], kHex[c & 15U]};
    }
  }
  return out;
}

std::optional<std::string> decode_name(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      if (!safe_char(static_cast<unsigned char>(text[i]))) return std::nullopt;
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    unsigned value = 0;
    for (const char h : text.substr(i + 1, 2)) {
      const auto digit = std::string_view("0123456789ABCDEF").find(h);
      if (digit == std::string_view::npos) return std::nullopt;
      value = value * 16 + static_cast<unsigned>(digit);
    }
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

std::string two(unsigned v) {
  return {static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)};
}

// yyyymmddTHHMMSS (UTC)
std::string stamp_seconds(model::Timestamp t) {
  const auto day = std::chrono::floor<days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::seconds>(t - day)};
  return std::to_string(static_cast<int>(ymd.year())) + two(static_cast<unsigned>(ymd.month())) +
         two(static_cast<unsigned>(ymd.day())) + "T" +
         two(static_cast<unsigned>(hms.hours().count())) +
         two(static_cast<unsigned>(hms.minutes().count())) +
         two(static_cast<unsigned>(hms.seconds().count()));
}

std::optional<unsigned> digits(std::string_view s) {
  unsigned v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v;
}

std::optional<model::Timestamp> parse_stamp(std::string_view s) {
  if (s.size() != kStampSize || s[8] != 'T' || s[18] != 'Z') return std::nullopt;
  const auto y = digits(s.substr(0, 4));
  const auto mo = digits(s.substr(4, 2));
  const auto d = digits(s.substr(6, 2));
  const auto h = digits(s.substr(9, 2));
  const auto mi = digits(s.substr(11, 2));
  const auto sec = digits(s.substr(13, 2));
  const auto ms = digits(s.substr(15, 3));
  if (!y || !mo || !d || !h || !mi || !sec || !ms || *h > 23 || *mi > 59 || *sec > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(*y)),
                                        std::chrono::month(*mo), std::chrono::day(*d)};
  if (!ymd.ok()) return std::nullopt;
  return model::Timestamp{std::chrono::sys_days(ymd)} + std::chrono::hours(*h) +
         std::chrono::minutes(*mi) + std::chrono::seconds(*sec) + std::chrono::milliseconds(*ms);
}

// `name` cut to at most `size` bytes without splitting a UTF-8 sequence.
std::string utf8_prefix(const std::string& name, std::size_t size) {
  std::size_t end = std::min(size, name.size());
  while (end > 0 && end < name.size() && (static_cast<unsigned char>(name[end]) & 0xC0U) == 0x80U) {
    --end;
  }
  return name.substr(0, end);
}

std::string fitted(const std::string& database, const std::string& suffix) {
  if (database.size() + suffix.size() <= kMaxIdentifier) return database + suffix;
  const std::string tag = "_" + sha256_hex(database).substr(0, 8);
  return utf8_prefix(database, kMaxIdentifier - suffix.size() - tag.size()) + tag + suffix;
}

std::string hex(const unsigned char* data, unsigned size) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out += {kHex[data[i] >> 4U], kHex[data[i] & 15U]};  // NOLINT(*-pointer-arithmetic)
  }
  return out;
}

std::string normal(const std::string& path) {
  std::error_code ec;
  return fs::absolute(path, ec).lexically_normal().string();
}

}  // namespace

std::string backup_file_name(const std::string& database, model::Timestamp taken_at) {
  const auto ms = (taken_at - std::chrono::floor<std::chrono::seconds>(taken_at)).count();
  return encode_name(database) + "-" + stamp_seconds(taken_at) +
         std::to_string(ms + 1000).substr(1) + "Z" + std::string(kSuffix);
}

std::optional<ParsedBackupName> parse_backup_file_name(const std::string& file_name) {
  const std::size_t min = 1 + kStampSize + kSuffix.size();
  if (file_name.size() <= min || !file_name.ends_with(kSuffix)) return std::nullopt;
  const std::size_t stamp_at = file_name.size() - kSuffix.size() - kStampSize;
  if (file_name[stamp_at - 1] != '-') return std::nullopt;
  auto taken_at = parse_stamp(std::string_view(file_name).substr(stamp_at, kStampSize));
  auto database = decode_name(std::string_view(file_name).substr(0, stamp_at - 1));
  if (!taken_at || !database || database->empty()) return std::nullopt;
  return ParsedBackupName{std::move(*database), *taken_at};
}

RestoreNames restore_names(const std::string& database, model::Timestamp now) {
  const std::string stamp = stamp_seconds(now) + "Z";
  return {fitted(database, "_rewind_restore_" + stamp),
          fitted(database, "_before_rollback_" + stamp),
          fitted(database, "_rewind_drill_" + stamp)};
}

std::vector<BackupFile> list_backups(const std::string& directory, const std::string& database) {
  std::vector<BackupFile> out;
  std::error_code ec;
  const std::string dir = normal(directory);
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const auto parsed = parse_backup_file_name(e.path().filename().string());
    if (!parsed || parsed->database != database || !e.is_regular_file(ec)) continue;
    BackupFile file;
    file.path = e.path().string();
    file.database = parsed->database;
    file.taken_at = parsed->taken_at;
    file.bytes = static_cast<std::int64_t>(e.file_size(ec));
    out.push_back(std::move(file));
  }
  std::sort(out.begin(), out.end(), [](const BackupFile& a, const BackupFile& b) {
    return a.taken_at != b.taken_at ? a.taken_at > b.taken_at : a.path > b.path;
  });
  return out;
}

std::vector<std::string> prune_backups(const std::string& directory, const std::string& database,
                                       std::int32_t keep, model::Duration max_age,
                                       model::Timestamp now, const std::set<std::string>& protect) {
  std::set<std::string> kept;
  for (const auto& p : protect) kept.insert(normal(p));
  std::vector<std::string> removed;
  const auto backups = list_backups(directory, database);
  for (std::size_t i = 1; i < backups.size(); ++i) {
    const auto& b = backups[i];
    const bool beyond_keep = keep > 0 && i >= static_cast<std::size_t>(keep);
    const bool too_old = max_age.count() > 0 && now - b.taken_at > max_age;
    if ((!beyond_keep && !too_old) || kept.contains(normal(b.path))) continue;
    std::error_code ec;
    if (fs::remove(b.path, ec)) removed.push_back(b.path);
  }
  return removed;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &size, EVP_sha256(), nullptr);
  return hex(md.data(), size);
}

MigrationResult<std::string> sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const auto fail = [&path](const std::string& why) {
    return MigrationError::make(MigrationCode::kFailed, model::ErrorKind::kTerminal,
                                "cannot hash backup " + path + ": " + why);
  };
  if (!in) return fail(std::strerror(errno));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return fail("EVP init");
  std::array<char, 65536> buf{};
  while (in) {
    in.read(buf.data(), buf.size());
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return fail("read error");
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), md.data(), &size);
  return hex(md.data(), size);
}

}  // namespace rwd::postgres
