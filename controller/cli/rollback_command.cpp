// rewind rollback NAME: hand a Rollback to the running watcher and follow
// it, or -- with no watcher on the state directory -- run it here, once.
// Either way it is checked first (Release known, target in history, image
// available) and --dry-run stops after printing the plan. With
// --kubeconfig/--context/--kube it is a Rollback resource for `rewind
// controller` instead (rollback_kube.cpp).

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <ostream>
#include <variant>

#include "rewind/cli/rollback.hpp"
#include "rewind/cli/state_lock.hpp"
#include "rewind/history/atomic_file.hpp"
#include "rewind/reconcile/format.hpp"

#include "commands.hpp"
#include "engine.hpp"
#include "rollback_kube.hpp"
#include "rollback_plan.hpp"
#include "rollback_run.hpp"

namespace rwd::cli {
namespace fs = std::filesystem;

namespace {

model::Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// "alice@web-1": who asked, for the incident record.
std::string requested_by() {
  const char* user = std::getenv("SUDO_USER");
  if (user == nullptr || *user == '\0') user = std::getenv("USER");
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  return std::string(user != nullptr && *user != '\0' ? user : "unknown") +
         (host[0] != '\0' ? "@" + std::string(host.data()) : "");
}

fs::path request_path(const fs::path& state_dir, const model::Rollback& rb) {
  return state_dir / kRequestsDir / rb.metadata.ns / (rb.metadata.name + ".yaml");
}

// A name no earlier request or Rollback status holds ("-2", "-3", ... when needed).
void make_name_unique(Engine& engine, const fs::path& state_dir, model::Rollback& rb) {
  const std::string base = rb.metadata.name;
  for (int n = 2;; ++n) {
    std::error_code ec;
    auto st = engine.statuses->read_rollback(rb.metadata.key());
    const bool taken = (st && *st) || fs::exists(request_path(state_dir, rb), ec);
    if (!taken) return;
    rb.metadata.name = base + "-" + std::to_string(n);
  }
}

// Which mode: the lock when no one holds it, else who does.
struct Mode {
  std::optional<StateLock> lock;     // no watcher: this process runs the rollback
  std::optional<LockHolder> holder;  // a watcher runs it
};

std::optional<Mode> find_mode(const RollbackOptions& o, std::ostream& err) {
  auto lock = StateLock::try_acquire(o.state_dir, "rewind rollback");
  if (!lock) {
    err << "rewind rollback: " << lock.error().message << "\n";
    return std::nullopt;
  }
  Mode m;
  if (auto* holder = std::get_if<LockHolder>(&*lock)) {
    if (holder->what != "rewind watch") {
      err << "rewind rollback: the state directory " << o.state_dir.string() << " is in use by "
          << holder->describe() << "; wait until it is done, then try again\n";
      return std::nullopt;
    }
    m.holder = *holder;
  } else {
    m.lock.emplace(std::get<StateLock>(std::move(*lock)));
  }
  return m;
}

// The target image must be here, or be pullable; a dry run only says so.
bool check_image(Engine& engine, const reconcile::Decision& d, const model::History& h,
                 bool dry_run, std::ostream& out, std::ostream& err) {
  const auto image = target_image(d, h);
  if (!image) return true;
  auto present = engine.platform->image_present(*image);
  if (present && *present) return true;
  const std::string what = "the image " + image->value() + " of revision " +
                           std::to_string(d.plan.to->value()) + " is not on this Docker host";
  if (dry_run) {
    out << "note: " << what << "; the rollback would pull it\n";
    return true;
  }
  if (auto st = engine.platform->ensure_image(*image); !st) {
    err << "rewind rollback: " << what << " and cannot be pulled: " << st.error().message
        << "\n  (rebuild or re-tag it, or choose another revision: rewind history "
        << d.plan.to->value() << ")\n";
    return false;
  }
  return true;
}

bool confirm(const RollbackOptions& o, Terminal& term, std::ostream& err) {
  if (!o.emergency) return true;
  switch (confirm_emergency(o.release, o.yes, term.interactive, term.in, err)) {
    case Confirmation::kConfirmed: return true;
    case Confirmation::kNoTerminal:
      err << "rewind rollback: --emergency asks for confirmation, but there is no terminal to ask "
             "on; add --yes to confirm on the command line\n";
      return false;
    case Confirmation::kDeclined:
      err << "rewind rollback: not confirmed (the release name was not typed); nothing was "
             "changed\n";
      return false;
  }
  return false;
}

model::Status write_request(const fs::path& path, const model::Rollback& rb) {
  if (auto st = history::ensure_directory(path.parent_path()); !st) return st;
  return history::write_file_atomic(path, request_yaml(rb));
}

}  // namespace

int rollback_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                     Terminal term) {
  auto parsed = parse_rollback_options(args, out, err);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const RollbackOptions& o = std::get<RollbackOptions>(parsed);
  setup_logging(o.log);
  if (o.kube) {
    return rollback_on_kube({o, requested_by(), [&] { return confirm(o, term, err); }, out, err});
  }
  std::error_code ec;
  if (!fs::is_directory(o.state_dir, ec)) {
    err << "rewind rollback: no state directory at " << o.state_dir.string()
        << " (rewind keeps history there; pass the --state-dir that `rewind watch` uses)\n";
    return kExitInvalid;
  }
  std::optional<Mode> mode;
  if (!o.dry_run) {
    mode = find_mode(o, err);
    if (!mode) return kExitInvalid;
  }
  auto engine = assemble_engine({o.state_dir, o.docker, o.state, o.nginx});
  if (!engine) {
    err << "rewind rollback: " << engine.error().message << "\n";
    return kExitInvalid;
  }
  const model::ObjectKey key{o.ns, o.release};
  auto stored = load_stored_release(**engine, key, o.state_dir.string());
  if (!stored) {
    err << "rewind rollback: " << stored.error().message << "\n";
    return kExitInvalid;
  }
  model::Rollback rb = make_rollback_request(o, now(), requested_by());
  make_name_unique(**engine, o.state_dir, rb);
  rb.spec.dry_run = o.dry_run;
  auto decision = plan_rollback(**engine, *stored, rb, now());
  if (!decision) {
    err << "rewind rollback: " << decision.error().message << "\n";
    return kExitInvalid;
  }
  if (decision->error) {
    err << "rewind rollback: " << decision->error->message << "\n";
    return kExitInvalid;
  }
  if (!check_image(**engine, *decision, stored->history, o.dry_run, out, err)) return kExitInvalid;
  if (o.dry_run) {
    out << reconcile::format_plan(*decision);
    return kExitOk;
  }
  if (decision->plan.empty()) {
    out << "Release " << key.str() << ": nothing to do, " << decision->message << "\n";
    return kExitOk;
  }
  if (!confirm(o, term, err)) return kExitInvalid;
  const fs::path path = request_path(o.state_dir, rb);
  if (auto st = write_request(path, rb); !st) {
    err << "rewind rollback: cannot write the request: " << st.error().message << "\n";
    return kExitInvalid;
  }
  RunContext ctx{o, **engine, *stored, rb, *decision, path, out, err};
  if (mode->holder) return follow_watcher(ctx, *mode->holder);
  return run_in_process(ctx);
}

}  // namespace rwd::cli
