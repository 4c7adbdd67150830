// The body of /api/v1/query: an instant query's one value.

#include <charconv>
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "rewind/analysis/prometheus.hpp"
#include "rewind/model/json_depth.hpp"

namespace rwd::analysis {
namespace {

using model::Error;
using Json = nlohmann::json;

constexpr std::size_t kMaxDepth = 32;  // the API's envelope is 5 levels deep
constexpr std::size_t kQuoted = 120;   // characters of bad input shown in messages

// The start of the input for a message: printable ASCII only, so that a cut
// through a UTF-8 sequence cannot make the message invalid UTF-8 (it ends up
// in JSON status).
std::string excerpt(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kQuoted)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += ' ';
    } else {
      out += u >= 0x80 ? '?' : c;
    }
  }
  if (text.size() > kQuoted) out += "...";
  return out;
}

const Json* member(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string string_member(const Json& j, const char* key) {
  const Json* v = member(j, key);
  return (v != nullptr && v->is_string()) ? v->get<std::string>() : std::string();
}

Error malformed(std::string_view what) {
  return Error::terminal("prometheus answered a malformed query result: " + std::string(what));
}

// {"code": "500", "job": "x"} -> {code="500", job="x"}
std::string series_name(const Json& metric) {
  if (!metric.is_object() || metric.empty()) return "{}";
  std::string name;
  if (const Json* n = member(metric, "__name__"); n != nullptr && n->is_string()) {
    name = n->get<std::string>();
  }
  std::string labels;
  for (const auto& [key, value] : metric.items()) {
    if (key == "__name__") continue;
    if (!labels.empty()) labels += ", ";
    labels += key + "=\"" +
              (value.is_string() ? value.get<std::string>()
                                 : value.dump(-1, ' ', false, Json::error_handler_t::replace)) +
              "\"";
  }
  return name + "{" + labels + "}";
}

// [<time>, "<value>"]: the value as Prometheus formats it ("0.25", "NaN",
// "+Inf", "-Inf", "1e-05").
model::Result<Sample> read_point(const Json& point, std::string detail) {
  if (!point.is_array() || point.size() != 2 || !point[1].is_string()) {
    return malformed("a value is not [time, \"number\"]");
  }
  const auto& text = point[1].get_ref<const std::string&>();
  if (text == "NaN") return Sample{std::nullopt, detail + " is NaN"};
  if (text == "+Inf" || text == "Inf") return Sample{std::nullopt, detail + " is +Inf"};
  if (text == "-Inf") return Sample{std::nullopt, detail + " is -Inf"};
  double v = 0;
  const char* first = text.data();
  const char* last = first + text.size();
  if (first != last && *first == '+') ++first;
  const auto [end, ec] = std::from_chars(first, last, v);
  if (ec != std::errc() || end != last || text.empty()) {
    return malformed("value \"" + excerpt(text) + "\" is not a number");
  }
  if (!std::isfinite(v)) return Sample{std::nullopt, detail + " is " + text};
  return Sample{v, std::move(detail)};
}

model::Result<Sample> read_error(const Json& body) {
  const std::string type = string_member(body, "errorType");
  const std::string message = string_member(body, "error");
  std::string text = "prometheus refused the query: " + (type.empty() ? "error" : type);
  if (!message.empty()) text += ": " + excerpt(message);
  // bad_data: the query does not parse; execution: it cannot be evaluated.
  // Both stay wrong until the spec changes.
  if (type == "bad_data" || type == "execution") return Error::invalid_spec(text);
  return Error::transient(text);
}

}  // namespace

model::Result<Sample> parse_query_response(std::string_view json) {
  if (model::json_nesting_exceeds(json, kMaxDepth)) {
    return Error::terminal("prometheus answered JSON nested deeper than " +
                           std::to_string(kMaxDepth) + " levels: " + excerpt(json));
  }
  const Json body = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Error::terminal("prometheus answered no JSON: " + excerpt(json));
  if (!body.is_object()) return malformed("the body is not an object: " + excerpt(json));
  const std::string status = string_member(body, "status");
  if (status == "error") return read_error(body);
  if (status != "success") {
    return malformed("status is \"" + excerpt(status) + "\", not success or error");
  }
  const Json* data = member(body, "data");
  if (data == nullptr || !data->is_object()) return malformed("no data object");
  const std::string type = string_member(*data, "resultType");
  const Json* result = member(*data, "result");
  if (result == nullptr) return malformed("no data.result");
  if (type == "scalar") return read_point(*result, "scalar");
  if (type == "vector") {
    if (!result->is_array()) return malformed("data.result of a vector is not a list");
    if (result->empty()) return Sample{std::nullopt, "empty result"};
    if (result->size() > 1) {
      return Error::invalid_spec("the query returned " + std::to_string(result->size()) +
                                 " series, not one: it must aggregate them (sum, avg, max, ...)");
    }
    const Json& series = (*result)[0];
    const Json* metric = member(series, "metric");
    const Json* value = member(series, "value");
    if (value == nullptr) return malformed("the series has no value");
    return read_point(*value, series_name(metric != nullptr ? *metric : Json::object()));
  }
  if (type == "matrix" || type == "string") {
    return Error::invalid_spec("the query returned a " + type +
                               ", not a scalar or an instant vector");
  }
  return malformed("resultType \"" + excerpt(type) + "\" is not scalar, vector, matrix or string");
}

}  // namespace rwd::analysis
