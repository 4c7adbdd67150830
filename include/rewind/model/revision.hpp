#pragma once
// A revision is the tuple (image, config hash, migration revision). Two specs
// with equal tuples are the same revision, whatever else differs.

#include <map>
#include <string>

#include "rewind/model/release.hpp"
#include "rewind/model/strong_types.hpp"

namespace rwd::model {

struct Revision {
  ImageRef image;
  std::string config_hash;
  std::string migration_revision;  // empty: the Release has no migration
  bool operator==(const Revision&) const = default;
};

// Contents of the files named in config.envFiles, by the path as written in
// the spec. Reading them is the caller's job (the model does no I/O).
using EnvFileContents = std::map<std::string, std::string>;

// Hash of config.env and the contents of config.envFiles: 16 lowercase hex
// digits of FNV-1a/64 over a length-prefixed canonical encoding (env sorted
// by key, files in spec order). A missing file hashes differently from an
// empty one.
std::string config_hash(const ConfigSpec& config, const EnvFileContents& files);

Revision revision_of(const ReleaseSpec& spec, const EnvFileContents& files);

// Stable hash of the tuple, 10 characters from the alphabet Kubernetes uses
// for pod-template hashes (no vowels, so it never spells a word).
RevisionHash revision_hash(const Revision& r);

// FNV-1a/64 of bytes, exposed for tests and other stable hashes.
std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t seed = 0xcbf29ce484222325ULL);

}  // namespace rwd::model
