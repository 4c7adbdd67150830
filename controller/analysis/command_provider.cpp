// command metrics: the exit status of a command on this host.

#include <algorithm>

#include <spdlog/spdlog.h>

#include "rewind/analysis/provider.hpp"
#include "rewind/analysis/render.hpp"
#include "rewind/process/child.hpp"

#include "printable.hpp"

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
  if (!metric.command || metric.command->argv.empty()) {
    return Measurement::inconclusive("metric " + metric.name + " has no command");
  }
  const auto limit = std::max(model::Duration(1), std::min(metric.command->timeout, timeout));
  process::Request request;
  request.argv.reserve(metric.command->argv.size());
  for (const auto& a : metric.command->argv) {
    request.argv.push_back(render_argument(a, subject.label, subject.address));
  }
  request.env = {{"REWIND_REVISION", subject.label},
                 {"REWIND_REVISION_NUMBER", std::to_string(subject.revision.value())},
                 {"REWIND_ADDRESS", subject.address}};
  request.timeout = limit;
  request.output_cap = kKeptOutput;
  request.keep = process::Keep::kTail;
  request.streams = process::Streams::kMerged;
  const process::Result run = process::run(request);
  if (!run.started()) {
    const std::string error = "cannot start " + run.spawn_error;
    spdlog::warn("analysis: {}: {}", metric.name, error);
    return Measurement::inconclusive(error);
  }
  const std::string& name = request.argv.front();
  const std::string output = detail::printable_utf8(run.out);
  switch (run.end) {
    case process::Result::End::kNotStarted:  // handled above
    case process::Result::End::kTimedOut:
      return Measurement::failed(with_output(
          name + " timed out after " + model::format_duration(limit) + " and was killed", output));
    case process::Result::End::kSignaled:
      return Measurement::of(
          128 + run.signal,
          with_output(name + " was killed by signal " + std::to_string(run.signal), output));
    case process::Result::End::kExited: break;
  }
  return Measurement::of(run.exit_code,
                         with_output(name + " exited with " + std::to_string(run.exit_code) +
                                         " after " + model::format_duration(run.elapsed),
                                     output));
}

}  // namespace rwd::analysis
