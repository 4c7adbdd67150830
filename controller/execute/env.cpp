#include "rewind/execute/env.hpp"

#include <cctype>

namespace rwd::execute {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool valid_key(std::string_view k) {
  if (k.empty() || std::isdigit(static_cast<unsigned char>(k.front()))) return false;
  for (char c : k) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      return false;
  }
  return true;
}

}  // namespace

std::map<std::string, std::string> parse_env_file(std::string_view text, const std::string& name,
                                                  std::vector<std::string>& problems) {
  std::map<std::string, std::string> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    if (t.substr(0, 7) == "export ") t = trim(t.substr(7));
    const std::size_t eq = t.find('=');
    if (eq == std::string_view::npos || !valid_key(trim(t.substr(0, eq)))) {
      problems.push_back(name + ": line " + std::to_string(line_no) +
                         ": not a KEY=VALUE line (skipped)");
      continue;
    }
    std::string_view value = t.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    out[std::string(trim(t.substr(0, eq)))] = std::string(value);
  }
  return out;
}

std::map<std::string, std::string> effective_env(const model::ConfigSpec& config,
                                                 const model::EnvFileContents& files,
                                                 std::vector<std::string>& problems) {
  std::map<std::string, std::string> env;
  for (const auto& name : config.env_files) {
    auto it = files.find(name);
    if (it == files.end()) {
      problems.push_back(name + ": contents unknown (file was not readable when recorded)");
      continue;
    }
    for (auto& [k, v] : parse_env_file(it->second, name, problems)) env[k] = std::move(v);
  }
  for (const auto& [k, v] : config.env) env[k] = v;
  return env;
}

}  // namespace rwd::execute
