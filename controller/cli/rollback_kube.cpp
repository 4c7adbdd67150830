#include "rollback_kube.hpp"

#include <chrono>
#include <ostream>
#include <thread>
#include <variant>

#include "rewind/cli/rollback_progress.hpp"
#include "rewind/kube/objects.hpp"
#include "rewind/kube/status_store.hpp"

#include "commands.hpp"
#include "kube_options.hpp"

namespace rwd::cli {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kPollInterval{500};
constexpr std::chrono::seconds kNotTakenHint{15};

model::Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// What the checks before creating found.
struct Checked {
  model::ObjectKey key;
  model::History history;
};

// The Release exists and, for --to N, has revision N.
std::optional<Checked> check_release(kube::Api& api, kube::KubeStatusStore& store,
                                     const KubeRollbackRun& run) {
  const auto& o = run.options;
  Checked c{{kube_namespace(*o.kube, api, o.ns), o.release}, {}};
  auto rel = store.read_release(c.key);
  if (!rel) {
    run.err << "rewind rollback: " << explain_kube_error(api, rel.error()) << "\n";
    return std::nullopt;
  }
  if (!*rel) {
    run.err << "rewind rollback: no Release " << c.key.str() << " in the cluster ("
            << api.config().source << "); see kubectl get releases -n " << c.key.ns << "\n";
    return std::nullopt;
  }
  auto h = store.load(c.key);
  if (!h) {
    run.err << "rewind rollback: " << explain_kube_error(api, h.error()) << "\n";
    return std::nullopt;
  }
  c.history = std::move(*h);
  if (o.to.kind == model::RollbackTarget::Kind::kRevision &&
      c.history.find(o.to.revision) == nullptr) {
    run.err << "rewind rollback: Release " << c.key.str() << " has no revision "
            << o.to.revision.value();
    if (const auto* latest = c.history.latest()) {
      run.err << " (its revisions: " << c.history.revisions.front().number.value() << ".."
              << latest->number.value() << ")";
    }
    run.err << "; see rewind history " << c.key.name << " -n " << c.key.ns << " --kube\n";
    return std::nullopt;
  }
  return c;
}

// The Rollback as last read; nullopt while no controller wrote its status.
model::Result<std::optional<model::Rollback>> read_taken(kube::Api& api,
                                                         const model::ObjectKey& key) {
  auto got = api.get(kube::path_of(kube::kRollbacks, key.ns, key.name));
  if (!got) return got.error();
  const auto status = got->find("status");
  if (status == got->end() || !status->is_object() || !status->contains("phase")) {
    return std::optional<model::Rollback>();
  }
  kube::Decoded d = kube::decode_api_object(*got);
  if (!d.object || !std::holds_alternative<model::Rollback>(*d.object)) {
    return model::Error::terminal(key.str() + ": " +
                                  (d.errors.empty() ? "not a Rollback" : d.errors.front().str()));
  }
  return std::optional<model::Rollback>(std::get<model::Rollback>(std::move(*d.object)));
}

void print_succeeded(const KubeRollbackRun& run, const model::Rollback& rb,
                     const Checked& checked) {
  const auto to = rb.status.to_revision;
  const auto* rec = to ? checked.history.find(*to) : nullptr;
  run.out << "Release " << checked.key.str() << " is back on revision "
          << (to ? std::to_string(to->value()) : "?")
          << (rec != nullptr ? " (" + rec->revision.image.value() + ")" : "")
          << "; it stays pinned there until its spec changes.\n";
}

int follow(kube::Api& api, kube::KubeStatusStore& store, const KubeRollbackRun& run,
           const Checked& checked, const model::ObjectKey& rb_key) {
  const auto& o = run.options;
  const std::string follow_hint = "kubectl get rollback " + rb_key.name + " -n " + rb_key.ns;
  RollbackProgress progress({}, "", "the controller");
  const auto start = Clock::now();
  bool hinted = false;
  std::string last_error;
  for (;;) {
    auto rb = read_taken(api, rb_key);
    if (!rb && rb.error().reason == "NotFound") {
      run.err << "rewind rollback: the Rollback " << rb_key.str()
              << " was deleted before it finished\n";
      return kExitInvalid;
    }
    if (!rb && rb.error().message != last_error) {
      last_error = rb.error().message;
      run.err << "rewind rollback: retrying: " << explain_kube_error(api, rb.error()) << "\n";
    }
    if (rb && *rb) {
      auto rel = store.read_release(checked.key);
      const auto rel_now = rel && *rel ? **rel : std::optional<model::Release>();
      for (const auto& line : progress.update(**rb, rel_now)) run.out << line << "\n";
      run.out.flush();
      if (progress.finished()) {
        if (progress.succeeded()) {
          print_succeeded(run, **rb, checked);
          return kExitOk;
        }
        run.err << "rewind rollback: the rollback of Release " << checked.key.str()
                << " failed; see kubectl describe rollback " << rb_key.name << " -n " << rb_key.ns
                << "\n";
        return kExitInvalid;
      }
    }
    if (!hinted && !progress.accepted() && Clock::now() - start > kNotTakenHint) {
      run.err << "note: no `rewind controller` has taken the Rollback up yet (is one running, "
                 "and watching namespace "
              << rb_key.ns << "?)\n";
      hinted = true;
    }
    if (Clock::now() - start >= o.timeout) {
      run.err << "rewind rollback: not finished within " << model::format_duration(o.timeout)
              << "; the controller carries on. Follow it with: " << follow_hint << "\n";
      return kExitInvalid;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace

model::Json kube_rollback_body(const model::Rollback& rollback) {
  model::Json body = model::to_json(rollback);
  model::Json& meta = body["metadata"];
  meta.erase("name");
  meta["generateName"] = rollback.spec.release_name + "-rollback-";
  body.erase("status");
  return body;
}

int rollback_on_kube(const KubeRollbackRun& run) {
  const auto& o = run.options;
  auto api = connect_kube(*o.kube);
  if (!api) {
    run.err << "rewind rollback: " << api.error().message << "\n";
    return kExitInvalid;
  }
  kube::KubeStatusStore store(**api);
  const auto checked = check_release(**api, store, run);
  if (!checked) return kExitInvalid;
  RollbackOptions in_ns = o;
  in_ns.ns = checked->key.ns;
  const model::Rollback rb = make_rollback_request(in_ns, now(), run.requested_by);
  const model::Json body = kube_rollback_body(rb);
  if (o.dry_run) {
    run.out << "dry run: would create this Rollback in the cluster (" << (*api)->config().source
            << "); nothing was changed\n"
            << model::to_yaml(body);
    return kExitOk;
  }
  if (!run.confirm()) return kExitInvalid;
  auto created = (*api)->create(kube::path_of(kube::kRollbacks, checked->key.ns), body);
  if (!created) {
    run.err << "rewind rollback: cannot create the Rollback: "
            << explain_kube_error(**api, created.error()) << "\n";
    return kExitInvalid;
  }
  const model::ObjectKey rb_key{checked->key.ns, kube::meta_string(*created, "name")};
  run.out << "created Rollback " << rb_key.str() << " (to " << model::to_string(o.to)
          << ") for `rewind controller`\n";
  run.out.flush();
  if (o.no_wait) {
    run.out << "not waiting (--no-wait); follow it with: kubectl get rollback " << rb_key.name
            << " -n " << rb_key.ns << "\n";
    return kExitOk;
  }
  return follow(**api, store, run, *checked, rb_key);
}

}  // namespace rwd::cli
