// decode_observed: the observed state file of `rewind plan --observed`.

#include "rewind/reconcile/observed.hpp"

#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace rwd::reconcile {
namespace {

class Decoder {
 public:
  explicit Decoder(std::vector<model::FieldError>& errors) : errors_(errors) {}

  [[nodiscard]] std::size_t error_count() const { return errors_.size(); }

  void fail(const std::string& path, std::string message, const model::Node& n) {
    errors_.push_back(model::FieldError{path, std::move(message), n.mark()});
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  // A mapping; every key not in `known` is an error (decoding goes on, so
  // that all problems are reported at once). False when it is no mapping.
  bool mapping(const model::Node& n, const std::string& path,
               std::initializer_list<std::string_view> known) {
    if (!n.is_mapping()) {
      fail(path.empty() ? std::string("observed") : path,
           "expected a mapping, got " + n.kind_name(), n);
      return false;
    }
    for (const auto& [key, value] : n.entries()) {
      bool found = false;
      for (auto k : known) found = found || k == key;
      if (!found) fail(join(path, key), "unknown field", value);
    }
    return true;
  }

  std::optional<std::string> string(const model::Node& n, const std::string& path,
                                    bool allow_empty = false) {
    if (!n.is_scalar()) {
      fail(path, "expected a string, got " + n.kind_name(), n);
      return std::nullopt;
    }
    if (!allow_empty && n.text().empty()) {
      fail(path, "must not be empty", n);
      return std::nullopt;
    }
    return n.text();
  }

  std::optional<bool> boolean(const model::Node& n, const std::string& path) {
    if (n.is_scalar() && n.plain() && (n.text() == "true" || n.text() == "false")) {
      return n.text() == "true";
    }
    fail(path, n.describe() + " is not a boolean (true or false)", n);
    return std::nullopt;
  }

  std::optional<std::int32_t> integer(const model::Node& n, const std::string& path,
                                      std::int32_t lo, std::int32_t hi) {
    std::int64_t v = 0;
    const std::string& t = n.text();
    const auto* end = t.data() + t.size();
    if (!n.is_scalar() || !n.plain() || t.empty() || std::from_chars(t.data(), end, v).ptr != end) {
      fail(path, n.describe() + " is not an integer", n);
      return std::nullopt;
    }
    if (v < lo || v > hi) {
      fail(path, t + " is not within " + std::to_string(lo) + ".." + std::to_string(hi), n);
      return std::nullopt;
    }
    return static_cast<std::int32_t>(v);
  }

  std::optional<model::Revision> revision(const model::Node& n, const std::string& path) {
    if (!mapping(n, path, {"image", "configHash", "migrationRevision"})) return std::nullopt;
    const std::size_t before = error_count();
    model::Revision r;
    require(n, path, "image", [&](const model::Node& v, const std::string& p) {
      if (auto s = string(v, p)) r.image = model::ImageRef(*s);
    });
    require(n, path, "configHash", [&](const model::Node& v, const std::string& p) {
      if (auto s = string(v, p)) r.config_hash = *s;
    });
    if (const auto* v = n.find("migrationRevision")) {
      if (auto s = string(*v, join(path, "migrationRevision"), true)) r.migration_revision = *s;
    }
    if (error_count() != before) return std::nullopt;
    return r;
  }

  template <class F>
  void require(const model::Node& parent, const std::string& path, std::string_view key, F&& f) {
    const auto* v = parent.find(key);
    if (v == nullptr) {
      fail(join(path, key), "is required", parent);
      return;
    }
    f(*v, join(path, key));
  }

 private:
  std::vector<model::FieldError>& errors_;
};

}  // namespace

const char* to_string(Health h) {
  switch (h) {
    case Health::kUnknown: return "Unknown";
    case Health::kHealthy: return "Healthy";
    case Health::kUnhealthy: return "Unhealthy";
  }
  return "Unknown";
}

std::optional<Observed> decode_observed(const model::Node& node,
                                        std::vector<model::FieldError>& errors) {
  Decoder d(errors);
  const std::size_t before = d.error_count();
  if (!d.mapping(node, "",
                 {"running", "health", "imagesPresent", "latestBackup", "activeColor", "standby",
                  "canaryWeight", "canary"})) {
    return std::nullopt;
  }
  Observed o;
  if (const auto* v = node.find("running"); v != nullptr && !v->is_null()) {
    o.running = d.revision(*v, "running");
  }
  if (const auto* v = node.find("health")) {
    if (auto s = d.string(*v, "health")) {
      if (*s == "Healthy") {
        o.health = Health::kHealthy;
      } else if (*s == "Unhealthy") {
        o.health = Health::kUnhealthy;
      } else if (*s == "Unknown") {
        o.health = Health::kUnknown;
      } else {
        d.fail("health", *s + " is not one of Healthy, Unhealthy, Unknown", *v);
      }
    }
  }
  if (const auto* v = node.find("imagesPresent")) {
    if (!v->is_sequence()) {
      d.fail("imagesPresent", "expected a sequence, got " + v->kind_name(), *v);
    } else {
      for (std::size_t i = 0; i < v->items().size(); ++i) {
        const std::string path = "imagesPresent[" + std::to_string(i) + "]";
        if (auto s = d.string(v->items()[i], path)) o.images_present.insert(model::ImageRef(*s));
      }
    }
  }
  if (const auto* v = node.find("latestBackup"); v != nullptr && !v->is_null()) {
    if (d.mapping(*v, "latestBackup", {"takenAt", "verified"})) {
      ObservedBackup b;
      d.require(*v, "latestBackup", "takenAt", [&](const model::Node& t, const std::string& p) {
        if (auto s = d.string(t, p)) {
          if (auto ts = model::parse_timestamp(*s)) {
            b.taken_at = *ts;
          } else {
            d.fail(p, *s + " is not an RFC 3339 timestamp", t);
          }
        }
      });
      if (const auto* f = v->find("verified")) {
        if (auto x = d.boolean(*f, "latestBackup.verified")) b.verified = *x;
      }
      o.latest_backup = b;
    }
  }
  if (const auto* v = node.find("activeColor"); v != nullptr && !v->is_null()) {
    if (auto s = d.string(*v, "activeColor")) {
      if (*s == "blue") {
        o.active_color = Color::kBlue;
      } else if (*s == "green") {
        o.active_color = Color::kGreen;
      } else {
        d.fail("activeColor", *s + " is not one of blue, green", *v);
      }
    }
  }
  if (const auto* v = node.find("standby"); v != nullptr && !v->is_null()) {
    o.standby = d.revision(*v, "standby");
  }
  if (const auto* v = node.find("canaryWeight")) {
    if (auto w = d.integer(*v, "canaryWeight", 0, 100)) o.canary_weight = *w;
  }
  if (const auto* v = node.find("canary"); v != nullptr && !v->is_null()) {
    o.canary = d.revision(*v, "canary");
  }
  if (d.error_count() != before) return std::nullopt;
  return o;
}

model::Json to_json(const Observed& o) {
  auto revision = [](const model::Revision& r) {
    model::Json j = model::Json::object();
    j["image"] = r.image.value();
    j["configHash"] = r.config_hash;
    if (!r.migration_revision.empty()) j["migrationRevision"] = r.migration_revision;
    return j;
  };
  model::Json j = model::Json::object();
  if (o.running) j["running"] = revision(*o.running);
  j["health"] = to_string(o.health);
  model::Json images = model::Json::array();
  for (const auto& i : o.images_present) images.push_back(i.value());
  j["imagesPresent"] = std::move(images);
  if (o.latest_backup) {
    j["latestBackup"] = {{"takenAt", model::format_timestamp(o.latest_backup->taken_at)},
                         {"verified", o.latest_backup->verified}};
  }
  if (o.active_color) j["activeColor"] = to_string(*o.active_color);
  if (o.standby) j["standby"] = revision(*o.standby);
  j["canaryWeight"] = o.canary_weight;
  if (o.canary) j["canary"] = revision(*o.canary);
  return j;
}

}  // namespace rwd::reconcile
