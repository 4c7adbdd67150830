#include "rewind/model/history.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace rwd::model {

namespace {

constexpr std::array<std::pair<RevisionOutcome, const char*>, 8> kOutcomes{{
    {RevisionOutcome::kPending, "Pending"},
    {RevisionOutcome::kLive, "Live"},
    {RevisionOutcome::kHealthy, "Healthy"},
    {RevisionOutcome::kFailedHealth, "FailedHealth"},
    {RevisionOutcome::kFailedAnalysis, "FailedAnalysis"},
    {RevisionOutcome::kAborted, "Aborted"},
    {RevisionOutcome::kRolledBack, "RolledBack"},
    {RevisionOutcome::kSuperseded, "Superseded"},
}};

}  // namespace

const char* to_string(RevisionOutcome o) {
  for (const auto& [value, name] : kOutcomes) {
    if (value == o) return name;
  }
  return "Unknown";
}

std::optional<RevisionOutcome> parse_revision_outcome(std::string_view s) {
  for (const auto& [value, name] : kOutcomes) {
    if (s == name) return value;
  }
  return std::nullopt;
}

bool is_failed(RevisionOutcome o) {
  return o == RevisionOutcome::kFailedHealth || o == RevisionOutcome::kFailedAnalysis ||
         o == RevisionOutcome::kAborted;
}

const RevisionRecord* History::find(RevisionNumber n) const {
  const auto it = std::find_if(revisions.begin(), revisions.end(),
                               [&](const RevisionRecord& r) { return r.number == n; });
  return it == revisions.end() ? nullptr : &*it;
}

const RevisionRecord* History::find_by_hash(const RevisionHash& h) const {
  const auto it = std::find_if(revisions.rbegin(), revisions.rend(),
                               [&](const RevisionRecord& r) { return r.hash == h; });
  return it == revisions.rend() ? nullptr : &*it;
}

const RevisionRecord* History::latest() const {
  return revisions.empty() ? nullptr : &revisions.back();
}

const RevisionRecord* History::last_known_good(std::optional<RevisionNumber> before) const {
  for (auto it = revisions.rbegin(); it != revisions.rend(); ++it) {
    if (before && !(it->number < *before)) continue;
    // A revision someone rolled back from is not "known good": going back to
    // it after the next failure would undo that decision.
    if (it->healthy_at && !is_failed(it->outcome) && it->outcome != RevisionOutcome::kRolledBack) {
      return &*it;
    }
  }
  return nullptr;
}

RevisionNumber History::next_number() const {
  if (revisions.empty()) return RevisionNumber{1};
  return RevisionNumber{revisions.back().number.value() + 1};
}

}  // namespace rwd::model
