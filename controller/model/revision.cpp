// Revision identity. The encodings below are a compatibility promise: history
// files store the hashes, so any change here makes every stored revision look
// new. Change the version tags ("v1") if the encoding must ever change.

#include "rewind/model/revision.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace rwd::model {

namespace {

constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

// The alphabet Kubernetes' rand.SafeEncodeString uses: no vowels, no 0/1/3.
constexpr std::string_view kSafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";
constexpr std::size_t kRevisionHashLength = 10;

// Length-prefixed field: "<decimal length>:<bytes>", so ("a","bc") and
// ("ab","c") never encode alike.
void append_field(std::string& out, std::string_view bytes) {
  out += std::to_string(bytes.size());
  out += ':';
  out += bytes;
}

std::string hex16(std::uint64_t v) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out(16, '0');
  for (std::size_t i = 16; i-- > 0;) {
    out[i] = kDigits[v & 0xFU];
    v >>= 4U;
  }
  return out;
}

}  // namespace

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t seed) {
  std::uint64_t h = seed;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
  return h;
}

std::string config_hash(const ConfigSpec& config, const EnvFileContents& files) {
  std::string enc = "rewind.config/v1;";
  enc += "env;";
  append_field(enc, std::to_string(config.env.size()));
  for (const auto& [key, value] : config.env) {  // std::map: sorted by key
    append_field(enc, key);
    append_field(enc, value);
  }
  enc += "envFiles;";
  append_field(enc, std::to_string(config.env_files.size()));
  for (const auto& path : config.env_files) {  // spec order
    append_field(enc, path);
    if (const auto it = files.find(path); it != files.end()) {
      enc += 'F';
      append_field(enc, it->second);
    } else {
      enc += 'M';  // missing: differs from an empty file ("F0:")
    }
  }
  return hex16(fnv1a64(enc));
}

Revision revision_of(const ReleaseSpec& spec, const EnvFileContents& files) {
  Revision r;
  r.image = spec.image;
  r.config_hash = config_hash(spec.config, files);
  if (spec.migration) r.migration_revision = spec.migration->revision;
  return r;
}

RevisionHash revision_hash(const Revision& r) {
  std::string enc = "rewind.revision/v1;";
  append_field(enc, r.image.value());
  append_field(enc, r.config_hash);
  append_field(enc, r.migration_revision);
  std::uint64_t h = fnv1a64(enc);
  // Base-27 digits, least significant first: 27^10 > 2^47 distinct values.
  std::string out;
  out.reserve(kRevisionHashLength);
  for (std::size_t i = 0; i < kRevisionHashLength; ++i) {
    out += kSafeAlphabet[h % kSafeAlphabet.size()];
    h /= kSafeAlphabet.size();
  }
  return RevisionHash{out};
}

}  // namespace rwd::model
