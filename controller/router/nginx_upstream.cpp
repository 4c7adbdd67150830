// The upstream include file: rendering and reading it back.

#include "rewind/router/nginx_upstream.hpp"

#include <charconv>
#include <sstream>
#include <string_view>

namespace rwd::router {
namespace {

using model::Error;

constexpr std::string_view kReleaseMarker = "# rewind-release: ";
constexpr std::string_view kBackendMarker = "# rewind-backend ";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// "name=blue weight=90" -> the value of `key`; empty when absent.
std::string_view field(std::string_view text, std::string_view key) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = std::min(text.size(), text.find(' ', pos));
    const auto word = text.substr(pos, end - pos);
    if (word.size() > key.size() && word.substr(0, key.size()) == key && word[key.size()] == '=') {
      return word.substr(key.size() + 1);
    }
    pos = end + 1;
  }
  return {};
}

}  // namespace

std::string upstream_name(const model::ObjectKey& release) {
  return "rewind_" + release.ns + "_" + release.name;
}

std::string upstream_file_name(const model::ObjectKey& release) {
  return release.ns + "_" + release.name + ".conf";
}

std::string render_upstream(const model::ObjectKey& release, const std::vector<Backend>& backends) {
  std::ostringstream out;
  out << "# Managed by rewind for Release " << release.str()
      << "; rewritten on every traffic change, do not edit.\n";
  out << kReleaseMarker << release.str() << "\n";
  out << "upstream " << upstream_name(release) << " {\n";
  for (const Backend& b : backends) {
    out << "    server " << b.address;
    if (b.weight > 0) {
      out << " weight=" << b.weight << ";";
    } else {
      out << " down;";
    }
    out << "  " << kBackendMarker << "name=" << b.name << " weight=" << b.weight << "\n";
  }
  out << "}\n";
  return out.str();
}

bool written_by_rewind(std::string_view text) {
  std::size_t pos = 0;
  while ((pos = text.find(kReleaseMarker, pos)) != std::string_view::npos) {
    if (pos == 0 || text[pos - 1] == '\n') return true;
    ++pos;
  }
  return false;
}

model::Result<std::vector<Backend>> parse_upstream(const model::ObjectKey& release,
                                                   const std::string& text,
                                                   const std::string& where) {
  std::vector<Backend> out;
  bool release_seen = false;
  std::istringstream in(text);
  std::string raw;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    const std::string_view line = trim(raw);
    const std::string at = where + ":" + std::to_string(line_no);
    if (line.substr(0, kReleaseMarker.size()) == kReleaseMarker) {
      const auto named = trim(line.substr(kReleaseMarker.size()));
      if (named != release.str()) {
        return Error::terminal(at + ": the file is for Release \"" + std::string(named) +
                               "\", not " + release.str());
      }
      release_seen = true;
      continue;
    }
    const auto marker = line.find(kBackendMarker);
    if (marker == std::string_view::npos) continue;
    const auto directive = trim(line.substr(0, marker));
    const auto meta = trim(line.substr(marker + kBackendMarker.size()));
    if (directive.substr(0, 7) != "server ") {
      return Error::terminal(at + ": a rewind-backend comment outside a server line");
    }
    auto rest = trim(directive.substr(7));
    const auto space = rest.find_first_of(" ;");
    Backend b;
    b.address = std::string(rest.substr(0, space));
    b.name = std::string(field(meta, "name"));
    const auto weight = field(meta, "weight");
    const auto [ptr, ec] = std::from_chars(weight.data(), weight.data() + weight.size(), b.weight);
    if (b.name.empty() || b.address.empty() || ec != std::errc() ||
        ptr != weight.data() + weight.size()) {
      return Error::terminal(at + ": cannot read the backend from \"" + std::string(line) + "\"");
    }
    const bool down = directive.find(" down") != std::string_view::npos;
    if (down != (b.weight == 0)) {
      return Error::terminal(at + ": the server line and its rewind-backend comment disagree (\"" +
                             std::string(line) + "\")");
    }
    out.push_back(std::move(b));
  }
  if (!release_seen) {
    return Error::terminal(where + ": no \"# rewind-release:\" line; not a file rewind wrote");
  }
  return out;
}

}  // namespace rwd::router
