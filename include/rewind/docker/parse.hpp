#pragma once
// Docker Engine API responses (JSON text) to structs. Pure functions: no I/O,
// never throw, refuse input that is not what the Engine sends (wrong types,
// nesting deeper than kMaxJsonDepth, text over kMaxJsonBytes) with an error
// that names the document and the field.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rewind/docker/types.hpp"
#include "rewind/model/result.hpp"

namespace rwd::docker {

inline constexpr std::size_t kMaxJsonDepth = 64;
inline constexpr std::size_t kMaxJsonBytes = 64 * 1024 * 1024;

// JSON text to a value, within the limits above. `what` names the document
// in the error ("GET /version").
model::Result<nlohmann::json> parse_json(std::string_view text, std::string_view what);

model::Result<VersionInfo> parse_version(std::string_view text);
model::Result<std::vector<ContainerSummary>> parse_container_list(std::string_view text);
model::Result<ContainerInspect> parse_container_inspect(std::string_view text);
model::Result<ImageInspect> parse_image_inspect(std::string_view text);
// POST /containers/create: the new container's Id.
model::Result<std::string> parse_create_response(std::string_view text);
// One line of the /events stream.
model::Result<Event> parse_event(std::string_view line);

// The "message" of an error body ({"message": "..."}), else the text itself,
// cut to 512 bytes and stripped of control characters.
std::string parse_error_message(std::string_view body);

// One line of the POST /images/create progress stream: the error it reports
// ({"error": ..., "errorDetail": ...}), if any. Lines that are not JSON are
// not errors.
std::optional<std::string> parse_pull_error(std::string_view line);

}  // namespace rwd::docker
