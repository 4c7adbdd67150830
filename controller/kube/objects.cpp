// Release and Rollback objects of the API server <-> rewind's model.

#include "rewind/kube/objects.hpp"

#include <utility>
#include <variant>

#include "rewind/model/document.hpp"

namespace rwd::kube {
namespace {

std::string name_of(const Json& object) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return "(no metadata)";
  return m->value("namespace", std::string(model::kDefaultNamespace)) + "/" +
         m->value("name", std::string("(no name)"));
}

model::Diagnostic diagnostic(const std::string& source, std::string path, std::string message) {
  return {source, std::nullopt, {std::move(path), std::move(message), {}}};
}

// The one JSON value as a model Node, or the load error.
std::optional<model::Node> node_of(const Json& j, const std::string& source, const char* path,
                                   std::vector<model::Diagnostic>& errors) {
  auto loaded = model::load_json(j.dump());
  if (!loaded.ok() || loaded.documents.size() != 1) {
    errors.push_back(
        diagnostic(source, path, loaded.ok() ? "is empty" : loaded.errors.front().message));
    return std::nullopt;
  }
  return std::move(loaded.documents.front());
}

}  // namespace

model::Result<model::History> history_of(const Json& object) {
  auto status = object.find("status");
  if (status == object.end() || !status->is_object()) return model::History{};
  auto h = status->find("history");
  if (h == status->end() || h->is_null()) return model::History{};
  const std::string source = name_of(object);
  std::vector<model::Diagnostic> errors;
  auto node = node_of(Json{{"revisions", *h}}, source, "status.history", errors);
  if (!node) return model::Error::terminal(errors.front().str());
  std::vector<model::FieldError> fe;
  auto history = model::decode_history(*node, fe);
  if (!history || !fe.empty()) {
    const std::string where = fe.empty() ? "status.history" : "status.history." + fe.front().path;
    return model::Error::terminal(source + ": " + where + ": " +
                                  (fe.empty() ? "cannot be read" : fe.front().message));
  }
  return *history;
}

Decoded decode_api_object(const Json& object) {
  Decoded out;
  const std::string source = name_of(object);
  Json copy = object;
  if (auto s = copy.find("status"); s != copy.end() && s->is_object()) {
    if (s->contains("history")) {
      auto h = history_of(object);
      if (h) {
        out.history = std::move(*h);
      } else {
        out.errors.push_back(diagnostic(source, "status.history", h.error().message));
      }
      s->erase("history");
    }
  }
  auto node = node_of(copy, source, "", out.errors);
  if (!node) return out;
  std::vector<model::FieldError> fe;
  auto decoded = model::decode_object(*node, fe);
  if (decoded && fe.empty()) fe = model::validate(*decoded);
  if (!fe.empty()) {
    for (auto& e : fe) out.errors.push_back({source, std::nullopt, std::move(e)});
    return out;
  }
  if (auto* r = std::get_if<model::Release>(&*decoded)) {
    if (r->spec.target.kubernetes) r->spec.target.kubernetes->ns = r->metadata.ns;
  }
  out.object = std::move(decoded);
  return out;
}

Json release_status_json(const model::Release& release,
                         const std::optional<model::History>& history) {
  Json j = model::to_json(release);
  Json status = j.contains("status") ? j["status"] : Json::object();
  if (history) status["history"] = model::to_json(*history)["revisions"];
  return status;
}

Json rollback_status_json(const model::Rollback& rollback) {
  Json j = model::to_json(rollback);
  return j.contains("status") ? j["status"] : Json::object();
}

}  // namespace rwd::kube
