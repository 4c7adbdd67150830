// Rollback resources and history records from a Node tree, and the
// dispatching decode_object().

#include <limits>

#include "decoder.hpp"

namespace rwd::model {
namespace detail {
namespace {

std::optional<RollbackTarget> read_rollback_target(const Node& n, const std::string& p, Ctx& c) {
  c.seen(p, n);
  if (n.is_scalar()) {
    if (n.text() == "previous") return RollbackTarget{RollbackTarget::Kind::kPrevious, {}};
    if (n.text() == "lastKnownGood") {
      return RollbackTarget{RollbackTarget::Kind::kLastKnownGood, {}};
    }
    // A revision number, written as a number or a quoted number.
    const std::string& t = n.text();
    if (!t.empty() && t.find_first_not_of("0123456789") == std::string::npos && t.size() < 18) {
      const std::int64_t v = std::stoll(t);
      if (v >= 1) return RollbackTarget{RollbackTarget::Kind::kRevision, RevisionNumber{v}};
    }
  }
  c.fail(p, n,
         (n.is_scalar() ? "\"" + n.text() + "\"" : n.kind_name()) +
             " is not a rollback target (allowed: previous, lastKnownGood, or a revision "
             "number >= 1)");
  return std::nullopt;
}

std::optional<StepStatus> decode_step_status(const Node& n, const std::string& path, Ctx& ctx) {
  Fields f(n, path, ctx);
  if (!f.valid()) return std::nullopt;
  StepStatus s;
  if (const Node* nm = f.required("name")) {
    if (auto v = read_string(*nm, f.path("name"), ctx)) s.name = *v;
  }
  read_into(f, "description", s.description, read_string);
  if (const Node* st = f.optional("state")) {
    if (auto v = read_enum<StepState>(*st, f.path("state"), ctx, parse_step_state,
                                      "Pending, Running, Succeeded, Failed, Skipped")) {
      s.state = *v;
    }
  }
  read_into(f, "startedAt", s.started_at, read_timestamp);
  read_into(f, "finishedAt", s.finished_at, read_timestamp);
  read_into(f, "message", s.message, read_string);
  f.finish();
  return s;
}

void decode_rollback_spec(const Node& n, const std::string& path, Ctx& ctx, RollbackSpec& out) {
  Fields f(n, path, ctx);
  if (!f.valid()) return;
  if (const Node* ref = f.required("releaseRef")) {
    Fields rf(*ref, f.path("releaseRef"), ctx);
    if (rf.valid()) {
      if (const Node* nm = rf.required("name")) {
        if (auto v = read_string(*nm, rf.path("name"), ctx)) out.release_name = *v;
      }
      rf.finish();
    }
  }
  read_into(f, "to", out.to, read_rollback_target);
  if (const Node* c = f.optional("components")) {
    const std::string cp = f.path("components");
    ctx.seen(cp, *c);
    if (!c->is_sequence()) {
      ctx.fail(cp, *c, "must be a list of components, got " + c->kind_name());
    } else {
      out.components.clear();
      for (std::size_t i = 0; i < c->items().size(); ++i) {
        if (auto v = read_enum<Component>(c->items()[i], index(cp, i), ctx, parse_component,
                                          "image, config, migration")) {
          out.components.push_back(*v);
        }
      }
    }
  }
  read_into(f, "restoreBackup", out.restore_backup, read_bool);
  read_into(f, "dryRun", out.dry_run, read_bool);
  read_into(f, "emergency", out.emergency, read_bool);
  read_into(f, "reason", out.reason, read_string);
  f.finish();
}

void decode_rollback_status(const Node& n, const std::string& path, Ctx& ctx, RollbackStatus& out) {
  Fields f(n, path, ctx);
  if (!f.valid()) return;
  read_into(f, "observedGeneration", out.observed_generation, read_int64);
  if (const Node* p = f.optional("phase")) {
    if (auto v = read_enum<RollbackPhase>(*p, f.path("phase"), ctx, parse_rollback_phase,
                                          "Pending, Running, Succeeded, Failed")) {
      out.phase = *v;
    }
  }
  read_into(f, "fromRevision", out.from_revision, read_revision_number);
  read_into(f, "toRevision", out.to_revision, read_revision_number);
  if (const Node* p = f.optional("plan")) {
    const std::string pp = f.path("plan");
    if (!p->is_sequence()) {
      ctx.fail(pp, *p, "must be a list of steps, got " + p->kind_name());
    } else {
      for (std::size_t i = 0; i < p->items().size(); ++i) {
        if (auto s = decode_step_status(p->items()[i], index(pp, i), ctx)) out.plan.push_back(*s);
      }
    }
  }
  if (const Node* b = f.optional("backup")) {
    out.backup = decode_backup_record(*b, f.path("backup"), ctx);
  }
  if (const Node* c = f.optional("conditions")) {
    decode_conditions(*c, f.path("conditions"), ctx, out.conditions);
  }
  read_into(f, "startedAt", out.started_at, read_timestamp);
  read_into(f, "finishedAt", out.finished_at, read_timestamp);
  read_into(f, "message", out.message, read_string);
  f.finish();
}

}  // namespace

std::optional<BackupRecord> decode_backup_record(const Node& n, const std::string& path, Ctx& ctx) {
  Fields f(n, path, ctx);
  if (!f.valid()) return std::nullopt;
  BackupRecord b;
  read_into(f, "path", b.path, read_string);
  read_into(f, "bytes", b.bytes, read_int64);
  read_into(f, "sha256", b.sha256, read_string);
  read_into(f, "verified", b.verified, read_bool);
  read_into(f, "takenAt", b.taken_at, read_timestamp);
  f.finish();
  return b;
}

Rollback decode_rollback_body(Fields& root) {
  Ctx& ctx = root.ctx();
  Rollback r;
  if (const Node* m = root.required("metadata")) decode_metadata(*m, "metadata", ctx, r.metadata);
  if (const Node* s = root.required("spec")) decode_rollback_spec(*s, "spec", ctx, r.spec);
  if (const Node* st = root.optional("status"))
    decode_rollback_status(*st, "status", ctx, r.status);
  root.finish();
  return r;
}

std::optional<Object> decode_object_partial(const Node& doc, std::vector<FieldError>& errors,
                                            std::map<std::string, Mark>& marks) {
  Ctx ctx(errors);
  std::optional<Object> out;
  {
    Fields root(doc, "", ctx);
    if (root.valid()) {
      const auto kind = decode_type_meta(root);
      if (!kind) {
        // Without a kind the fields cannot be checked; report only that.
        for (const char* k : {"metadata", "spec", "status"}) root.ignore(k);
        root.finish();
      } else if (*kind == "Release") {
        out = decode_release_body(root);
      } else {
        out = decode_rollback_body(root);
      }
    }
  }
  marks = ctx.marks();
  return out;
}

}  // namespace detail

std::optional<Object> decode_object(const Node& doc, std::vector<FieldError>& errors) {
  std::map<std::string, Mark> marks;
  const std::size_t before = errors.size();
  auto out = detail::decode_object_partial(doc, errors, marks);
  if (errors.size() != before) return std::nullopt;
  return out;
}

std::optional<Release> decode_release(const Node& doc, std::vector<FieldError>& errors) {
  auto o = decode_object(doc, errors);
  if (!o) return std::nullopt;
  if (auto* r = std::get_if<Release>(&*o)) return std::move(*r);
  errors.push_back({"kind", "\"Rollback\" is not the expected kind Release", {}});
  return std::nullopt;
}

std::optional<Rollback> decode_rollback(const Node& doc, std::vector<FieldError>& errors) {
  auto o = decode_object(doc, errors);
  if (!o) return std::nullopt;
  if (auto* r = std::get_if<Rollback>(&*o)) return std::move(*r);
  errors.push_back({"kind", "\"Release\" is not the expected kind Rollback", {}});
  return std::nullopt;
}

}  // namespace rwd::model
