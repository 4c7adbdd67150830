// History and status files: model JSON out, strict decoding back in.

#include "rewind/history/codec.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rewind/model/codec.hpp"
#include "rewind/model/document.hpp"

namespace rwd::history {

namespace {

std::string dump(const model::Json& j) {
  // Invalid UTF-8 in a free-text field (a command's output in a reason) must
  // not make the status unwritable.
  return j.dump(2, ' ', false, model::Json::error_handler_t::replace) + "\n";
}

model::Error corrupt(std::string_view source, const std::string& details) {
  return model::Error::terminal(std::string(source) + ": cannot be read back: " + details);
}

// The single JSON document of a state file, or an error naming its position.
model::Result<model::Node> load_document(std::string_view text, std::string_view source) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return corrupt(source, "the file is empty");
  }
  model::Limits limits;
  limits.max_file_bytes = kMaxStateFileBytes;
  model::LoadedDocuments docs = model::load_json(text, limits);
  if (!docs.ok()) {
    std::string details;
    for (const auto& e : docs.errors) {
      if (!details.empty()) details += "; ";
      details += e.message;
      if (e.mark.line > 0) {
        details += " (line " + std::to_string(e.mark.line) + ", column " +
                   std::to_string(e.mark.column) + ")";
      }
    }
    return corrupt(source, "not valid JSON: " + details);
  }
  if (docs.documents.size() != 1) {
    return corrupt(source, "expected one JSON object, found " +
                               std::to_string(docs.documents.size()) + " documents");
  }
  return std::move(docs.documents.front());
}

model::Error field_errors(std::string_view source, const std::vector<model::FieldError>& errors) {
  std::string message;
  for (const auto& e : errors) {
    if (!message.empty()) message += "\n";
    message += model::Diagnostic{std::string(source), std::nullopt, e}.str();
  }
  if (message.empty()) message = std::string(source) + ": cannot be read back";
  return model::Error::terminal(std::move(message));
}

model::Status check_key(std::string_view source, const model::ObjectMeta& meta,
                        const model::ObjectKey& expected) {
  if (meta.key() == expected) return {};
  return corrupt(source, "holds " + meta.key().str() + ", expected " + expected.str());
}

template <class T, class Decode>
model::Result<T> decode_object_text(std::string_view text, std::string_view source,
                                    const model::ObjectKey& expected, Decode decode) {
  auto doc = load_document(text, source);
  if (!doc.ok()) return doc.error();
  std::vector<model::FieldError> errors;
  std::optional<T> obj = decode(*doc, errors);
  if (!obj || !errors.empty()) return field_errors(source, errors);
  if (auto st = check_key(source, obj->metadata, expected); !st.ok()) return st.error();
  return std::move(*obj);
}

}  // namespace

std::string encode_history(const model::History& history) { return dump(model::to_json(history)); }

std::string encode_status(const model::Release& release) { return dump(model::to_json(release)); }

std::string encode_status(const model::Rollback& rollback) {
  return dump(model::to_json(rollback));
}

model::Result<model::History> decode_history_text(std::string_view text, std::string_view source) {
  auto doc = load_document(text, source);
  if (!doc.ok()) return doc.error();
  std::vector<model::FieldError> errors;
  std::optional<model::History> h = model::decode_history(*doc, errors);
  if (!h || !errors.empty()) return field_errors(source, errors);
  return std::move(*h);
}

model::Result<model::Release> decode_release_text(std::string_view text, std::string_view source,
                                                  const model::ObjectKey& expected) {
  return decode_object_text<model::Release>(
      text, source, expected, [](const model::Node& n, std::vector<model::FieldError>& e) {
        return model::decode_release(n, e);
      });
}

model::Result<model::Rollback> decode_rollback_text(std::string_view text, std::string_view source,
                                                    const model::ObjectKey& expected) {
  return decode_object_text<model::Rollback>(
      text, source, expected, [](const model::Node& n, std::vector<model::FieldError>& e) {
        return model::decode_rollback(n, e);
      });
}

}  // namespace rwd::history
