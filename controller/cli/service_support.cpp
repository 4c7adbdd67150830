// What `rewind watch` and `rewind controller` share.

#include "service_support.hpp"

#include <variant>

#include <spdlog/spdlog.h>

namespace rwd::cli {

std::vector<model::Rollback> rollbacks_for(const runtime::Store& store,
                                           const model::ObjectKey& key) {
  std::vector<model::Rollback> rollbacks;
  for (const auto& e : store.list(runtime::Kind::kRollback)) {
    const auto& rb = std::get<model::Rollback>(*e.object);
    if (rb.metadata.ns == key.ns && rb.spec.release_name == key.name) rollbacks.push_back(rb);
  }
  return rollbacks;
}

model::Result<runtime::Action> reconcile_release(execute::ReleaseReconciler& reconciler,
                                                 const model::Release& release,
                                                 const runtime::Store& store,
                                                 model::Duration resync) {
  const model::ObjectKey key = release.metadata.key();
  const execute::ReconcileOutcome outcome =
      reconciler.reconcile(release, rollbacks_for(store, key));
  if (outcome.error) {
    spdlog::error("{}: {}", key.str(), outcome.error->message);
    return *outcome.error;
  }
  if (auto after = outcome.action.requeue()) return runtime::Action::requeue(*after);
  return runtime::Action::requeue(resync);
}

std::function<std::optional<model::ReleaseStatus>(const model::ObjectKey&)> stored_status(
    const runtime::Store& store, history::StatusStore& statuses) {
  return [&store, &statuses](const model::ObjectKey& key) -> std::optional<model::ReleaseStatus> {
    if (!store.get_release(key)) return std::nullopt;
    auto stored = statuses.read_release(key);
    if (!stored || !*stored) return model::ReleaseStatus{};
    return (**stored).status;
  };
}

model::Result<std::unique_ptr<http::Server>> start_http_server(HttpSetup setup) {
  auto listen = http::parse_listen_address(setup.listen);
  if (!listen) return model::Error::invalid_spec("--listen: " + listen.error().message);
  http::BearerAuth auth;
  if (!setup.token_file.empty()) {
    auto loaded = http::BearerAuth::from_file(setup.token_file);
    if (!loaded) return model::Error::invalid_spec("--token-file: " + loaded.error().message);
    auth = std::move(*loaded);
  }
  http::Router router(std::move(auth));
  add_command_routes(router, std::move(setup.commands));
  http::add_standard_routes(router, std::move(setup.standard));
  http::ServerOptions options;
  options.listen = *listen;
  auto server = std::make_unique<http::Server>(options, std::move(router));
  if (auto st = server->start(); !st) return st.error();
  return server;
}

}  // namespace rwd::cli
