// rwd::docker::Client: signals, process lists and exec in running containers.

#include <cstdint>

#include "rewind/docker/client.hpp"
#include "rewind/docker/run_once.hpp"
#include "rewind/http/url.hpp"

#include "client_internal.hpp"

namespace rwd::docker {
namespace {

using detail::describe;
using detail::empty;
using nlohmann::json;

ApiError bad_body(const std::string& what, const std::string& detail) {
  return ApiError(model::Error::transient(what + ": unexpected answer from the Engine: " + detail));
}

}  // namespace

ApiStatus Client::kill_container(const std::string& id, const std::string& signal) {
  if (auto e = empty("container id", id)) return *e;
  const std::string target = "/containers/" + http::percent_encode(id) + "/kill" +
                             http::query_string({{"signal", signal}});
  auto r = call("POST", target, "", options_.timeout);
  if (!r) return r.error();
  if (!r->success()) return response_error(describe("POST", path(target), endpoint()), *r);
  return {};
}

ApiResult<ContainerTop> Client::top_container(const std::string& id) {
  if (auto e = empty("container id", id)) return *e;
  const std::string target = "/containers/" + http::percent_encode(id) + "/top";
  auto r = call("GET", target, "", options_.timeout);
  if (!r) return r.error();
  const std::string what = describe("GET", path(target), endpoint());
  if (!r->success()) return response_error(what, *r);
  const json body = json::parse(r->body, nullptr, false);
  if (!body.is_object() || !body.contains("Titles") || !body["Titles"].is_array()) {
    return bad_body(what, "no Titles");
  }
  ContainerTop top;
  try {
    top.titles = body["Titles"].get<std::vector<std::string>>();
    if (body.contains("Processes") && body["Processes"].is_array()) {
      top.processes = body["Processes"].get<std::vector<std::vector<std::string>>>();
    }
  } catch (const json::exception& e) {
    return bad_body(what, e.what());
  }
  return top;
}

ApiResult<ExecResult> Client::exec_in_container(const std::string& id,
                                                const std::vector<std::string>& cmd,
                                                std::chrono::milliseconds timeout) {
  if (auto e = empty("container id", id)) return *e;
  if (cmd.empty()) return model::Error::terminal("Docker: exec of an empty command");
  const std::string create = "/containers/" + http::percent_encode(id) + "/exec";
  const json spec{{"AttachStdin", false},
                  {"AttachStdout", true},
                  {"AttachStderr", true},
                  {"Tty", false},
                  {"Cmd", cmd}};
  auto created = call("POST", create, spec.dump(), options_.timeout);
  if (!created) return created.error();
  const std::string create_what = describe("POST", path(create), endpoint());
  if (!created->success()) return response_error(create_what, *created);
  const json created_body = json::parse(created->body, nullptr, false);
  if (!created_body.is_object() || !created_body.contains("Id") ||
      !created_body["Id"].is_string()) {
    return bad_body(create_what, "no Id");
  }
  const std::string exec_id = created_body["Id"].get<std::string>();

  const std::string start = "/exec/" + http::percent_encode(exec_id) + "/start";
  const json start_spec{{"Detach", false}, {"Tty", false}};
  auto started = call("POST", start, start_spec.dump(), timeout);
  if (!started) return started.error();
  if (!started->success()) {
    return response_error(describe("POST", path(start), endpoint()), *started);
  }
  ExecResult result;
  result.output = demultiplex_logs(started->body);

  const std::string inspect = "/exec/" + http::percent_encode(exec_id) + "/json";
  auto inspected = call("GET", inspect, "", options_.timeout);
  if (!inspected) return inspected.error();
  const std::string inspect_what = describe("GET", path(inspect), endpoint());
  if (!inspected->success()) return response_error(inspect_what, *inspected);
  const json state = json::parse(inspected->body, nullptr, false);
  if (!state.is_object() || !state.contains("ExitCode") || !state["ExitCode"].is_number_integer()) {
    return bad_body(inspect_what, "no ExitCode");
  }
  if (state.value("Running", false)) {
    return ApiError(model::Error::transient(inspect_what + ": the command is still running"));
  }
  result.exit_code = state["ExitCode"].get<int>();
  return result;
}

}  // namespace rwd::docker
