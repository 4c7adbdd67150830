#pragma once
// Decoding (YAML/JSON text -> Release/Rollback, with strict validation) and
// encoding (Release/Rollback -> JSON/YAML).
//
// Decoding checks structure: known fields only, the right types, required
// fields, enum values, durations and thresholds that parse. validate_*()
// checks meaning: ranges, exactly one target, strategy blocks that match the
// type. parse_resources() does both and names the source, the document, the
// field path, the value and (for YAML) the line of every problem.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "rewind/model/document.hpp"
#include "rewind/model/history.hpp"
#include "rewind/model/release.hpp"
#include "rewind/model/rollback.hpp"

namespace rwd::model {

// Ordered, so encoded objects read apiVersion, kind, metadata, spec, status.
using Json = nlohmann::ordered_json;

// A problem in one field. path uses dots and [i]: "spec.strategy.canary.steps[2].setWeight".
struct FieldError {
  std::string path;
  std::string message;  // includes the offending value: "140 is not within 0..100"
  Mark mark;            // line 0 when unknown
  bool operator==(const FieldError&) const = default;
};

// A FieldError placed in its source.
struct Diagnostic {
  std::string source;                   // file path or "namespace/name" of an object
  std::optional<std::size_t> document;  // 0-based, set for multi-document files
  FieldError error;
  // "releases/api.yaml[1]: spec.strategy.canary.steps[2].setWeight: 140 is not within 0..100 (line
  // 14)"
  [[nodiscard]] std::string str() const;
};

using Object = std::variant<Release, Rollback>;

const ObjectMeta& metadata_of(const Object& o);
const char* kind_of(const Object& o);  // "Release" or "Rollback"

struct ParsedObject {
  Object object;
  std::size_t document = 0;
};

struct ParseResult {
  std::vector<ParsedObject> objects;  // only the documents without errors
  std::vector<Diagnostic> errors;     // every error of every document
  std::size_t documents = 0;          // non-empty documents seen
  [[nodiscard]] bool ok() const noexcept { return errors.empty(); }
};

// Load, decode and validate every document of a YAML (or JSON: JSON is YAML)
// text. `source` names it in diagnostics. Status fields are decoded too, so
// that status files written by rewind read back.
ParseResult parse_resources(std::string_view text, std::string_view source,
                            const Limits& limits = {});

// Decode one document. Errors are appended with paths relative to the document
// root; returns nullopt when there was any.
std::optional<Object> decode_object(const Node& doc, std::vector<FieldError>& errors);
std::optional<Release> decode_release(const Node& doc, std::vector<FieldError>& errors);
std::optional<Rollback> decode_rollback(const Node& doc, std::vector<FieldError>& errors);

// Semantic checks on a decoded (or programmatically built) object.
std::vector<FieldError> validate_release(const Release& r);
std::vector<FieldError> validate_rollback(const Rollback& r);
std::vector<FieldError> validate(const Object& o);

// Objects of one kind with the same namespace/name, across files: one
// Diagnostic per later duplicate, naming the first.
struct SourcedObject {
  const Object* object;
  std::string source;
  std::optional<std::size_t> document;
};
std::vector<Diagnostic> find_duplicates(const std::vector<SourcedObject>& objects);

// Encoding. Defaults are written out, so the output is explicit; empty
// optional blocks and an empty status are left out.
Json to_json(const Release& r);
Json to_json(const Rollback& r);
Json to_json(const Object& o);
Json to_json(const ReleaseSpec& spec);
Json to_json(const RevisionRecord& rec);
Json to_json(const History& h);
std::string to_yaml(const Json& j);  // block style, keys in the json's order

// History records read back (status files, history store).
std::optional<RevisionRecord> decode_revision_record(const Node& n,
                                                     std::vector<FieldError>& errors);
std::optional<History> decode_history(const Node& n, std::vector<FieldError>& errors);

}  // namespace rwd::model
