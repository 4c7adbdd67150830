// Views over history and schema revisions used throughout the planner.

#include <algorithm>
#include <string>

#include "internal.hpp"

namespace rwd::reconcile::detail {
namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string strip_zeros(const std::string& s) {
  const auto first = s.find_first_not_of('0');
  return first == std::string::npos ? std::string("0") : s.substr(first);
}

}  // namespace

const model::RevisionRecord* newest_by_hash(const model::History& h,
                                            const model::RevisionHash& hash) {
  for (auto it = h.revisions.rbegin(); it != h.revisions.rend(); ++it) {
    if (it->hash == hash) return &*it;
  }
  return nullptr;
}

const model::RevisionRecord* running_record(const model::History& h, const Observed& o) {
  if (!o.running) return nullptr;
  return newest_by_hash(h, model::revision_hash(*o.running));
}

const model::RevisionRecord* current_record(const Inputs& in) {
  if (in.running != nullptr) return in.running;
  if (const auto& cur = in.release().status.current_revision) {
    if (const auto* r = in.history.find(*cur)) return r;
  }
  return in.history.latest();
}

const model::RevisionRecord* previous_of(const model::History& h, model::RevisionNumber before) {
  for (auto it = h.revisions.rbegin(); it != h.revisions.rend(); ++it) {
    // A revision that failed (health, analysis, aborted) is never "previous":
    // rolling back onto a known failure is not what anyone asks for.
    if (it->number < before && it->live_at.has_value() && !model::is_failed(it->outcome)) {
      return &*it;
    }
  }
  return nullptr;
}

const model::RevisionRecord* newest_applied(const model::History& h) {
  for (auto it = h.revisions.rbegin(); it != h.revisions.rend(); ++it) {
    if (it->live_at.has_value()) return &*it;
  }
  return nullptr;
}

int compare_schema(const std::string& a, const std::string& b) {
  if (all_digits(a) && all_digits(b)) {
    const std::string x = strip_zeros(a);
    const std::string y = strip_zeros(b);
    if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
    return x.compare(y) < 0 ? -1 : (x == y ? 0 : 1);
  }
  const int c = a.compare(b);
  return c < 0 ? -1 : (c == 0 ? 0 : 1);
}

const char* outcome_reason(model::RevisionOutcome o) {
  switch (o) {
    case model::RevisionOutcome::kPending: return "Pending";
    case model::RevisionOutcome::kLive: return "Live";
    case model::RevisionOutcome::kHealthy: return "Healthy";
    case model::RevisionOutcome::kFailedHealth: return "FailedHealth";
    case model::RevisionOutcome::kFailedAnalysis: return "FailedAnalysis";
    case model::RevisionOutcome::kAborted: return "Aborted";
    case model::RevisionOutcome::kRolledBack: return "RolledBack";
    case model::RevisionOutcome::kSuperseded: return "Superseded";
  }
  return "Unknown";
}

}  // namespace rwd::reconcile::detail
