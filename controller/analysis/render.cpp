// "{{revision}}" and "{{address}}" placeholders.

#include "rewind/analysis/render.hpp"

namespace rwd::analysis {
namespace {

constexpr std::string_view kRevision = "{{revision}}";
constexpr std::string_view kAddress = "{{address}}";

std::string promql_escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"' || c == '\'') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string render_query(std::string_view query, std::string_view revision_label) {
  const std::string value = promql_escaped(revision_label);
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const auto at = query.find(kRevision, pos);
    out += query.substr(pos, at - pos);
    if (at == std::string_view::npos) return out;
    out += value;
    pos = at + kRevision.size();
  }
}

std::string render_argument(std::string_view argument, std::string_view revision_label,
                            std::string_view address) {
  std::string out;
  std::size_t pos = 0;
  while (pos < argument.size()) {
    if (argument.substr(pos, kRevision.size()) == kRevision) {
      out += revision_label;
      pos += kRevision.size();
    } else if (argument.substr(pos, kAddress.size()) == kAddress) {
      out += address;
      pos += kAddress.size();
    } else {
      out += argument[pos++];
    }
  }
  return out;
}

}  // namespace rwd::analysis
