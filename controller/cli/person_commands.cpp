// `rewind promote`, `rewind abort`, `rewind retry`: a person's word to a
// running `rewind watch` or `rewind controller`, through its HTTP API (POST
// /api/v1/releases/{namespace}/{name}/{promote|abort|retry}, bearer token).

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <ostream>
#include <sstream>

#include <boost/program_options.hpp>

#include "rewind/http/client.hpp"
#include "rewind/http/url.hpp"
#include "rewind/model/codec.hpp"

#include "commands.hpp"
#include "options.hpp"

namespace rwd::cli {
namespace {

namespace po = boost::program_options;

constexpr std::chrono::seconds kTimeout{10};

struct Verb {
  const char* name;
  const char* usage;
};

constexpr Verb kPromote{"promote", R"(Usage: rewind promote NAME [options]

Lets a paused plan go on: a canary's indefinite `pause: {}` (or a timed pause,
cut short), or a blue-green Release with autoPromote: false waiting to switch.
The running `rewind watch` applies it at once. `rewind controller`
(Kubernetes mode) serves the same API: give its --listen address as --server
and the token of its --token-file.

Options)"};
constexpr Verb kAbort{"abort", R"(Usage: rewind abort NAME [options]

Aborts the revision a running plan moves to: a canary loses its traffic first
(weight 0), then stops; the revision is marked Aborted and not tried again
until its spec changes or `rewind retry NAME`. Sent to a running `rewind
watch`, or to `rewind controller` (Kubernetes mode): its --listen address as
--server and the token of its --token-file.

Options)"};
constexpr Verb kRetry{"retry", R"(Usage: rewind retry NAME [options]

Tries the desired revision again after it failed (health, analysis) or was
aborted, without changing its spec. Sent to a running `rewind watch` or
`rewind controller` (its --listen address as --server).

Options)"};

// The token file's one token; empty with a message on `err` when unreadable.
std::string read_token(const std::string& path, const std::string& command, std::ostream& err) {
  std::ifstream in(path);
  if (!in) {
    err << "rewind " << command << ": --token-file " << path << ": cannot be read\n";
    return "";
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > 4096) {
    err << "rewind " << command << ": --token-file " << path << ": larger than 4096 bytes\n";
    return "";
  }
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  if (first == std::string::npos) {
    err << "rewind " << command << ": --token-file " << path << ": is empty\n";
    return "";
  }
  return text.substr(first, last - first + 1);
}

int send(const Verb& verb, const po::variables_map& vm, std::ostream& out, std::ostream& err) {
  const std::string command = verb.name;
  const model::ObjectKey key{vm["namespace"].as<std::string>(), vm["name"].as<std::string>()};
  std::string url = vm["server"].as<std::string>();
  while (!url.empty() && url.back() == '/') url.pop_back();
  auto parsed = http::parse_url(url);
  if (!parsed) {
    err << "rewind " << command << ": --server: " << parsed.error().message << "\n";
    return kExitUsage;
  }
  std::string token_file;
  if (vm.count("token-file") != 0U) {
    token_file = vm["token-file"].as<std::string>();
  } else if (const char* env = std::getenv("REWIND_TOKEN_FILE"); env != nullptr && *env != 0) {
    token_file = env;
  }
  std::string token;
  if (!token_file.empty()) {
    token = read_token(token_file, command, err);
    if (token.empty()) return kExitUsage;
  }
  auto client = http::make_client(parsed->endpoint);
  if (!client) {
    err << "rewind " << command << ": " << client.error().message << "\n";
    return kExitInvalid;
  }
  std::string prefix = parsed->target.substr(0, parsed->target.find('?'));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  http::ClientRequest req;
  req.method = "POST";
  req.target = prefix + "/api/v1/releases/" + key.ns + "/" + key.name + "/" + command;
  req.headers.emplace_back("Accept", "application/json");
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  auto r = (*client)->request(req, kTimeout);
  if (!r) {
    err << "rewind " << command << ": no watcher answers at " << url << ": " << r.error().message
        << " (is `rewind watch` or `rewind controller` running, with --listen at that address?)\n";
    return kExitInvalid;
  }
  std::string message;
  try {
    const auto body = model::Json::parse(r->body);
    if (body.is_object()) message = body.value("error", body.value("message", std::string()));
  } catch (const std::exception&) {
    message = r->body.substr(0, 200);
  }
  if (r->status == 202) {
    out << "rewind " << command << ": " << key.str() << ": accepted by the watcher at " << url
        << "; it applies it at once (see `rewind status " << key.name << " --server " << url
        << "`)\n";
    return kExitOk;
  }
  err << "rewind " << command << ": " << key.str() << ": " << message << " (HTTP " << r->status
      << ")";
  if (r->status == 401 && token.empty()) err << "; give --token-file";
  err << "\n";
  return kExitInvalid;
}

int person_command(const Verb& verb, const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err) {
  po::options_description visible(verb.usage);
  visible.add_options()("help,h", "show this help")(
      "namespace,n", po::value<std::string>()->default_value("default")->value_name("NS"),
      "namespace of NAME")(
      "server", po::value<std::string>()->default_value("http://127.0.0.1:9464")->value_name("URL"),
      "the running `rewind watch` or `rewind controller` (its --listen address)")(
      "token-file", po::value<std::string>()->value_name("FILE"),
      "the bearer token the watcher or controller was started with (--token-file); default: "
      "$REWIND_TOKEN_FILE");
  po::options_description all;
  all.add(visible).add_options()("name", po::value<std::string>(), "");
  po::positional_options_description pos;
  pos.add("name", 1);
  po::variables_map vm;
  if (!parse_options(args, all, pos, vm, verb.name, err)) return kExitUsage;
  if (vm.count("help") != 0U) {
    out << visible << "\n";
    return kExitOk;
  }
  if (vm.count("name") == 0U) {
    err << "rewind " << verb.name << ": NAME is missing (rewind " << verb.name << " --help)\n";
    return kExitUsage;
  }
  return send(verb, vm, out, err);
}

}  // namespace

int promote_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return person_command(kPromote, args, out, err);
}
int abort_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return person_command(kAbort, args, out, err);
}
int retry_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return person_command(kRetry, args, out, err);
}

}  // namespace rwd::cli
