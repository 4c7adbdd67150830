#include "state_reader.hpp"

#include <chrono>

#include "rewind/history/file_store.hpp"
#include "rewind/http/client.hpp"
#include "rewind/model/codec.hpp"

namespace rwd::cli {
namespace fs = std::filesystem;

namespace {

constexpr std::chrono::seconds kServerTimeout{10};

class DirectoryReader final : public StateReader {
 public:
  DirectoryReader(fs::path dir, std::unique_ptr<history::FileStatusStore> status,
                  std::unique_ptr<history::FileHistoryStore> history)
      : dir_(std::move(dir)), status_(std::move(status)), history_(std::move(history)) {}

  model::Result<ReleaseList> releases() override {
    auto keys = status_->list(history::StatusKind::kRelease);
    if (!keys) return keys.error();
    ReleaseList out;
    for (const auto& key : *keys) {
      auto r = status_->read_release(key);
      if (r && *r) {
        out.releases.push_back(std::move(**r));
      } else {
        out.errors.push_back(key.str() + ": " + (r ? "vanished" : r.error().message));
      }
    }
    return out;
  }
  model::Result<std::optional<model::Release>> release(const model::ObjectKey& key) override {
    return status_->read_release(key);
  }
  model::Result<model::History> history(const model::ObjectKey& key) override {
    return history_->load(key);
  }
  [[nodiscard]] std::string where() const override { return "in " + dir_.string(); }

 private:
  fs::path dir_;
  std::unique_ptr<history::FileStatusStore> status_;
  std::unique_ptr<history::FileHistoryStore> history_;
};

// A JSON document from the API as rewind's model reads it (strict decoding
// and validation, as for files).
model::Result<model::Object> decode_object_json(const model::Json& j, const std::string& source) {
  const model::ParseResult r = model::parse_resources(j.dump(), source);
  if (!r.ok()) return model::Error::terminal(r.errors.front().str());
  if (r.objects.size() != 1) return model::Error::terminal(source + ": expected one object");
  return r.objects.front().object;
}

class ServerReader final : public StateReader {
 public:
  ServerReader(std::string url, std::unique_ptr<http::Client> client, std::string prefix)
      : url_(std::move(url)), client_(std::move(client)), prefix_(std::move(prefix)) {}

  model::Result<ReleaseList> releases() override {
    auto j = get("/api/v1/releases");
    if (!j) return j.error();
    if (!*j) return model::Error::terminal(url_ + "/api/v1/releases: not found (is this rewind?)");
    ReleaseList out;
    for (const auto& item : (**j)["items"]) {
      auto o = decode_object_json(item, url_ + "/api/v1/releases");
      if (o && std::holds_alternative<model::Release>(*o)) {
        out.releases.push_back(std::get<model::Release>(std::move(*o)));
      } else {
        out.errors.push_back(o ? "not a Release" : o.error().message);
      }
    }
    return out;
  }

  model::Result<std::optional<model::Release>> release(const model::ObjectKey& key) override {
    const std::string path = "/api/v1/releases/" + key.ns + "/" + key.name;
    auto j = get(path);
    if (!j) return j.error();
    if (!*j) return std::optional<model::Release>();
    auto o = decode_object_json(**j, url_ + path);
    if (!o) return o.error();
    if (!std::holds_alternative<model::Release>(*o)) {
      return model::Error::terminal(url_ + path + ": not a Release");
    }
    return std::optional<model::Release>(std::get<model::Release>(std::move(*o)));
  }

  model::Result<model::History> history(const model::ObjectKey& key) override {
    const std::string path = "/api/v1/releases/" + key.ns + "/" + key.name + "/history";
    auto j = get(path);
    if (!j) return j.error();
    if (!*j) return model::History{};
    const model::Json doc{{"revisions", (**j).value("revisions", model::Json::array())}};
    model::LoadedDocuments docs = model::load_json(doc.dump());
    if (!docs.ok() || docs.documents.size() != 1) {
      return model::Error::terminal(url_ + path + ": the answer is not JSON");
    }
    std::vector<model::FieldError> errors;
    auto h = model::decode_history(docs.documents.front(), errors);
    if (!errors.empty() || !h) {
      return model::Error::terminal(
          url_ + path + ": " +
          (errors.empty() ? "unreadable" : errors.front().path + ": " + errors.front().message));
    }
    return *h;
  }

  [[nodiscard]] std::string where() const override { return "at " + url_; }

 private:
  // The JSON body of a 200; nullopt for a 404; an error for anything else.
  model::Result<std::optional<model::Json>> get(const std::string& path) {
    http::ClientRequest req;
    req.target = prefix_ + path;
    req.headers.emplace_back("Accept", "application/json");
    auto r = client_->request(req, kServerTimeout);
    if (!r) return model::Error::transient(url_ + path + ": " + r.error().message);
    if (r->status == 404) return std::optional<model::Json>();
    if (!r->success()) {
      return model::Error::transient(url_ + path + ": HTTP " + std::to_string(r->status) + ": " +
                                     r->body.substr(0, 200));
    }
    try {
      return std::optional<model::Json>(model::Json::parse(r->body));
    } catch (const std::exception& e) {
      return model::Error::terminal(url_ + path + ": the answer is not JSON: " + e.what());
    }
  }

  std::string url_;
  std::unique_ptr<http::Client> client_;
  std::string prefix_;
};

}  // namespace

model::Result<std::unique_ptr<StateReader>> open_state_directory(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return model::Error::terminal("no state directory at " + dir.string() +
                                  " (is `rewind watch` running with --state-dir " + dir.string() +
                                  "?)");
  }
  auto status = history::FileStatusStore::open({dir, {}});
  if (!status) return status.error();
  auto hist = history::FileHistoryStore::open({dir, {}});
  if (!hist) return hist.error();
  return std::unique_ptr<StateReader>(
      std::make_unique<DirectoryReader>(dir, std::move(*status), std::move(*hist)));
}

model::Result<std::unique_ptr<StateReader>> open_server(const std::string& url) {
  auto parsed = http::parse_url(url);
  if (!parsed) return model::Error::invalid_spec("--server: " + parsed.error().message);
  auto client = http::make_client(parsed->endpoint);
  if (!client) return client.error();
  std::string prefix = parsed->target.substr(0, parsed->target.find('?'));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  std::string shown = url;
  while (!shown.empty() && shown.back() == '/') shown.pop_back();
  return std::unique_ptr<StateReader>(
      std::make_unique<ServerReader>(shown, std::move(*client), prefix));
}

}  // namespace rwd::cli
