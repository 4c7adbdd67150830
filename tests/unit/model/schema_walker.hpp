#pragma once
// A small OpenAPI v3 checker for the CRD conformance tests: enough of what
// kube-apiserver enforces on a CustomResourceDefinition's structural schema
// to tell whether a document would be accepted, and whether the schema itself
// is structural. Test-only; it works on rewind::model::Node trees.
//
// Checked on values: type (object, array, string, integer, number, boolean),
// x-kubernetes-int-or-string, nullable, enum, minimum/maximum,
// minLength/maxLength, pattern, minItems/maxItems, minProperties/maxProperties,
// required, allOf/anyOf/oneOf/not, x-kubernetes-list-type set/map uniqueness,
// and undeclared fields (the API server would prune them silently; here they
// fail, so an example never carries a field the cluster would drop). Not
// checked: format and x-kubernetes-validations (CEL).
//
// Scalars are typed the way kubectl's YAML reader types them: quoted scalars
// are strings; plain ones are null, booleans (YAML 1.1 spellings too: yes,
// no, on, off), integers or floats when they look like one, strings otherwise.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdlib>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rewind/model/document.hpp"

namespace rwd::schema_check {

using model::Node;

enum class ValueType { kNull, kBoolean, kInteger, kNumber, kString, kArray, kObject };

inline const char* type_name(ValueType t) {
  switch (t) {
    case ValueType::kNull: return "null";
    case ValueType::kBoolean: return "boolean";
    case ValueType::kInteger: return "integer";
    case ValueType::kNumber: return "number";
    case ValueType::kString: return "string";
    case ValueType::kArray: return "array";
    case ValueType::kObject: return "object";
  }
  return "?";
}

inline ValueType value_type(const Node& n) {
  switch (n.kind()) {
    case Node::Kind::kNull: return ValueType::kNull;
    case Node::Kind::kSequence: return ValueType::kArray;
    case Node::Kind::kMapping: return ValueType::kObject;
    case Node::Kind::kScalar: break;
  }
  if (!n.plain()) return ValueType::kString;
  const std::string& t = n.text();
  static const std::set<std::string, std::less<>> kNulls = {"", "~", "null", "Null", "NULL"};
  static const std::set<std::string, std::less<>> kBools = {
      "true", "True", "TRUE", "false", "False", "FALSE",
      // YAML 1.1, as read by kubectl (sigs.k8s.io/yaml).
      "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
      "OFF"};
  if (kNulls.contains(t)) return ValueType::kNull;
  if (kBools.contains(t)) return ValueType::kBoolean;
  static const std::regex kInt(R"(^[-+]?[0-9]+$|^0x[0-9a-fA-F]+$|^0o[0-7]+$)");
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)"
                                 R"(|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$)");
  if (std::regex_match(t, kInt)) return ValueType::kInteger;
  if (std::regex_match(t, kFloat)) return ValueType::kNumber;
  return ValueType::kString;
}

inline bool is_numeric(ValueType t) { return t == ValueType::kInteger || t == ValueType::kNumber; }

inline std::optional<double> number_of(const Node& n) {
  if (!n.is_scalar() || !is_numeric(value_type(n))) return std::nullopt;
  const std::string& t = n.text();
  if (t.rfind("0o", 0) == 0) return static_cast<double>(std::strtoll(t.c_str() + 2, nullptr, 8));
  return std::strtod(t.c_str(), nullptr);
}

// Lookups in a schema or document tree.
inline const Node* child(const Node* n, std::string_view key) {
  return (n != nullptr && n->is_mapping()) ? n->find(key) : nullptr;
}
inline const Node* item(const Node* n, std::size_t i) {
  return (n != nullptr && n->is_sequence() && i < n->items().size()) ? &n->items()[i] : nullptr;
}
inline bool flag(const Node& schema, std::string_view key) {
  const Node* v = child(&schema, key);
  return v != nullptr && v->is_scalar() && value_type(*v) == ValueType::kBoolean &&
         (v->text() == "true" || v->text() == "True" || v->text() == "TRUE");
}
inline std::string text_of(const Node* n) {
  return (n != nullptr && n->is_scalar()) ? n->text() : "";
}
inline std::vector<std::string> strings_of(const Node* n) {
  std::vector<std::string> out;
  if (n == nullptr || !n->is_sequence()) return out;
  for (const Node& i : n->items()) out.push_back(i.text());
  return out;
}

// Two scalars are equal as JSON values: same type and value.
inline bool same_value(const Node& a, const Node& b) {
  const ValueType ta = value_type(a);
  const ValueType tb = value_type(b);
  if (is_numeric(ta) && is_numeric(tb)) return number_of(a) == number_of(b);
  if (ta != tb) return false;
  if (ta == ValueType::kBoolean) {
    auto truthy = [](const std::string& s) {
      static const std::set<std::string, std::less<>> kTrue = {
          "true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON"};
      return kTrue.contains(s);
    };
    return truthy(a.text()) == truthy(b.text());
  }
  if (ta == ValueType::kNull) return true;
  return a.is_scalar() && b.is_scalar() && a.text() == b.text();
}

inline std::string join_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
inline std::string index_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// Checks documents against the openAPIV3Schema of a CRD version.
class SchemaWalker {
 public:
  // Errors as "path: message"; empty when the document is accepted.
  [[nodiscard]] std::vector<std::string> check(const Node& document, const Node& schema) const {
    std::vector<std::string> errors;
    walk(document, schema, "", Mode::kStructural, errors);
    return errors;
  }

 private:
  // kStructural: the schema that defines the fields (properties, items);
  // kBranch: inside allOf/anyOf/oneOf/not, value validations only.
  enum class Mode { kStructural, kBranch };

  static void fail(std::vector<std::string>& errors, const std::string& path,
                   const std::string& message) {
    errors.push_back((path.empty() ? std::string("(root)") : path) + ": " + message);
  }

  // ObjectMeta is validated by the API server itself, whatever the schema
  // says; these are its fields.
  static void check_metadata(const Node& value, const std::string& path,
                             std::vector<std::string>& errors) {
    static const std::set<std::string, std::less<>> kObjectMeta = {"name",
                                                                   "generateName",
                                                                   "namespace",
                                                                   "uid",
                                                                   "resourceVersion",
                                                                   "generation",
                                                                   "creationTimestamp",
                                                                   "deletionTimestamp",
                                                                   "deletionGracePeriodSeconds",
                                                                   "labels",
                                                                   "annotations",
                                                                   "ownerReferences",
                                                                   "finalizers",
                                                                   "managedFields",
                                                                   "selfLink"};
    if (!value.is_mapping()) {
      fail(errors, path, "must be an object, got " + std::string(type_name(value_type(value))));
      return;
    }
    for (const auto& [key, v] : value.entries()) {
      const std::string p = join_path(path, key);
      if (!kObjectMeta.contains(key)) {
        fail(errors, p, "is not a field of ObjectMeta");
      } else if (key == "labels" || key == "annotations") {
        if (!v.is_mapping()) {
          fail(errors, p, "must be an object of strings");
          continue;
        }
        for (const auto& [k, s] : v.entries()) {
          if (value_type(s) != ValueType::kString) {
            fail(errors, join_path(p, k),
                 std::string("must be a string, got ") + type_name(value_type(s)));
          }
        }
      } else if ((key == "name" || key == "namespace") && value_type(v) != ValueType::kString) {
        fail(errors, p, std::string("must be a string, got ") + type_name(value_type(v)));
      }
    }
  }

  static bool type_matches(std::string_view type, ValueType t) {
    if (type == "object") return t == ValueType::kObject;
    if (type == "array") return t == ValueType::kArray;
    if (type == "string") return t == ValueType::kString;
    if (type == "integer") return t == ValueType::kInteger;
    if (type == "number") return is_numeric(t);
    if (type == "boolean") return t == ValueType::kBoolean;
    return false;
  }

  void walk(const Node& value, const Node& schema, const std::string& path, Mode mode,
            std::vector<std::string>& errors) const {
    const ValueType vt = value_type(value);
    const bool int_or_string = flag(schema, "x-kubernetes-int-or-string");
    const bool preserve = flag(schema, "x-kubernetes-preserve-unknown-fields");
    const std::string type = text_of(child(&schema, "type"));

    if (vt == ValueType::kNull) {
      if (!flag(schema, "nullable") && mode == Mode::kStructural) {
        fail(errors, path, "null is not allowed here (not nullable)");
      }
      return;
    }
    if (!type.empty() && !type_matches(type, vt)) {
      fail(errors, path,
           "must be of type " + type + ", got " + type_name(vt) + " " + value.describe());
      return;
    }
    if (int_or_string && vt != ValueType::kInteger && vt != ValueType::kString) {
      fail(errors, path, std::string("must be an integer or a string, got ") + type_name(vt));
      return;
    }
    if (type.empty() && !int_or_string && !preserve && mode == Mode::kStructural) {
      fail(errors, path, "schema declares no type");
      return;
    }

    check_enum(value, schema, path, errors);
    check_scalar_limits(value, vt, schema, path, errors);
    if (vt == ValueType::kArray) check_array(value, schema, path, mode, errors);
    if (vt == ValueType::kObject) check_object(value, schema, path, mode, preserve, errors);
    check_junctors(value, schema, path, errors);
  }

  static void check_enum(const Node& value, const Node& schema, const std::string& path,
                         std::vector<std::string>& errors) {
    const Node* allowed = child(&schema, "enum");
    if (allowed == nullptr || !allowed->is_sequence()) return;
    const bool found = std::any_of(allowed->items().begin(), allowed->items().end(),
                                   [&](const Node& a) { return same_value(a, value); });
    if (!found) {
      std::string list;
      for (const Node& a : allowed->items()) list += (list.empty() ? "" : ", ") + a.text();
      fail(errors, path,
           (value.is_scalar() ? value.text() : value.describe()) + " is not one of [" + list + "]");
    }
  }

  static void check_scalar_limits(const Node& value, ValueType vt, const Node& schema,
                                  const std::string& path, std::vector<std::string>& errors) {
    if (is_numeric(vt)) {
      const double v = number_of(value).value_or(0);
      if (auto lo = number_of_key(schema, "minimum"); lo && v < *lo) {
        fail(errors, path,
             value.text() + " is less than the minimum " + text_of(schema.find("minimum")));
      }
      if (auto hi = number_of_key(schema, "maximum"); hi && v > *hi) {
        fail(errors, path,
             value.text() + " is greater than the maximum " + text_of(schema.find("maximum")));
      }
    }
    if (vt == ValueType::kString) {
      const std::size_t len = value.text().size();
      if (auto lo = number_of_key(schema, "minLength"); lo && static_cast<double>(len) < *lo) {
        fail(errors, path,
             "\"" + value.text() + "\" is shorter than " + text_of(schema.find("minLength")));
      }
      if (auto hi = number_of_key(schema, "maxLength"); hi && static_cast<double>(len) > *hi) {
        fail(errors, path,
             value.describe() + " is longer than " + text_of(schema.find("maxLength")));
      }
      if (const Node* p = child(&schema, "pattern"); p != nullptr) {
        const std::regex re(p->text(), std::regex::ECMAScript);
        if (!std::regex_search(value.text(), re)) {
          fail(errors, path, "\"" + value.text() + "\" does not match " + p->text());
        }
      }
    }
  }

  static std::optional<double> number_of_key(const Node& schema, std::string_view key) {
    const Node* n = child(&schema, key);
    return n == nullptr ? std::nullopt : number_of(*n);
  }

  void check_array(const Node& value, const Node& schema, const std::string& path, Mode mode,
                   std::vector<std::string>& errors) const {
    const auto size = static_cast<double>(value.items().size());
    if (auto lo = number_of_key(schema, "minItems"); lo && size < *lo) {
      fail(errors, path, "has fewer than " + text_of(schema.find("minItems")) + " items");
    }
    if (auto hi = number_of_key(schema, "maxItems"); hi && size > *hi) {
      fail(errors, path, "has more than " + text_of(schema.find("maxItems")) + " items");
    }
    const std::string list_type = text_of(child(&schema, "x-kubernetes-list-type"));
    const std::vector<std::string> map_keys =
        strings_of(child(&schema, "x-kubernetes-list-map-keys"));
    std::set<std::string> seen;
    for (std::size_t i = 0; i < value.items().size(); ++i) {
      const Node& it = value.items()[i];
      std::string key;
      if (list_type == "set" && it.is_scalar()) key = it.text();
      if (list_type == "map") {
        for (const std::string& k : map_keys) key += text_of(child(&it, k)) + "\n";
      }
      if (!key.empty() && !seen.insert(key).second) {
        fail(errors, index_path(path, i), "duplicates an earlier item of a list-type " + list_type);
      }
      if (const Node* items = child(&schema, "items"); items != nullptr) {
        walk(it, *items, index_path(path, i), mode, errors);
      }
    }
  }

  void check_object(const Node& value, const Node& schema, const std::string& path, Mode mode,
                    bool preserve, std::vector<std::string>& errors) const {
    for (const std::string& r : strings_of(child(&schema, "required"))) {
      const Node* v = value.find(r);
      if (v == nullptr || v->is_null()) fail(errors, join_path(path, r), "is required");
    }
    const auto size = static_cast<double>(value.entries().size());
    if (auto lo = number_of_key(schema, "minProperties"); lo && size < *lo) {
      fail(errors, path, "has fewer than " + text_of(schema.find("minProperties")) + " fields");
    }
    if (auto hi = number_of_key(schema, "maxProperties"); hi && size > *hi) {
      fail(errors, path, "has more than " + text_of(schema.find("maxProperties")) + " fields");
    }
    const Node* properties = child(&schema, "properties");
    const Node* additional = child(&schema, "additionalProperties");
    for (const auto& [key, v] : value.entries()) {
      const std::string p = join_path(path, key);
      if (path.empty() && key == "metadata" && mode == Mode::kStructural) {
        check_metadata(v, p, errors);
      } else if (const Node* s = child(properties, key); s != nullptr) {
        walk(v, *s, p, mode, errors);
      } else if (additional != nullptr && additional->is_mapping()) {
        walk(v, *additional, p, mode, errors);
      } else if (!preserve && mode == Mode::kStructural) {
        fail(errors, p, "is not declared in the schema (unknown field)");
      }
    }
  }

  void check_junctors(const Node& value, const Node& schema, const std::string& path,
                      std::vector<std::string>& errors) const {
    auto passes = [&](const Node& branch) {
      std::vector<std::string> scratch;
      walk(value, branch, path, Mode::kBranch, scratch);
      return scratch.empty();
    };
    if (const Node* all = child(&schema, "allOf"); all != nullptr) {
      for (const Node& b : all->items()) walk(value, b, path, Mode::kBranch, errors);
    }
    if (const Node* any = child(&schema, "anyOf"); any != nullptr) {
      if (std::none_of(any->items().begin(), any->items().end(), passes)) {
        fail(errors, path, "matches none of the anyOf alternatives");
      }
    }
    if (const Node* one = child(&schema, "oneOf"); one != nullptr) {
      const auto n = std::count_if(one->items().begin(), one->items().end(), passes);
      if (n != 1) {
        fail(errors, path,
             "must match exactly one of the oneOf alternatives, matches " + std::to_string(n));
      }
    }
    if (const Node* no = child(&schema, "not"); no != nullptr && passes(*no)) {
      fail(errors, path, "matches the schema under \"not\"");
    }
  }
};

// Problems that would make kube-apiserver refuse the schema as non-structural
// (or that are plain typos): every field typed, no additionalProperties:
// false, no types or descriptions inside junctors (except the int-or-string
// pattern), nothing under metadata, list-map keys required, and only known
// keywords. Returns "path: problem" strings.
class StructuralChecker {
 public:
  [[nodiscard]] std::vector<std::string> check(const Node& schema) const {
    std::vector<std::string> problems;
    if (text_of(child(&schema, "type")) != "object") {
      problems.emplace_back("openAPIV3Schema: the root must be of type object");
    }
    if (const Node* meta = child(child(&schema, "properties"), "metadata"); meta != nullptr) {
      for (const auto& [key, v] : meta->entries()) {
        if (key != "type" && key != "properties") {
          problems.push_back("properties.metadata: must not set " + key);
        }
        if (key == "properties") {
          for (const auto& [field, s] : v.entries()) {
            if (field != "name" && field != "generateName") {
              problems.push_back("properties.metadata.properties: must not declare " + field);
            }
          }
        }
      }
    }
    node(schema, "openAPIV3Schema", problems);
    return problems;
  }

 private:
  static bool known_keyword(std::string_view key) {
    static const std::set<std::string, std::less<>> kKeywords = {
        "type",
        "format",
        "title",
        "description",
        "default",
        "enum",
        "example",
        "externalDocs",
        "nullable",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "required",
        "items",
        "properties",
        "additionalProperties",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-int-or-string",
        "x-kubernetes-embedded-resource",
        "x-kubernetes-list-type",
        "x-kubernetes-list-map-keys",
        "x-kubernetes-map-type",
        "x-kubernetes-validations"};
    return kKeywords.contains(key);
  }

  static bool is_int_or_string_any_of(const Node& any_of) {
    if (!any_of.is_sequence() || any_of.items().size() != 2) return false;
    const Node& a = any_of.items()[0];
    const Node& b = any_of.items()[1];
    return a.is_mapping() && a.entries().size() == 1 && text_of(a.find("type")) == "integer" &&
           b.is_mapping() && b.entries().size() == 1 && text_of(b.find("type")) == "string";
  }

  void node(const Node& s, const std::string& path, std::vector<std::string>& problems) const {
    if (!s.is_mapping()) {
      problems.push_back(path + ": a schema must be a mapping");
      return;
    }
    for (const auto& [key, v] : s.entries()) {
      if (!known_keyword(key)) problems.push_back(path + ": unknown keyword \"" + key + "\"");
    }
    const bool int_or_string = flag(s, "x-kubernetes-int-or-string");
    const bool preserve = flag(s, "x-kubernetes-preserve-unknown-fields");
    const std::string type = text_of(child(&s, "type"));
    if (type.empty() && !int_or_string && !preserve) problems.push_back(path + ": no type");
    if (int_or_string && !type.empty()) {
      problems.push_back(path + ": x-kubernetes-int-or-string needs an empty type");
    }
    if (const Node* ap = child(&s, "additionalProperties"); ap != nullptr) {
      if (!ap->is_mapping()) {
        problems.push_back(path + ": additionalProperties must be a schema (false is forbidden)");
      } else {
        if (child(&s, "properties") != nullptr) {
          problems.push_back(path + ": properties and additionalProperties are mutually exclusive");
        }
        node(*ap, path + ".additionalProperties", problems);
      }
    }
    if (const Node* props = child(&s, "properties"); props != nullptr) {
      for (const auto& [name, sub] : props->entries()) {
        node(sub, path + ".properties." + name, problems);
      }
    }
    if (const Node* items = child(&s, "items"); items != nullptr) {
      node(*items, path + ".items", problems);
    } else if (type == "array") {
      problems.push_back(path + ": array without items");
    }
    if (child(&s, "uniqueItems") != nullptr) {
      problems.push_back(path + ": uniqueItems is forbidden");
    }

    const std::string list_type = text_of(child(&s, "x-kubernetes-list-type"));
    if (list_type == "map") {
      const Node* items = child(&s, "items");
      const std::vector<std::string> required = strings_of(child(items, "required"));
      for (const std::string& k : strings_of(child(&s, "x-kubernetes-list-map-keys"))) {
        if (std::find(required.begin(), required.end(), k) == required.end()) {
          problems.push_back(path + ": list-map key " + k + " must be required in items");
        }
      }
    }
    if (list_type == "set") {
      const std::string item_type = text_of(child(child(&s, "items"), "type"));
      if (item_type == "object" || item_type == "array") {
        problems.push_back(path + ": list-type set needs scalar items");
      }
    }

    for (const char* j : {"allOf", "anyOf", "oneOf"}) {
      const Node* branches = child(&s, j);
      if (branches == nullptr) continue;
      const bool skip =
          int_or_string && std::string_view(j) == "anyOf" && is_int_or_string_any_of(*branches);
      if (skip) continue;
      for (std::size_t i = 0; i < branches->items().size(); ++i) {
        junctor(branches->items()[i], path + "." + j + "[" + std::to_string(i) + "]", problems);
      }
    }
    if (const Node* no = child(&s, "not"); no != nullptr) junctor(*no, path + ".not", problems);
  }

  // Inside a junctor only value validations are allowed.
  static void junctor(const Node& s, const std::string& path, std::vector<std::string>& problems) {
    if (!s.is_mapping()) return;
    for (const auto& [key, v] : s.entries()) {
      if (!known_keyword(key)) problems.push_back(path + ": unknown keyword \"" + key + "\"");
      for (const char* forbidden : {"type", "description", "default", "additionalProperties",
                                    "nullable", "properties", "items"}) {
        if (key == forbidden) problems.push_back(path + ": must not set " + key + " in a junctor");
      }
      if (key.rfind("x-kubernetes-", 0) == 0) {
        problems.push_back(path + ": must not set " + key + " in a junctor");
      }
    }
  }
};

}  // namespace rwd::schema_check
