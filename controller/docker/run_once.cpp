// DockerPlatform::run_once: a command in a one-off container beside a
// compose service — create, connect, start, wait (kill at the timeout), read
// the logs, remove; removed on every path.

#include "rewind/docker/run_once.hpp"

#include <spdlog/spdlog.h>

#include "rewind/docker/parse.hpp"
#include "rewind/docker/platform.hpp"
#include "rewind/http/url.hpp"

namespace rwd::docker {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kCallTimeout{30'000};
constexpr const char* kLogTail = "2000";  // lines; the output keeps 64 KiB of them

bool own_stack(const std::string& mode) {
  return mode == "host" || mode == "none" || mode.rfind("container:", 0) == 0;
}

// The calls of one run, over the run's own connection.
class OneOffRun {
 public:
  OneOffRun(http::Client& http, const Client& api) : http_(http), api_(api) {}

  ApiResult<http::ClientResponse> call(const std::string& method, const std::string& target,
                                       const std::string& body = "",
                                       std::chrono::milliseconds timeout = kCallTimeout) {
    http::ClientRequest request;
    request.method = method;
    request.target = api_.path(target);
    if (!body.empty()) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = body;
    }
    auto r = http_.request(request, timeout);
    if (!r) return r.error();
    if (!r->success()) {
      return response_error(method + " " + request.target.substr(0, request.target.find('?')) +
                                " on " + http_.endpoint().str(),
                            *r);
    }
    return std::move(r.value());
  }

  std::string container(const std::string& id) const {
    return "/containers/" + http::percent_encode(id);
  }

  model::Result<std::string> create(const json& body) {
    auto r = call("POST", "/containers/create",
                  body.dump(-1, ' ', false, json::error_handler_t::replace));
    if (!r) return r.error().error;
    return parse_create_response(r->body);
  }

  // Connects, starts, waits and reads the logs of the created container.
  model::Result<execute::CommandOutput> run(const std::string& id, const execute::OneOffCommand& c,
                                            const OneOffNetworks& networks) {
    for (const auto& network : networks.extra) {
      auto r = call("POST", "/networks/" + http::percent_encode(network) + "/connect",
                    json{{"Container", id}}.dump());
      if (!r) return r.error().error;
    }
    if (auto r = call("POST", container(id) + "/start"); !r) return r.error().error;
    execute::CommandOutput out;
    auto waited = wait(id, c.timeout, out);
    if (!waited) return waited.error();
    auto logs =
        call("GET", container(id) + "/logs" +
                        http::query_string({{"stdout", "1"}, {"stderr", "1"}, {"tail", kLogTail}}));
    if (!logs) return logs.error().error;
    out.output = demultiplex_logs(logs->body);
    return out;
  }

  // POST /wait with the command's timeout; when no answer came in time, kill.
  model::Status wait(const std::string& id, std::chrono::milliseconds timeout,
                     execute::CommandOutput& out) {
    const auto started = Clock::now();
    auto r = call("POST", container(id) + "/wait?condition=not-running", "", timeout);
    if (!r) {
      const bool late = r.error().message().find("timed out") != std::string::npos ||
                        Clock::now() - started >= timeout;
      if (r.error().status != 0 || !late) return r.error().error;
      out.timed_out = true;
      (void)call("POST", container(id) + "/kill");
      return {};
    }
    auto j = parse_json(r->body, "POST /containers/{id}/wait");
    if (!j) return j.error();
    const json* err = j->contains("Error") ? &(*j)["Error"] : nullptr;
    if (err != nullptr && err->is_object() && err->value("Message", "") != "") {
      return model::Error::transient("waiting for one-off container " + id.substr(0, 12) + ": " +
                                     err->value("Message", ""));
    }
    out.exit_code = j->value("StatusCode", -1);
    return {};
  }

  void remove(const std::string& id) {
    auto r = call("DELETE", container(id) + http::query_string({{"force", "true"}, {"v", "true"}}));
    if (!r && !r.error().not_found()) {
      spdlog::warn("cannot remove one-off container {}: {}", id.substr(0, 12), r.error().message());
    }
  }

 private:
  http::Client& http_;
  const Client& api_;
};

}  // namespace

OneOffNetworks one_off_networks(const ContainerInspect& c) {
  OneOffNetworks out;
  const json& networks = c.network_settings_networks;
  if (own_stack(c.network_mode) || !networks.is_object() || networks.empty()) {
    out.mode = c.network_mode;
    return out;
  }
  out.mode = networks.begin().key();
  if (networks.contains(c.network_mode))
    out.mode = c.network_mode;
  else if (networks.contains("bridge"))
    out.mode = "bridge";
  for (const auto& [name, settings] : networks.items()) {
    if (name != out.mode) out.extra.push_back(name);
  }
  return out;
}

json one_off_body(const execute::OneOffCommand& command, const std::string& project,
                  const OneOffNetworks& networks) {
  json env = json::array();
  for (const auto& [key, value] : command.env) env.push_back(key + "=" + value);
  json cmd = json::array();
  for (std::size_t i = 1; i < command.argv.size(); ++i) cmd.push_back(command.argv[i]);
  json body{{"Image", command.image.value()},
            {"Entrypoint", json::array({command.argv.at(0)})},
            {"Cmd", cmd},
            {"Env", env},
            {"Labels",
             {{execute::label::kOneOff, "migration"}, {execute::label::kComposeProject, project}}},
            {"Tty", false},
            {"OpenStdin", false},
            {"HostConfig", {{"AutoRemove", false}}}};
  if (!networks.mode.empty()) body["HostConfig"]["NetworkMode"] = networks.mode;
  if (!networks.mode.empty() && !own_stack(networks.mode)) {
    body["NetworkingConfig"] = {{"EndpointsConfig", {{networks.mode, json::object()}}}};
  }
  return body;
}

std::string demultiplex_logs(std::string_view raw, std::size_t cap) {
  std::string out;
  const auto framed = [&](std::size_t at) {
    return raw.size() - at >= 8 && static_cast<unsigned char>(raw[at]) <= 2 && raw[at + 1] == 0 &&
           raw[at + 2] == 0 && raw[at + 3] == 0;
  };
  if (raw.empty() || !framed(0)) {
    out = std::string(raw);
  } else {
    std::size_t at = 0;
    while (at < raw.size() && framed(at)) {
      std::size_t size = 0;
      for (std::size_t i = 4; i < 8; ++i) {
        size = (size << 8) | static_cast<unsigned char>(raw[at + i]);
      }
      const std::size_t take = std::min(size, raw.size() - at - 8);
      out.append(raw.substr(at + 8, take));
      at += 8 + take;
    }
  }
  if (out.size() > cap) out.erase(0, out.size() - cap);
  return out;
}

model::Result<execute::CommandOutput> DockerPlatform::run_once(const execute::OneOffCommand& c) {
  if (!c.target.docker) {
    return model::Error::invalid_spec("spec.target: a one-off container needs target.docker");
  }
  if (c.argv.empty()) return model::Error::invalid_spec("a one-off container needs a command");
  auto source = network_source(*c.target.docker);
  if (!source) return source.error();
  if (auto st = ensure_image(c.image); !st) return st.error();
  auto http = one_off_connection();
  if (!http) return http.error();
  OneOffRun run(**http, *client_);
  const OneOffNetworks networks = one_off_networks(*source);
  auto id = run.create(one_off_body(c, c.target.docker->project, networks));
  if (!id) return id.error();
  auto out = run.run(*id, c, networks);
  run.remove(*id);
  if (!out) {
    return model::Error{out.error().kind, "one-off container of " + c.image.value() + " for " +
                                              c.target.docker->project + "/" +
                                              c.target.docker->service + ": " +
                                              out.error().message};
  }
  return out;
}

}  // namespace rwd::docker
