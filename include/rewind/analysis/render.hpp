#pragma once
// Placeholders in metric queries and commands.

#include <string>
#include <string_view>

namespace rwd::analysis {

// The query with every "{{revision}}" replaced by `revision_label`, escaped
// for a PromQL string literal (backslash and both quotes), since the
// placeholder stands inside one: demo_info{version="{{revision}}"}.
std::string render_query(std::string_view query, std::string_view revision_label);

// One argv element with "{{revision}}" and "{{address}}" replaced as is.
std::string render_argument(std::string_view argument, std::string_view revision_label,
                            std::string_view address);

}  // namespace rwd::analysis
