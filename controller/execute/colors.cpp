#include "rewind/execute/colors.hpp"

#include "rewind/execute/executor.hpp"

namespace rwd::execute {

using reconcile::Color;

std::optional<Color> color_label(const Instance& i) {
  const auto it = i.labels.find(label::kColor);
  if (it == i.labels.end()) return std::nullopt;
  if (it->second == "blue") return Color::kBlue;
  if (it->second == "green") return Color::kGreen;
  return std::nullopt;
}

bool in_color(const Instance& i, Color c) {
  const auto labelled = color_label(i);
  if (labelled) return *labelled == c;
  return c == Color::kBlue && i.labels.find(label::kColor) == i.labels.end();
}

const Instance* running_in_color(const std::vector<Instance>& instances, Color c) {
  const Instance* best = nullptr;
  for (const auto& i : instances) {
    if (!i.running || !in_color(i, c)) continue;
    if (best == nullptr || (i.created && best->created && *i.created > *best->created)) best = &i;
  }
  return best;
}

std::optional<Color> active_color(const std::vector<router::Backend>& weights) {
  std::optional<Color> best;
  std::int32_t top = 0;
  for (const auto& b : weights) {
    if (b.weight <= top) continue;
    if (b.name == "blue") {
      best = Color::kBlue;
    } else if (b.name == "green") {
      best = Color::kGreen;
    } else {
      continue;
    }
    top = b.weight;
  }
  return best;
}

std::int32_t traffic_port(const model::ReleaseSpec& spec) {
  const auto& s = spec.strategy;
  if (s.type == model::StrategyType::kBlueGreen && s.blue_green && s.blue_green->port != 0) {
    return s.blue_green->port;
  }
  if (s.type == model::StrategyType::kCanary && s.canary && s.canary->port != 0) {
    return s.canary->port;
  }
  if (spec.health_check && spec.health_check->http) return spec.health_check->http->port;
  return 0;
}

std::string color_container_name(const std::string& base, Color c) {
  std::string name = canonical_name(base);
  for (const char* suffix : {"-blue", "-green"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      name.erase(name.size() - s.size());
      break;
    }
  }
  return name + "-" + reconcile::to_string(c);
}

namespace {

std::int64_t revision_label(const Instance& i) {
  const auto it = i.labels.find(label::kRevision);
  if (it == i.labels.end()) return 0;
  std::int64_t n = 0;
  for (const char c : it->second) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

bool older(const Instance& a, const Instance& b) {
  const auto ra = revision_label(a);
  const auto rb = revision_label(b);
  if (ra != rb) return ra < rb;
  return a.created && b.created && *a.created < *b.created;
}

const router::Backend* backend(const std::vector<router::Backend>& weights, const char* name) {
  for (const auto& b : weights) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

}  // namespace

model::Result<CanaryTracks> canary_tracks(ContainerPlatform& platform,
                                          router::TrafficRouter& router,
                                          const model::Release& release,
                                          const std::vector<Instance>& instances,
                                          std::optional<model::RevisionNumber> revision,
                                          const model::Revision* tuple) {
  auto weights = router.weights(release.metadata.key());
  if (!weights) return weights.error();
  const router::Backend* stable_be = backend(*weights, "stable");
  const router::Backend* canary_be = backend(*weights, "canary");
  const std::int32_t port = traffic_port(release.spec);
  std::vector<std::pair<const Instance*, std::string>> running;
  for (const auto& i : instances) {
    if (!i.running) continue;
    std::string address;
    if (port != 0 && !weights->empty()) {
      if (auto a = platform.traffic_address(i.id, port)) address = *a;
    }
    running.emplace_back(&i, address);
  }
  CanaryTracks out;
  const auto is_canary = [&](const Instance& i) {
    return revision && tuple != nullptr && runs_revision(i, *revision, *tuple);
  };
  if (stable_be != nullptr) {
    for (const auto& [i, a] : running) {
      if (a == stable_be->address && !is_canary(*i)) out.stable = i;
    }
  }
  if (out.stable == nullptr) {
    for (const auto& [i, a] : running) {
      if (is_canary(*i)) continue;
      if (out.stable == nullptr || older(*i, *out.stable)) out.stable = i;
    }
  }
  for (const auto& [i, a] : running) {
    if (i == out.stable) continue;
    if (revision && tuple != nullptr && !is_canary(*i)) continue;
    const bool routed = canary_be != nullptr && a == canary_be->address;
    if (out.canary == nullptr || routed || older(*out.canary, *i)) out.canary = i;
    if (routed) break;
  }
  if (out.canary != nullptr && canary_be != nullptr) {
    for (const auto& [i, a] : running) {
      if (i == out.canary && a == canary_be->address) out.canary_weight = canary_be->weight;
    }
  }
  return out;
}

}  // namespace rwd::execute
