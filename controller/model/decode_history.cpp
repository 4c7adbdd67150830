// History records from a Node tree (history store files, status files).

#include <limits>

#include "decoder.hpp"

namespace rwd::model {
namespace detail {
namespace {

std::optional<RevisionRecord> decode_record(const Node& n, const std::string& path, Ctx& ctx) {
  const std::size_t before = ctx.error_count();
  Fields f(n, path, ctx);
  if (!f.valid()) return std::nullopt;
  RevisionRecord rec;
  if (const Node* num = f.required("number")) {
    if (auto v =
            read_int(*num, f.path("number"), ctx, 1, std::numeric_limits<std::int64_t>::max())) {
      rec.number = RevisionNumber{*v};
    }
  }
  std::string hash;
  read_into(f, "hash", hash, read_string);
  rec.hash = RevisionHash{hash};
  if (const Node* r = f.required("revision")) {
    Fields rf(*r, f.path("revision"), ctx);
    if (rf.valid()) {
      std::string image;
      read_into(rf, "image", image, read_string);
      rec.revision.image = ImageRef{image};
      read_into(rf, "configHash", rec.revision.config_hash, read_string);
      read_into(rf, "migrationRevision", rec.revision.migration_revision, read_string);
      rf.finish();
    }
  }
  if (const Node* s = f.required("spec")) {
    if (auto spec = decode_release_spec(*s, f.path("spec"), ctx)) rec.spec = std::move(*spec);
  }
  read_into(f, "generation", rec.generation, [](const Node& v, const std::string& p, Ctx& c) {
    return read_int(v, p, c, 0, std::numeric_limits<std::int64_t>::max());
  });
  read_into(f, "createdAt", rec.created_at, read_timestamp);
  read_into(f, "liveAt", rec.live_at, read_timestamp);
  read_into(f, "healthyAt", rec.healthy_at, read_timestamp);
  read_into(f, "endedAt", rec.ended_at, read_timestamp);
  if (const Node* o = f.optional("outcome")) {
    if (auto v = read_enum<RevisionOutcome>(
            *o, f.path("outcome"), ctx, parse_revision_outcome,
            "Pending, Live, Healthy, FailedHealth, FailedAnalysis, Aborted, RolledBack, "
            "Superseded")) {
      rec.outcome = *v;
    }
  }
  read_into(f, "outcomeReason", rec.outcome_reason, read_string);
  if (const Node* b = f.optional("backup")) {
    rec.backup = decode_backup_record(*b, f.path("backup"), ctx);
  }
  read_into(f, "envFileContents", rec.env_files, read_string_map);
  read_into(f, "downScripts", rec.down_scripts, read_string_map);
  f.finish();
  if (ctx.error_count() != before) return std::nullopt;
  return rec;
}

}  // namespace
}  // namespace detail

std::optional<RevisionRecord> decode_revision_record(const Node& n,
                                                     std::vector<FieldError>& errors) {
  detail::Ctx ctx(errors);
  return detail::decode_record(n, "", ctx);
}

std::optional<History> decode_history(const Node& n, std::vector<FieldError>& errors) {
  detail::Ctx ctx(errors);
  const std::size_t before = ctx.error_count();
  detail::Fields f(n, "", ctx);
  if (!f.valid()) return std::nullopt;
  History h;
  if (const Node* revs = f.required("revisions")) {
    if (!revs->is_sequence()) {
      ctx.fail("revisions", *revs, "must be a list of revisions, got " + revs->kind_name());
    } else {
      for (std::size_t i = 0; i < revs->items().size(); ++i) {
        if (auto r = detail::decode_record(revs->items()[i], detail::index("revisions", i), ctx)) {
          if (!h.revisions.empty() && !(h.revisions.back().number < r->number)) {
            ctx.fail(detail::index("revisions", i), revs->items()[i],
                     "revision numbers must increase (" + std::to_string(r->number.value()) +
                         " follows " + std::to_string(h.revisions.back().number.value()) + ")");
          }
          h.revisions.push_back(std::move(*r));
        }
      }
    }
  }
  f.finish();
  if (ctx.error_count() != before) return std::nullopt;
  return h;
}

}  // namespace rwd::model
