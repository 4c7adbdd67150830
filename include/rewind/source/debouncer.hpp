#pragma once
// Batches a burst of file system events into one flush: due once `quiet`
// has passed since the last event (trailing debounce), and at the latest
// `max_delay` after the first, so a file written without pause is still
// read. Pure: the caller passes the time.

#include <optional>

#include "rewind/runtime/clock.hpp"

namespace rwd::source {

class Debouncer {
 public:
  Debouncer(runtime::Duration quiet, runtime::Duration max_delay)
      : quiet_(quiet), max_delay_(max_delay) {}

  // An event arrived at `now`.
  void touch(runtime::SteadyTime now);
  [[nodiscard]] bool pending() const noexcept { return first_.has_value(); }
  // When the pending batch is due; nullopt when nothing is pending.
  [[nodiscard]] std::optional<runtime::SteadyTime> deadline() const;
  [[nodiscard]] bool due(runtime::SteadyTime now) const;
  // The batch was flushed.
  void clear() noexcept {
    first_.reset();
    last_.reset();
  }

 private:
  runtime::Duration quiet_;
  runtime::Duration max_delay_;
  std::optional<runtime::SteadyTime> first_;
  std::optional<runtime::SteadyTime> last_;
};

}  // namespace rwd::source
