#include "state_postgres.hpp"

#include <algorithm>

#include "rewind/postgres/state_store.hpp"

namespace rwd::cli {
namespace po = boost::program_options;

namespace {

model::Result<std::unique_ptr<postgres::PostgresStateStore>> open_store(const StateDatabase& s) {
  const std::string host = s.host.empty() ? postgres::local_host_name() : s.host;
  auto store = postgres::PostgresStateStore::open(postgres::DatabaseUrl(s.url), host);
  if (!store) return model::Error::terminal("--state: " + store.error().message);
  return std::move(*store);
}

class PostgresReader final : public StateReader {
 public:
  PostgresReader(std::unique_ptr<postgres::PostgresStateStore> store, std::string host)
      : store_(std::move(store)), host_(std::move(host)) {}

  model::Result<ReleaseList> releases() override {
    auto keys = store_->list_all_releases();
    if (!keys) return keys.error();
    ReleaseList out;
    for (const auto& hk : *keys) {
      if (!host_.empty() && hk.host != host_) continue;
      auto r = store_->read_release_of(hk.host, hk.key);
      if (r && *r) {
        out.releases.push_back(std::move(**r));
        out.hosts.push_back(hk.host);
      } else {
        out.errors.push_back(hk.host + " " + hk.key.str() + ": " +
                             (r ? "vanished" : r.error().message));
      }
    }
    return out;
  }
  model::Result<std::optional<model::Release>> release(const model::ObjectKey& key) override {
    auto host = host_of(key);
    if (!host) return host.error();
    if (host->empty()) return std::optional<model::Release>();
    return store_->read_release_of(*host, key);
  }
  model::Result<std::vector<std::string>> hosts_of(const model::ObjectKey& key) override {
    auto keys = store_->list_all_releases();
    if (!keys) return keys.error();
    std::vector<std::string> hosts;
    for (const auto& hk : *keys) {
      if (hk.key == key && (host_.empty() || hk.host == host_)) hosts.push_back(hk.host);
    }
    return hosts;
  }
  model::Result<std::optional<model::Release>> release_on(const std::string& host,
                                                          const model::ObjectKey& key) override {
    return store_->read_release_of(host, key);
  }
  model::Result<model::History> history(const model::ObjectKey& key) override {
    auto host = host_of(key);
    if (!host) return host.error();
    if (host->empty()) return model::History{};
    return store_->load_of(*host, key);
  }
  [[nodiscard]] std::string where() const override {
    return "in " + store_->display() + (host_.empty() ? "" : " (host " + host_ + ")");
  }

 private:
  // The one host that has `key` ("" for none); an error naming them when
  // several have it and --state-host does not choose.
  model::Result<std::string> host_of(const model::ObjectKey& key) {
    auto hosts = hosts_of(key);
    if (!hosts) return hosts.error();
    if (hosts->empty()) return std::string();
    if (hosts->size() == 1) return hosts->front();
    std::string names;
    for (const auto& h : *hosts) names += (names.empty() ? "" : ", ") + h;
    return model::Error::invalid_spec("Release " + key.str() + " is on several hosts (" + names +
                                      "): choose one with --state-host");
  }

  std::unique_ptr<postgres::PostgresStateStore> store_;
  std::string host_;
};

}  // namespace

void add_state_options(po::options_description& o) {
  o.add_options()("state", po::value<std::string>()->value_name("URL"),
                  "keep history and status in PostgreSQL instead: postgres://user@host/db (the "
                  "password from PGPASSWORD or ~/.pgpass; a fleet's hosts share one database)")(
      "state-host", po::value<std::string>()->value_name("NAME"),
      "with --state: this host's name in the database (default: the machine's hostname; "
      "status/history: only this host)");
}

bool select_state(const po::variables_map& vm, const std::string& command, std::ostream& err,
                  std::optional<StateDatabase>& state) {
  state.reset();
  if (vm.count("state") == 0U) {
    if (vm.count("state-host") != 0U) {
      err << "rewind " << command << ": --state-host needs --state postgres://...\n";
      return false;
    }
    return true;
  }
  const std::string url = vm["state"].as<std::string>();
  if (!postgres::is_state_url(url)) {
    err << "rewind " << command << ": --state takes a postgres:// or postgresql:// URL; "
        << "for a state directory use --state-dir\n";
    return false;
  }
  state = StateDatabase{
      url, vm.count("state-host") != 0U ? vm["state-host"].as<std::string>() : std::string()};
  return true;
}

model::Result<bool> open_state_stores(const std::optional<StateDatabase>& state,
                                      std::shared_ptr<history::HistoryStore>& histories,
                                      std::shared_ptr<history::StatusStore>& statuses) {
  if (!state) return false;
  auto store = open_store(*state);
  if (!store) return store.error();
  std::shared_ptr<postgres::PostgresStateStore> shared = std::move(*store);
  histories = shared;
  statuses = shared;
  return true;
}

model::Result<std::unique_ptr<StateReader>> open_postgres_reader(const StateDatabase& state) {
  auto store = open_store(state);
  if (!store) return store.error();
  return std::unique_ptr<StateReader>(
      std::make_unique<PostgresReader>(std::move(*store), state.host));
}

}  // namespace rwd::cli
