// Keys to paths, and the checks that keep every path inside the state directory.

#include "rewind/history/layout.hpp"

#include <string>

namespace rwd::history {

namespace {

constexpr std::size_t kMaxComponent = 253;  // a DNS subdomain

// What is wrong with one component, or nullptr.
const char* component_problem(std::string_view s) {
  if (s.empty()) return "is empty";
  if (s.size() > kMaxComponent) return "is longer than 253 bytes";
  if (s.front() == '.') return "starts with '.'";
  if (s.find("..") != std::string_view::npos) return "contains \"..\"";
  for (const char c : s) {
    if (c == '/') return "contains '/'";
    if (c == '\0') return "contains a NUL byte";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "contains a control character";
  }
  return nullptr;
}

// The component for a message: printable, cut short.
std::string shown(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4U];
      out += kHex[u & 0xfU];
    } else {
      out += c;
    }
  }
  if (s.size() > 64) out += "...";
  return out;
}

}  // namespace

const char* to_string(StatusKind kind) {
  return kind == StatusKind::kRelease ? "releases" : "rollbacks";
}

bool is_safe_component(std::string_view s) { return component_problem(s) == nullptr; }

model::Status check_key(const model::ObjectKey& key) {
  if (const char* p = component_problem(key.ns)) {
    return model::Error::invalid_spec("refusing key \"" + shown(key.ns) + "/" + shown(key.name) +
                                      "\": the namespace " + p);
  }
  if (const char* p = component_problem(key.name)) {
    return model::Error::invalid_spec("refusing key \"" + shown(key.ns) + "/" + shown(key.name) +
                                      "\": the name " + p);
  }
  return {};
}

std::filesystem::path StateLayout::history_file(const model::ObjectKey& key) const {
  return history_root() / key.ns / (key.name + kFileExtension);
}

std::filesystem::path StateLayout::status_file(StatusKind kind, const model::ObjectKey& key) const {
  return status_root() / key.ns / to_string(kind) / (key.name + kFileExtension);
}

}  // namespace rwd::history
