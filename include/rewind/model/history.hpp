#pragma once
// Per-Release revision history: what went live, when, and how it ended.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rewind/model/release.hpp"
#include "rewind/model/revision.hpp"
#include "rewind/model/rollback.hpp"
#include "rewind/model/strong_types.hpp"
#include "rewind/model/time.hpp"

namespace rwd::model {

enum class RevisionOutcome {
  kPending,         // recorded, not live yet
  kLive,            // serving, analysis window not over
  kHealthy,         // passed health and analysis: a known-good revision
  kFailedHealth,    // never became healthy
  kFailedAnalysis,  // healthy, then failed a metric or smoke test
  kAborted,         // canary aborted by analysis or by hand: not retried
  kRolledBack,      // was healthy, then replaced by an older revision
  kSuperseded,      // replaced by a newer revision in the normal way
};

const char* to_string(RevisionOutcome o);
std::optional<RevisionOutcome> parse_revision_outcome(std::string_view s);

// True for outcomes after which the revision must not be retried until the
// spec changes or someone asks: failed health, failed analysis, aborted.
bool is_failed(RevisionOutcome o);

struct RevisionRecord {
  RevisionNumber number;
  RevisionHash hash;
  Revision revision;
  ReleaseSpec spec;             // full snapshot, for rollbacks
  std::int64_t generation = 0;  // metadata.generation of the spec it came from
  Timestamp created_at{};
  std::optional<Timestamp> live_at;
  std::optional<Timestamp> healthy_at;  // passed health and analysis at least once
  std::optional<Timestamp> ended_at;
  RevisionOutcome outcome = RevisionOutcome::kPending;
  std::string outcome_reason;          // e.g. "analysis/error-rate: 0.12 > 0.05"
  std::optional<BackupRecord> backup;  // taken before this revision went live
  // Contents of the spec's envFiles when the revision was recorded, so a
  // rollback restores the old files' variables, not today's.
  EnvFileContents env_files;
  // sql-dir: the down scripts of migration.directory when the revision was
  // recorded (file name -> SQL). A downgrade away from this revision runs
  // them: the older revision's directory does not contain them.
  std::map<std::string, std::string> down_scripts;
  bool operator==(const RevisionRecord&) const = default;
};

// Ordered by number, ascending; numbers start at 1 and only grow.
struct History {
  std::vector<RevisionRecord> revisions;

  [[nodiscard]] const RevisionRecord* find(RevisionNumber n) const;
  [[nodiscard]] const RevisionRecord* find_by_hash(const RevisionHash& h) const;
  [[nodiscard]] const RevisionRecord* latest() const;
  // Newest revision that was healthy once (healthy_at set), did not fail
  // afterwards (!is_failed(outcome)) and was not rolled back from (kRolledBack),
  // strictly older than `before` when given.
  [[nodiscard]] const RevisionRecord* last_known_good(
      std::optional<RevisionNumber> before = std::nullopt) const;
  [[nodiscard]] RevisionNumber next_number() const;
  bool operator==(const History&) const = default;
};

}  // namespace rwd::model
