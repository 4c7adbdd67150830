// command metrics: the exit status of a command on this host.

#include <spdlog/spdlog.h>

#include <algorithm>

#include "rewind/analysis/provider.hpp"
#include "rewind/analysis/render.hpp"
#include "run_command.hpp"

namespace rwd::analysis {
namespace {

constexpr std::size_t kKeptOutput = 4096;

std::string with_output(std::string head, const std::string& output) {
  if (output.empty()) return head;
  return head + "; output:\n" + output;
}

}  // namespace

Measurement CommandProvider::measure(const model::MetricSpec& metric, const Subject& subject,
                                     model::Duration timeout) {
  if (!metric.command) {
    return Measurement::inconclusive("metric " + metric.name + " has no command");
  }
  std::vector<std::string> argv;
  argv.reserve(metric.command->argv.size());
  for (const auto& a : metric.command->argv) {
    argv.push_back(render_argument(a, subject.label, subject.address));
  }
  const auto limit = std::max(model::Duration(1), std::min(metric.command->timeout, timeout));
  const std::map<std::string, std::string> env{
      {"REWIND_REVISION", subject.label},
      {"REWIND_REVISION_NUMBER", std::to_string(subject.revision.value())},
      {"REWIND_ADDRESS", subject.address}};
  const detail::CommandRun run = detail::run_command(argv, env, limit, kKeptOutput);
  const std::string name = argv.empty() ? std::string("command") : argv.front();
  switch (run.end) {
    case detail::CommandRun::End::kNotStarted:
      spdlog::warn("analysis: {}: {}", metric.name, run.error);
      return Measurement::inconclusive(run.error);
    case detail::CommandRun::End::kTimedOut:
      return Measurement::failed(with_output(
          name + " timed out after " + model::format_duration(limit) + " and was killed",
          run.output));
    case detail::CommandRun::End::kSignaled:
      return Measurement::of(128 + run.status,
                             with_output(name + " was killed by signal " +
                                             std::to_string(run.status),
                                         run.output));
    case detail::CommandRun::End::kExited:
      break;
  }
  return Measurement::of(run.status,
                         with_output(name + " exited with " + std::to_string(run.status) +
                                         " after " + model::format_duration(run.took),
                                     run.output));
}

}  // namespace rwd::analysis
