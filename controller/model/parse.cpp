// parse_resources: load, decode and validate every document of a file;
// Diagnostic formatting; duplicates across files; YAML emitting.

#include <algorithm>
#include <map>
#include <regex>

#include <yaml-cpp/yaml.h>

#include "decoder.hpp"

namespace rwd::model {

std::string Diagnostic::str() const {
  std::string out = source;
  if (document) out += "[" + std::to_string(*document) + "]";
  out += ": ";
  if (!error.path.empty()) out += error.path + ": ";
  out += error.message;
  if (error.mark.line > 0) out += " (line " + std::to_string(error.mark.line) + ")";
  return out;
}

const ObjectMeta& metadata_of(const Object& o) {
  return std::visit([](const auto& v) -> const ObjectMeta& { return v.metadata; }, o);
}

const char* kind_of(const Object& o) {
  return std::holds_alternative<Release>(o) ? "Release" : "Rollback";
}

namespace {

// The mark of path, or of its nearest parent that has one.
Mark mark_for(const std::map<std::string, Mark>& marks, std::string path) {
  while (true) {
    if (auto it = marks.find(path); it != marks.end()) return it->second;
    const auto cut = path.find_last_of(".[");
    if (cut == std::string::npos || path.empty()) break;
    path.resize(cut);
  }
  if (auto it = marks.find(""); it != marks.end()) return it->second;
  return {};
}

// True when a and b are the same field or one contains the other.
bool related(const std::string& a, const std::string& b) {
  const std::string& shorter = a.size() <= b.size() ? a : b;
  const std::string& longer = a.size() <= b.size() ? b : a;
  if (longer.compare(0, shorter.size(), shorter) != 0) return false;
  return longer.size() == shorter.size() || shorter.empty() || longer[shorter.size()] == '.' ||
         longer[shorter.size()] == '[';
}

}  // namespace

ParseResult parse_resources(std::string_view text, std::string_view source, const Limits& limits) {
  ParseResult out;
  LoadedDocuments loaded = load_yaml(text, limits);
  const bool multi =
      loaded.documents.size() > 1 || std::any_of(loaded.errors.begin(), loaded.errors.end(),
                                                 [](const LoadError& e) { return e.document > 0; });
  auto doc_index = [&](std::size_t i) -> std::optional<std::size_t> {
    return multi ? std::optional<std::size_t>(i) : std::nullopt;
  };
  for (const LoadError& e : loaded.errors) {
    // The loader's message starts with its own line and column.
    out.errors.push_back(
        Diagnostic{std::string(source), doc_index(e.document), FieldError{"", e.message, {}}});
  }
  if (!loaded.ok()) return out;  // a stream that does not load yields no objects
  out.documents = loaded.documents.size();
  for (std::size_t i = 0; i < loaded.documents.size(); ++i) {
    std::vector<FieldError> errors;
    std::map<std::string, Mark> marks;
    auto obj = detail::decode_object_partial(loaded.documents[i], errors, marks);
    if (obj) {
      // Semantic checks run on what did decode, so a file's errors are all
      // reported at once; a field that failed to decode is not judged again.
      const std::size_t decode_errors = errors.size();
      for (FieldError& e : validate(*obj)) {
        const bool covered =
            std::any_of(errors.begin(), errors.begin() + static_cast<std::ptrdiff_t>(decode_errors),
                        [&](const FieldError& d) { return related(d.path, e.path); });
        if (covered) continue;
        e.mark = mark_for(marks, e.path);
        errors.push_back(std::move(e));
      }
    }
    for (FieldError& e : errors) {
      out.errors.push_back(Diagnostic{std::string(source), doc_index(i), std::move(e)});
    }
    if (obj && errors.empty()) out.objects.push_back(ParsedObject{std::move(*obj), i});
  }
  return out;
}

std::vector<Diagnostic> find_duplicates(const std::vector<SourcedObject>& objects) {
  std::map<std::pair<std::string, ObjectKey>, const SourcedObject*> first;
  std::vector<Diagnostic> out;
  for (const auto& so : objects) {
    const ObjectMeta& m = metadata_of(*so.object);
    auto [it, inserted] =
        first.emplace(std::make_pair(std::string(kind_of(*so.object)), m.key()), &so);
    if (inserted) continue;
    const SourcedObject& orig = *it->second;
    std::string where = orig.source;
    if (orig.document) where += "[" + std::to_string(*orig.document) + "]";
    out.push_back(
        Diagnostic{so.source, so.document,
                   FieldError{"metadata.name",
                              std::string(kind_of(*so.object)) + " \"" + m.name +
                                  "\" in namespace \"" + m.ns + "\" is already defined in " + where,
                              {}}});
  }
  return out;
}

namespace {

// Strings that a YAML reader would take for something else when plain.
bool needs_quotes(const std::string& s) {
  static const std::regex kAmbiguous(
      R"(^$|^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|no|on|off|y|n|Yes|No|On|Off)$|^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^0[xo][0-9a-fA-F]+$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$)");
  return std::regex_match(s, kAmbiguous);
}

void emit(YAML::Emitter& e, const Json& j) {
  switch (j.type()) {
    case Json::value_t::object:
      e << YAML::BeginMap;
      for (const auto& [k, v] : j.items()) {
        e << YAML::Key << k << YAML::Value;
        emit(e, v);
      }
      e << YAML::EndMap;
      break;
    case Json::value_t::array:
      e << YAML::BeginSeq;
      for (const auto& v : j) emit(e, v);
      e << YAML::EndSeq;
      break;
    case Json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      if (needs_quotes(s)) e << YAML::DoubleQuoted;
      e << s;
      break;
    }
    case Json::value_t::boolean: e << (j.get<bool>() ? "true" : "false"); break;
    case Json::value_t::null: e << YAML::Null; break;
    default:  // numbers, as JSON writes them
      e << j.dump();
      break;
  }
}

}  // namespace

std::string to_yaml(const Json& j) {
  YAML::Emitter e;
  e.SetIndent(2);
  emit(e, j);
  std::string out = e.c_str();
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

}  // namespace rwd::model
