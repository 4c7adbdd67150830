#pragma once
// What a person asks of a running plan: `rewind promote`, `abort` and
// `retry`. The watcher's HTTP API posts them into a CommandBox and queues
// the Release; its next reconcile takes them out and applies them before it
// plans:
//   - promote: the step the plan waits at (an indefinite pause, a manual
//     blue-green promotion, or a timed pause cut short) is done;
//   - abort: the revision the plan moves to is aborted (a canary loses its
//     traffic at once) and not retried until the spec changes or a retry;
//   - retry: a revision that failed or was aborted may be tried again with
//     the same spec.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rewind/model/strong_types.hpp"
#include "rewind/model/time.hpp"

namespace rwd::execute {

enum class CommandKind { kPromote, kAbort, kRetry };
const char* to_string(CommandKind k);  // "promote", "abort", "retry"
std::optional<CommandKind> parse_command_kind(std::string_view s);

struct Command {
  CommandKind kind = CommandKind::kPromote;
  model::Timestamp at{};
  std::string from;  // who asked, for the log ("HTTP API from 127.0.0.1")
  bool operator==(const Command&) const = default;
};

// Thread-safe: posted from HTTP handlers, taken by reconciles.
class CommandBox {
 public:
  void post(const model::ObjectKey& release, Command c);
  // Everything posted for the Release, oldest first; the box forgets them.
  std::vector<Command> take(const model::ObjectKey& release);

 private:
  std::mutex mu_;
  std::map<model::ObjectKey, std::vector<Command>> pending_;
};

}  // namespace rwd::execute
