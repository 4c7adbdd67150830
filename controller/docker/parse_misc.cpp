// GET /version, GET /images/{name}/json, /events lines, error bodies and the
// image pull progress stream.

#include <algorithm>
#include <cstdio>

#include "rewind/docker/parse.hpp"

#include "json_reader.hpp"

namespace rwd::docker {
namespace {

using detail::JsonReader;
using nlohmann::json;

std::string printable(std::string_view text, std::size_t limit) {
  std::string out;
  for (char c : text.substr(0, limit)) {
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (text.size() > limit) out += "...";
  return out;
}

}  // namespace

std::string ApiVersion::str() const { return std::to_string(major) + "." + std::to_string(minor); }

std::optional<ApiVersion> parse_api_version(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= text.size()) return std::nullopt;
  const auto number = [](std::string_view s) -> std::optional<int> {
    if (s.empty() || s.size() > 4) return std::nullopt;
    int v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  };
  const auto major = number(text.substr(0, dot));
  const auto minor = number(text.substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return ApiVersion{*major, *minor};
}

model::Result<VersionInfo> parse_version(std::string_view text) {
  const std::string doc = "GET /version";
  auto value = parse_json(text, doc);
  if (!value) return value.error();
  if (!value->is_object()) return model::Error::terminal(doc + ": expected an object");
  JsonReader r(doc);
  VersionInfo v;
  v.version = r.str(*value, "Version", "Version");
  v.os = r.str(*value, "Os", "Os");
  v.arch = r.str(*value, "Arch", "Arch");
  const auto api = r.str(*value, "ApiVersion", "ApiVersion");
  const auto min_api = r.str(*value, "MinAPIVersion", "MinAPIVersion");
  if (!r.ok()) return r.error();
  const auto parsed = parse_api_version(api);
  if (!parsed) {
    return model::Error::terminal(doc + ": ApiVersion: \"" + printable(api, 32) +
                                  "\" is not a version like 1.41");
  }
  v.api_version = *parsed;
  if (!min_api.empty()) v.min_api_version = parse_api_version(min_api);
  return v;
}

model::Result<ImageInspect> parse_image_inspect(std::string_view text) {
  const std::string doc = "GET /images/{name}/json";
  auto value = parse_json(text, doc);
  if (!value) return value.error();
  if (!value->is_object()) return model::Error::terminal(doc + ": expected an object");
  JsonReader r(doc);
  ImageInspect image;
  image.id = r.str(*value, "Id", "Id");
  image.repo_tags = r.strings(*value, "RepoTags", "RepoTags");
  image.config = r.object(*value, "Config", "Config");
  if (r.ok() && image.id.empty()) r.fail("Id", "an image id");
  if (!r.ok()) return r.error();
  return image;
}

model::Result<Event> parse_event(std::string_view line) {
  const std::string doc = "GET /events";
  auto value = parse_json(line, doc);
  if (!value) return value.error();
  if (!value->is_object()) return model::Error::terminal(doc + ": expected an object");
  JsonReader r(doc);
  Event e;
  e.type = r.str(*value, "Type", "Type");
  e.action = r.str(*value, "Action", "Action");
  const json& actor = r.object(*value, "Actor", "Actor");
  e.id = r.str(actor, "ID", "Actor.ID");
  e.attributes = r.string_map(actor, "Attributes", "Actor.Attributes");
  e.time_nano = r.integer(*value, "timeNano", "timeNano");
  if (e.time_nano == 0) {
    const auto seconds = r.integer(*value, "time", "time");
    if (seconds > 0 && seconds < INT64_MAX / 1000000000) e.time_nano = seconds * 1000000000;
  }
  // Engines before API 1.22 sent only "status" and "id".
  if (e.action.empty()) e.action = r.str(*value, "status", "status");
  if (e.id.empty()) e.id = r.str(*value, "id", "id");
  if (r.ok() && e.action.empty()) r.fail("Action", "an action");
  if (!r.ok()) return r.error();
  return e;
}

std::string parse_error_message(std::string_view body) {
  constexpr std::size_t kLimit = 512;
  if (body.size() <= 64 * 1024) {
    auto value = parse_json(body, "error");
    if (value && value->is_object()) {
      const auto it = value->find("message");
      if (it != value->end() && it->is_string()) {
        return printable(it->get_ref<const std::string&>(), kLimit);
      }
    }
  }
  return printable(body, kLimit);
}

std::optional<std::string> parse_pull_error(std::string_view line) {
  if (line.find("\"error") == std::string_view::npos) return std::nullopt;
  auto value = parse_json(line, "POST /images/create");
  if (!value || !value->is_object()) return std::nullopt;
  const auto detail = value->find("errorDetail");
  if (detail != value->end() && detail->is_object()) {
    const auto message = detail->find("message");
    if (message != detail->end() && message->is_string()) {
      return printable(message->get_ref<const std::string&>(), 512);
    }
  }
  const auto error = value->find("error");
  if (error != value->end() && error->is_string()) {
    return printable(error->get_ref<const std::string&>(), 512);
  }
  return std::nullopt;
}

}  // namespace rwd::docker
