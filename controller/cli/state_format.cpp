#include "state_format.hpp"

#include <iomanip>
#include <ostream>
#include <string>

#include "rewind/notify/notifier.hpp"

namespace rwd::cli {
namespace {

std::string opt(const std::optional<model::RevisionNumber>& n) {
  return n ? std::to_string(n->value()) : "-";
}

std::string ts(const std::optional<model::Timestamp>& t) {
  return t ? model::format_timestamp(*t) : "-";
}

// A webhook URL's userinfo, query and path are often its secret: shown as
// the logs show them.
void redact_webhooks(model::ReleaseSpec& spec) {
  for (auto& n : spec.notify) {
    if (n.webhook) n.webhook->url = notify::redact_url(n.webhook->url);
  }
}

}  // namespace

void print_release_header(std::ostream& out) {
  out << std::left << std::setw(12) << "NAMESPACE" << std::setw(20) << "NAME" << std::setw(12)
      << "PHASE" << std::setw(9) << "CURRENT" << std::setw(8) << "STABLE" << std::setw(8) << "READY"
      << "IMAGE\n";
}

void print_release_line(const model::Release& r, std::ostream& out) {
  const auto& s = r.status;
  std::string ready = "-";
  for (const auto& c : s.conditions) {
    if (c.type == model::condition_type::kReady) ready = model::to_string(c.status);
  }
  out << std::left << std::setw(12) << r.metadata.ns << std::setw(20) << r.metadata.name
      << std::setw(12) << model::to_string(s.phase) << std::setw(9) << opt(s.current_revision)
      << std::setw(8) << opt(s.stable_revision) << std::setw(8) << ready
      << (s.observed ? s.observed->image.value() : r.spec.image.value()) << "\n";
}

void print_release_detail(const model::Release& r, std::ostream& out) {
  const auto& s = r.status;
  out << "Release " << r.metadata.key().str() << "\n"
      << "  phase:     " << model::to_string(s.phase) << "\n"
      << "  desired:   " << r.spec.image.value() << " (generation " << r.metadata.generation
      << ")\n";
  if (s.observed) {
    out << "  running:   " << s.observed->image.value() << " (config " << s.observed->config_hash
        << (s.observed->migration_revision.empty() ? ""
                                                   : ", schema " + s.observed->migration_revision)
        << ")\n";
  }
  out << "  revision:  current " << opt(s.current_revision) << ", stable " << opt(s.stable_revision)
      << "\n";
  if (s.pin) {
    out << "  pinned:    revision " << s.pin->revision.value() << " by Rollback " << s.pin->rollback
        << " until the spec changes\n";
  }
  if (s.last_rollback) {
    const auto& l = *s.last_rollback;
    const std::string from = l.from.value() > 0 ? std::to_string(l.from.value()) : "?";
    out << "  last rollback: " << from << " -> " << l.to.value() << " (" << l.trigger << ") at "
        << model::format_timestamp(l.started_at);
    if (l.finished_at) out << ", took " << l.seconds << " s";
    out << "\n";
  }
  if (!s.message.empty()) out << "  message:   " << s.message << "\n";
  out << "  conditions:\n";
  for (const auto& c : s.conditions) {
    out << "    " << std::left << std::setw(15) << c.type << std::setw(8)
        << model::to_string(c.status) << std::setw(22) << c.reason << c.message << "\n";
  }
}

void print_history_table(const model::History& h, std::ostream& out) {
  out << std::left << std::setw(5) << "REV" << std::setw(12) << "HASH" << std::setw(28) << "IMAGE"
      << std::setw(18) << "CONFIG" << std::setw(8) << "SCHEMA" << std::setw(16) << "OUTCOME"
      << std::setw(26) << "LIVE"
      << "REASON\n";
  for (const auto& rec : h.revisions) {
    out << std::left << std::setw(5) << rec.number.value() << std::setw(12) << rec.hash.value()
        << std::setw(28) << rec.revision.image.value() << std::setw(18) << rec.revision.config_hash
        << std::setw(8)
        << (rec.revision.migration_revision.empty() ? "-" : rec.revision.migration_revision)
        << std::setw(16) << model::to_string(rec.outcome) << std::setw(26) << ts(rec.live_at)
        << rec.outcome_reason << "\n";
  }
}

model::Json release_json(const model::Release& r) {
  model::Release shown = r;
  redact_webhooks(shown.spec);
  return model::to_json(shown);
}

model::Json history_json(const model::History& h) {
  model::History shown = h;
  for (auto& rec : shown.revisions) redact_webhooks(rec.spec);
  model::Json j = model::to_json(shown);
  if (auto it = j.find("revisions"); it != j.end()) {
    for (auto& rec : *it) rec.erase("envFileContents");
  }
  return j;
}

}  // namespace rwd::cli
