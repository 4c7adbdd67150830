#include "rewind/execute/commands.hpp"

namespace rwd::execute {

const char* to_string(CommandKind k) {
  switch (k) {
    case CommandKind::kPromote: return "promote";
    case CommandKind::kAbort: return "abort";
    case CommandKind::kRetry: return "retry";
  }
  return "?";
}

std::optional<CommandKind> parse_command_kind(std::string_view s) {
  if (s == "promote") return CommandKind::kPromote;
  if (s == "abort") return CommandKind::kAbort;
  if (s == "retry") return CommandKind::kRetry;
  return std::nullopt;
}

void CommandBox::post(const model::ObjectKey& release, Command c) {
  std::lock_guard lock(mu_);
  pending_[release].push_back(std::move(c));
}

std::vector<Command> CommandBox::take(const model::ObjectKey& release) {
  std::lock_guard lock(mu_);
  const auto it = pending_.find(release);
  if (it == pending_.end()) return {};
  std::vector<Command> out = std::move(it->second);
  pending_.erase(it);
  return out;
}

}  // namespace rwd::execute
