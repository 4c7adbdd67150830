#include "rewind/execute/colors.hpp"

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

}  // namespace rwd::execute
