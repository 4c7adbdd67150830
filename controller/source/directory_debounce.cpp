#include <algorithm>

#include "rewind/source/debouncer.hpp"

namespace rwd::source {

void Debouncer::touch(runtime::SteadyTime now) {
  if (!first_) first_ = now;
  last_ = std::max(last_.value_or(now), now);
}

std::optional<runtime::SteadyTime> Debouncer::deadline() const {
  if (!first_) return std::nullopt;
  return std::min(*last_ + quiet_, *first_ + max_delay_);
}

bool Debouncer::due(runtime::SteadyTime now) const {
  const auto at = deadline();
  return at && now >= *at;
}

}  // namespace rwd::source
