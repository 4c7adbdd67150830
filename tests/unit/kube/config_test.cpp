// Kubeconfig, in-cluster and resolution tests. Every file lives in a fresh
// temporary folder; the environment is a map handed in as an EnvLookup.

#include "rewind/kube/config.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/http/base64.hpp"

namespace rwd::kube {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kCaPem =
    "-----BEGIN CERTIFICATE-----\nMIIBdGVzdC1jYQ==\n-----END CERTIFICATE-----\n";
const std::string kCertPem =
    "-----BEGIN CERTIFICATE-----\nMIIBY2xpZW50\n-----END CERTIFICATE-----\n";
const std::string kKeyPem =
    "-----BEGIN EC PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END EC PRIVATE KEY-----\n";
const std::string kToken = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.sig";

std::string b64(const std::string& s) { return http::base64_encode(s); }

class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "rewind-kubecfg-XXXXXX").string();
    path_ = ::mkdtemp(templ.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const fs::path& path() const { return path_; }
  fs::path write(const fs::path& relative, const std::string& text) const {
    const fs::path p = path_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
    return p;
  }

 private:
  fs::path path_;
};

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// As `kind create cluster` writes it, with a second cluster and user the way
// kubeadm and hand edits add them.
std::string kind_kubeconfig() {
  return "apiVersion: v1\n"
         "clusters:\n"
         "- cluster:\n"
         "    certificate-authority-data: " +
         b64(kCaPem) +
         "\n"
         "    server: https://127.0.0.1:41235\n"
         "  name: kind-kind\n"
         "- cluster:\n"
         "    certificate-authority: pki/ca.crt\n"
         "    server: https://prod.example.com:6443\n"
         "    tls-server-name: kubernetes.default.svc\n"
         "  name: prod\n"
         "- cluster:\n"
         "    server: http://localhost:8080\n"
         "  name: local-insecure-port\n"
         "- cluster:\n"
         "    insecure-skip-tls-verify: true\n"
         "    server: https://[fd00::10]:6443/\n"
         "  name: lab-v6\n"
         "contexts:\n"
         "- context:\n"
         "    cluster: kind-kind\n"
         "    user: kind-kind\n"
         "  name: kind-kind\n"
         "- context:\n"
         "    cluster: prod\n"
         "    namespace: payments\n"
         "    user: prod-admin\n"
         "  name: kubernetes-admin@prod\n"
         "- context:\n"
         "    cluster: local-insecure-port\n"
         "    user: deployer\n"
         "  name: local\n"
         "- context:\n"
         "    cluster: lab-v6\n"
         "  name: lab\n"
         "current-context: kind-kind\n"
         "kind: Config\n"
         "preferences: {}\n"
         "users:\n"
         "- name: kind-kind\n"
         "  user:\n"
         "    client-certificate-data: " +
         b64(kCertPem) +
         "\n"
         "    client-key-data: " +
         b64(kKeyPem) +
         "\n"
         "- name: prod-admin\n"
         "  user:\n"
         "    client-certificate: pki/admin.crt\n"
         "    client-key: pki/admin.key\n"
         "    tokenFile: tokens/prod\n"
         "- name: deployer\n"
         "  user:\n"
         "    token: " +
         kToken + "\n";
}

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("pki/ca.crt", kCaPem);
    dir_.write("pki/admin.crt", kCertPem);
    dir_.write("pki/admin.key", kKeyPem);
    dir_.write("tokens/prod", kToken + "\n");
  }
  [[nodiscard]] std::string prefix() const {
    return "kubeconfig " + (dir_.path() / "config").string() + ": ";
  }

  // Loads `text` and returns the error message (failing when it loads).
  std::string error_of(const std::string& text, std::string_view context = {}) const {
    const auto path = dir_.write("config", text);
    auto cfg = load_kubeconfig(path, context);
    EXPECT_FALSE(cfg.ok());
    if (cfg.ok()) return {};
    EXPECT_EQ(cfg.error().kind, model::ErrorKind::kTerminal);
    EXPECT_THAT(cfg.error().message, Not(HasSubstr(kToken)));
    EXPECT_THAT(cfg.error().message, Not(HasSubstr("-----BEGIN CERTIFICATE")));
    EXPECT_THAT(cfg.error().message, Not(HasSubstr("c2VjcmV0LWtleS1ieXRlcw")));
    return cfg.error().message;
  }

  TempDir dir_;
};

TEST_F(KubeconfigTest, KindCurrentContextWithEmbeddedData) {
  const auto path = dir_.write("config", kind_kubeconfig());
  auto cfg = load_kubeconfig(path);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->endpoint.transport, http::Transport::kTls);
  EXPECT_EQ(cfg->endpoint.host, "127.0.0.1");
  EXPECT_EQ(cfg->endpoint.port, 41235);
  EXPECT_TRUE(cfg->endpoint.tls.verify);
  EXPECT_EQ(cfg->endpoint.tls.ca_pem, kCaPem);
  EXPECT_EQ(cfg->endpoint.tls.cert_pem, kCertPem);
  EXPECT_EQ(cfg->endpoint.tls.key_pem, kKeyPem);
  EXPECT_EQ(cfg->endpoint.tls.ca_file, "");
  EXPECT_EQ(cfg->endpoint.tls.cert_file, "");
  EXPECT_EQ(cfg->ns, "default");
  EXPECT_EQ(cfg->bearer_token, "");
  EXPECT_EQ(cfg->token_file, fs::path());
  EXPECT_EQ(cfg->source,
            "kubeconfig " + path.string() + ", context kind-kind, server https://127.0.0.1:41235");
  auto auth = cfg->authorization();
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(*auth, "");
}

TEST_F(KubeconfigTest, NamedContextWithRelativeFiles) {
  const auto path = dir_.write("config", kind_kubeconfig());
  auto cfg = load_kubeconfig(path, "kubernetes-admin@prod");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const auto& tls = cfg->endpoint.tls;
  EXPECT_EQ(cfg->endpoint.host, "prod.example.com");
  EXPECT_EQ(cfg->endpoint.port, 6443);
  EXPECT_EQ(tls.ca_file, (dir_.path() / "pki/ca.crt").string());
  EXPECT_EQ(tls.cert_file, (dir_.path() / "pki/admin.crt").string());
  EXPECT_EQ(tls.key_file, (dir_.path() / "pki/admin.key").string());
  EXPECT_EQ(tls.ca_pem, "");
  EXPECT_EQ(tls.server_name, "kubernetes.default.svc");
  EXPECT_EQ(cfg->token_file, dir_.path() / "tokens/prod");
  EXPECT_EQ(cfg->ns, "payments");
  EXPECT_EQ(cfg->source,
            "kubeconfig " + path.string() +
                ", context kubernetes-admin@prod, server https://prod.example.com:6443");
  auto auth = cfg->authorization();
  ASSERT_TRUE(auth.ok()) << auth.error().message;
  EXPECT_EQ(*auth, "Bearer " + kToken);
}

TEST_F(KubeconfigTest, PlainHttpServerWithStaticToken) {
  const auto path = dir_.write("config", kind_kubeconfig());
  auto cfg = load_kubeconfig(path, "local");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->endpoint.transport, http::Transport::kTcp);
  EXPECT_EQ(cfg->endpoint.port, 8080);
  EXPECT_EQ(cfg->bearer_token, kToken);
  EXPECT_EQ(cfg->source,
            "kubeconfig " + path.string() + ", context local, server http://localhost:8080");
  EXPECT_THAT(cfg->source, Not(HasSubstr(kToken)));
  auto auth = cfg->authorization();
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(*auth, "Bearer " + kToken);
}

TEST_F(KubeconfigTest, InsecureIpv6ClusterWithoutUser) {
  const auto path = dir_.write("config", kind_kubeconfig());
  auto cfg = load_kubeconfig(path, "lab");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->endpoint.host, "fd00::10");
  EXPECT_FALSE(cfg->endpoint.tls.verify);
  EXPECT_THAT(cfg->source, HasSubstr("server https://[fd00::10]:6443"));
  EXPECT_EQ(*cfg->authorization(), "");
}

TEST_F(KubeconfigTest, MissingFile) {
  auto cfg = load_kubeconfig(dir_.path() / "nope");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message, "kubeconfig " + (dir_.path() / "nope").string() + ": not found");
}

TEST_F(KubeconfigTest, DirectoryInsteadOfFile) {
  auto cfg = load_kubeconfig(dir_.path());
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message, "kubeconfig " + dir_.path().string() + ": is a directory");
}

TEST_F(KubeconfigTest, NotYaml) {
  EXPECT_THAT(error_of("clusters: [a\n"), StartsWith(prefix() + "not valid YAML: "));
}

TEST_F(KubeconfigTest, EmptyFile) { EXPECT_EQ(error_of(""), prefix() + "the file is empty"); }

TEST_F(KubeconfigTest, TopLevelNotAMapping) {
  EXPECT_EQ(error_of("- a\n"), prefix() + "expected a mapping at the top, got a sequence");
}

TEST_F(KubeconfigTest, UnknownContext) {
  EXPECT_EQ(error_of(kind_kubeconfig(), "staging"),
            prefix() +
                "context \"staging\" is not one of the contexts (kind-kind, "
                "kubernetes-admin@prod, local, lab)");
}

TEST_F(KubeconfigTest, NoCurrentContext) {
  EXPECT_EQ(error_of("contexts:\n- name: a\n  context: {cluster: c}\n"),
            prefix() + "current-context is not set; choose one of the contexts (a)");
}

TEST_F(KubeconfigTest, CurrentContextNotListed) {
  EXPECT_EQ(error_of("current-context: gone\n"),
            prefix() +
                "current-context: \"gone\" is not one of the contexts (there are none) "
                "(line 1)");
}

TEST_F(KubeconfigTest, ContextClusterNotListed) {
  EXPECT_EQ(error_of("clusters:\n"
                     "- name: a\n  cluster: {server: https://a}\n"
                     "- name: b\n  cluster: {server: https://b}\n"
                     "contexts:\n- name: x\n  context:\n    cluster: c\n"
                     "current-context: x\n"),
            prefix() +
                "contexts[0].context.cluster: \"c\" is not one of the clusters (a, b) "
                "(line 9)");
}

TEST_F(KubeconfigTest, ContextUserNotListed) {
  EXPECT_EQ(error_of("clusters:\n- name: a\n  cluster: {server: https://a}\n"
                     "contexts:\n- name: x\n  context: {cluster: a, user: u}\n"
                     "current-context: x\n"),
            prefix() +
                "contexts[0].context.user: \"u\" is not one of the users (there are none) "
                "(line 6)");
}

TEST_F(KubeconfigTest, ContextWithoutCluster) {
  EXPECT_THAT(error_of("contexts:\n- name: x\n  context: {user: u}\ncurrent-context: x\n"),
              StartsWith(prefix() + "contexts[0].context.cluster: missing"));
}

TEST_F(KubeconfigTest, EntryWithoutName) {
  EXPECT_THAT(error_of("clusters:\n- cluster: {server: https://a}\n"),
              StartsWith(prefix() + "clusters[0].name: missing"));
}

TEST_F(KubeconfigTest, ClustersNotASequence) {
  EXPECT_EQ(error_of("clusters: {}\n"),
            prefix() + "clusters: expected a sequence, got a mapping (line 1)");
}

// A minimal kubeconfig around one cluster body and one user body.
std::string one_context(const std::string& cluster, const std::string& user) {
  return "clusters:\n- name: c\n  cluster:\n" + cluster +
         "users:\n- name: kind\n- name: u\n  user:\n" + user +
         "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
         "current-context: x\n";
}
const std::string kServer = "    server: https://10.0.0.1:6443\n";

TEST_F(KubeconfigTest, ExecPluginRefused) {
  EXPECT_EQ(error_of(one_context(kServer, "    exec:\n      command: aws\n")),
            prefix() +
                "users[1].user.exec: exec credential plugins are not supported; use a "
                "token or client certificate (line 10)");
}

TEST_F(KubeconfigTest, AuthProviderRefused) {
  EXPECT_THAT(error_of(one_context(kServer, "    auth-provider:\n      name: oidc\n")),
              StartsWith(prefix() + "users[1].user.auth-provider: auth-provider plugins are not "
                                    "supported; use a token or client certificate"));
}

TEST_F(KubeconfigTest, BasicAuthRefused) {
  EXPECT_THAT(error_of(one_context(kServer, "    username: admin\n    password: hunter2\n")),
              AllOf(StartsWith(prefix() + "users[1].user.username: basic authentication"),
                    Not(HasSubstr("hunter2"))));
}

TEST_F(KubeconfigTest, ServerMissing) {
  EXPECT_THAT(error_of(one_context("    insecure-skip-tls-verify: true\n", "    token: t\n")),
              StartsWith(prefix() + "clusters[0].cluster.server: missing"));
}

TEST_F(KubeconfigTest, ServerNotHttp) {
  EXPECT_EQ(error_of(one_context("    server: tcp://10.0.0.1:6443\n", "    token: t\n")),
            prefix() +
                "clusters[0].cluster.server: \"tcp://10.0.0.1:6443\" is not an https:// or "
                "http:// URL (line 4)");
}

TEST_F(KubeconfigTest, ServerWithPathPrefix) {
  EXPECT_THAT(error_of(one_context("    server: https://rancher.example/k8s/clusters/c-1\n", "")),
              AllOf(StartsWith(prefix() + "clusters[0].cluster.server: invalid URL "
                                          "\"https://rancher.example/k8s/clusters/c-1\""),
                    HasSubstr("path")));
}

TEST_F(KubeconfigTest, CaFileMissingNamesResolvedPath) {
  EXPECT_EQ(error_of(one_context(kServer + "    certificate-authority: pki/missing.crt\n",
                                 "    token: t\n")),
            prefix() + "clusters[0].cluster.certificate-authority: \"" +
                (dir_.path() / "pki/missing.crt").string() + "\": not found (line 5)");
}

TEST_F(KubeconfigTest, AbsoluteCaPathKept) {
  const auto ca = dir_.path() / "pki/ca.crt";
  const auto path = dir_.write(
      "sub/config", one_context(kServer + "    certificate-authority: " + ca.string() + "\n", ""));
  auto cfg = load_kubeconfig(path);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->endpoint.tls.ca_file, ca.string());
}

TEST_F(KubeconfigTest, CaDataNotBase64) {
  EXPECT_EQ(error_of(one_context(kServer + "    certificate-authority-data: '%%%'\n", "")),
            prefix() + "clusters[0].cluster.certificate-authority-data: not valid base64 (line 5)");
}

TEST_F(KubeconfigTest, KeyDataNotPemAndNotShown) {
  const std::string user = "    client-certificate-data: " + b64(kCertPem) +
                           "\n    client-key-data: " + b64("sekret-key-material") + "\n";
  const auto message = error_of(one_context(kServer, user));
  EXPECT_EQ(message, prefix() +
                         "users[1].user.client-key-data: does not hold PEM text (no "
                         "\"-----BEGIN \" line) (line 10)");
  EXPECT_THAT(message, Not(HasSubstr("sekret")));
}

TEST_F(KubeconfigTest, WrappedBase64IsAccepted) {
  std::string wrapped = b64(kCaPem);
  wrapped.insert(20, "\n      ");
  const auto path = dir_.write(
      "config",
      one_context(kServer + "    certificate-authority-data: >-\n      " + wrapped + "\n", ""));
  auto cfg = load_kubeconfig(path);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->endpoint.tls.ca_pem, kCaPem);
}

TEST_F(KubeconfigTest, CaFileAndDataBothSet) {
  const std::string cluster = kServer + "    certificate-authority: pki/ca.crt\n" +
                              "    certificate-authority-data: " + b64(kCaPem) + "\n";
  EXPECT_THAT(error_of(one_context(cluster, "")),
              StartsWith(prefix() + "clusters[0].cluster: both certificate-authority and "
                                    "certificate-authority-data are set; keep one"));
}

TEST_F(KubeconfigTest, InsecureWithCaRefused) {
  EXPECT_THAT(error_of(one_context(kServer + "    certificate-authority: pki/ca.crt\n"
                                             "    insecure-skip-tls-verify: true\n",
                                   "")),
              StartsWith(prefix() + "clusters[0].cluster: insecure-skip-tls-verify together with "
                                    "a certificate authority; keep one"));
}

TEST_F(KubeconfigTest, InsecureNotABool) {
  EXPECT_EQ(error_of(one_context(kServer + "    insecure-skip-tls-verify: maybe\n", "")),
            prefix() +
                "clusters[0].cluster.insecure-skip-tls-verify: maybe is not true or false "
                "(line 5)");
}

TEST_F(KubeconfigTest, CertificateWithoutKey) {
  EXPECT_THAT(error_of(one_context(kServer, "    client-certificate: pki/admin.crt\n")),
              StartsWith(prefix() + "users[1].user: client-certificate without client-key"));
}

TEST_F(KubeconfigTest, TokenFileMissing) {
  EXPECT_EQ(error_of(one_context(kServer, "    tokenFile: tokens/none\n")),
            prefix() + "users[1].user.tokenFile: \"" + (dir_.path() / "tokens/none").string() +
                "\": not found (line 9)");
}

TEST_F(KubeconfigTest, TokenWithControlCharacterNotShown) {
  const auto message = error_of(one_context(kServer, "    token: \"abc\\r\\nX-Evil: 1\"\n"));
  EXPECT_THAT(message, StartsWith(prefix() + "users[1].user.token: holds a space or control "
                                             "character (value not shown)"));
  EXPECT_THAT(message, Not(HasSubstr("abc")));
}

TEST_F(KubeconfigTest, ProxyRefused) {
  EXPECT_THAT(error_of(one_context(kServer + "    proxy-url: http://proxy:3128\n", "")),
              StartsWith(prefix() + "clusters[0].cluster.proxy-url: proxies are not supported"));
}

// --- authorization() ---------------------------------------------------------

TEST(ConfigAuthorization, NoToken) {
  const ClusterConfig cfg;
  auto auth = cfg.authorization();
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(*auth, "");
}

TEST(ConfigAuthorization, StaticToken) {
  ClusterConfig cfg;
  cfg.bearer_token = "abc";
  EXPECT_EQ(*cfg.authorization(), "Bearer abc");
}

TEST(ConfigAuthorization, TokenFileIsReadOnEveryCallAndWins) {
  const TempDir dir;
  ClusterConfig cfg;
  cfg.bearer_token = "static";
  cfg.token_file = dir.write("token", "first\n");
  EXPECT_EQ(*cfg.authorization(), "Bearer first");
  dir.write("token", "second\r\n");  // rotated by the kubelet
  EXPECT_EQ(*cfg.authorization(), "Bearer second");
}

TEST(ConfigAuthorization, TokenFileGone) {
  const TempDir dir;
  ClusterConfig cfg;
  cfg.token_file = dir.path() / "token";
  auto auth = cfg.authorization();
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.error().kind, model::ErrorKind::kTransient);
  EXPECT_EQ(auth.error().message, "token file: cannot read \"" + cfg.token_file.string() +
                                      "\": No such file or directory");
}

TEST(ConfigAuthorization, TokenFileEmpty) {
  const TempDir dir;
  ClusterConfig cfg;
  cfg.token_file = dir.write("token", "\n");
  auto auth = cfg.authorization();
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.error().kind, model::ErrorKind::kTransient);
  EXPECT_EQ(auth.error().message, "token file \"" + cfg.token_file.string() + "\" is empty");
}

TEST(ConfigAuthorization, TokenFileWithControlCharacter) {
  const TempDir dir;
  ClusterConfig cfg;
  cfg.token_file = dir.write("token", "abc\ndef\n");
  auto auth = cfg.authorization();
  ASSERT_FALSE(auth.ok());
  EXPECT_THAT(auth.error().message, Not(HasSubstr("abc")));
}

// --- in_cluster_config() -----------------------------------------------------

class InClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("sa/token", kToken);
    dir_.write("sa/ca.crt", kCaPem);
    dir_.write("sa/namespace", "team-a\n");
  }
  [[nodiscard]] fs::path sa() const { return dir_.path() / "sa"; }
  TempDir dir_;
};

TEST_F(InClusterTest, Ipv4) {
  auto cfg = in_cluster_config(
      env_of({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}), sa());
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->endpoint.transport, http::Transport::kTls);
  EXPECT_EQ(cfg->endpoint.host, "10.96.0.1");
  EXPECT_EQ(cfg->endpoint.port, 443);
  EXPECT_TRUE(cfg->endpoint.tls.verify);
  EXPECT_EQ(cfg->endpoint.tls.ca_file, (sa() / "ca.crt").string());
  EXPECT_EQ(cfg->token_file, sa() / "token");
  EXPECT_EQ(cfg->bearer_token, "");
  EXPECT_EQ(cfg->ns, "team-a");
  EXPECT_EQ(cfg->source, "in-cluster, server https://10.96.0.1:443");
  EXPECT_EQ(*cfg->authorization(), "Bearer " + kToken);
}

TEST_F(InClusterTest, Ipv6) {
  auto cfg = in_cluster_config(
      env_of({{"KUBERNETES_SERVICE_HOST", "fd00:10:96::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}}),
      sa());
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->endpoint.host, "fd00:10:96::1");
  EXPECT_EQ(cfg->endpoint.port, 6443);
  EXPECT_EQ(cfg->source, "in-cluster, server https://[fd00:10:96::1]:6443");
}

TEST_F(InClusterTest, NotInAPod) {
  auto cfg = in_cluster_config(env_of({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}}), sa());
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message,
            "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set "
            "(they are in a pod)");
}

TEST_F(InClusterTest, BadPort) {
  auto cfg = in_cluster_config(
      env_of({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "https"}}),
      sa());
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.error().message, StartsWith("in-cluster: KUBERNETES_SERVICE_HOST \"10.96.0.1\", "
                                              "KUBERNETES_SERVICE_PORT \"https\": invalid URL"));
}

TEST_F(InClusterTest, NoTokenMounted) {
  fs::remove(sa() / "token");
  auto cfg = in_cluster_config(
      env_of({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}), sa());
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message, "in-cluster: service account file \"" + (sa() / "token").string() +
                                     "\": not found (is a service account token mounted in this "
                                     "pod?)");
}

TEST_F(InClusterTest, NoCa) {
  fs::remove(sa() / "ca.crt");
  auto cfg = in_cluster_config(
      env_of({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}), sa());
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.error().message, HasSubstr("\"" + (sa() / "ca.crt").string() + "\": not found"));
}

TEST_F(InClusterTest, EmptyNamespace) {
  dir_.write("sa/namespace", "");
  auto cfg = in_cluster_config(
      env_of({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}), sa());
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message, "in-cluster: \"" + (sa() / "namespace").string() + "\" is empty");
}

// --- resolve_config() --------------------------------------------------------

class ConfigResolveTest : public ::testing::Test {
 protected:
  fs::path config(const std::string& relative, const std::string& server) const {
    return dir_.write(relative, "clusters:\n- name: c\n  cluster: {server: '" + server +
                                    "'}\ncontexts:\n- name: x\n  context: {cluster: c}\n"
                                    "- name: other\n  context: {cluster: c, namespace: o}\n"
                                    "current-context: x\n");
  }
  TempDir dir_;
};

TEST_F(ConfigResolveTest, FlagWins) {
  const auto flag = config("flag.yaml", "https://flag:6443");
  config("env.yaml", "https://env:6443");
  auto cfg = resolve_config(flag, {},
                            env_of({{"KUBECONFIG", (dir_.path() / "env.yaml").string()},
                                    {"KUBERNETES_SERVICE_HOST", "10.96.0.1"}}));
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->endpoint.host, "flag");
}

TEST_F(ConfigResolveTest, FlagFileMissingIsAnError) {
  auto cfg = resolve_config(dir_.path() / "none", {}, env_of({}));
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message, "kubeconfig " + (dir_.path() / "none").string() + ": not found");
}

TEST_F(ConfigResolveTest, FirstExistingFileOfKubeconfigVariable) {
  config("b.yaml", "https://b:6443");
  config("c.yaml", "https://c:6443");
  const auto list = (dir_.path() / "a.yaml").string() + "::" + (dir_.path() / "b.yaml").string() +
                    ":" + (dir_.path() / "c.yaml").string();
  auto cfg = resolve_config(std::nullopt, "other", env_of({{"KUBECONFIG", list}}));
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->endpoint.host, "b");
  EXPECT_EQ(cfg->ns, "o");
}

TEST_F(ConfigResolveTest, InClusterBeforeHome) {
  config("home/.kube/config", "https://home:6443");
  auto cfg = resolve_config(std::nullopt, {},
                            env_of({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                    {"KUBERNETES_SERVICE_PORT", "443"},
                                    {"HOME", (dir_.path() / "home").string()}}));
  // The real service account folder decides; either way it is the in-cluster path.
  if (cfg.ok()) {
    EXPECT_THAT(cfg->source, StartsWith("in-cluster"));
  } else {
    EXPECT_THAT(cfg.error().message, StartsWith("in-cluster: "));
  }
}

TEST_F(ConfigResolveTest, ContextSkipsInCluster) {
  config("home/.kube/config", "https://home:6443");
  auto cfg = resolve_config(std::nullopt, "other",
                            env_of({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                    {"KUBERNETES_SERVICE_PORT", "443"},
                                    {"HOME", (dir_.path() / "home").string()}}));
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->endpoint.host, "home");
  EXPECT_EQ(cfg->ns, "o");
}

TEST_F(ConfigResolveTest, HomeWhenNothingElse) {
  const auto file = config("home/.kube/config", "http://home:8080");
  auto cfg = resolve_config(std::nullopt, {},
                            env_of({{"KUBECONFIG", (dir_.path() / "none").string()},
                                    {"HOME", (dir_.path() / "home").string()}}));
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->source, "kubeconfig " + file.string() + ", context x, server http://home:8080");
}

TEST_F(ConfigResolveTest, NothingFoundListsWhatWasTried) {
  const auto none = (dir_.path() / "none").string();
  auto cfg = resolve_config(std::nullopt, {},
                            env_of({{"KUBECONFIG", none}, {"HOME", dir_.path().string()}}));
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message,
            "no Kubernetes configuration found; tried --kubeconfig (not given), $KUBECONFIG \"" +
                none + "\" (no such file), in-cluster (KUBERNETES_SERVICE_HOST not set), " +
                (dir_.path() / ".kube/config").string() + " (no such file)");
}

TEST_F(ConfigResolveTest, NothingFoundWithoutEnvironment) {
  auto cfg = resolve_config(std::nullopt, {}, env_of({}));
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message,
            "no Kubernetes configuration found; tried --kubeconfig (not given), $KUBECONFIG (not "
            "set), in-cluster (KUBERNETES_SERVICE_HOST not set), $HOME/.kube/config ($HOME not "
            "set)");
}

TEST(ConfigProcessEnv, ReadsTheProcessEnvironment) {
  const auto env = process_env();
  EXPECT_EQ(env("REWIND_SURELY_UNSET_VARIABLE_42"), std::nullopt);
  ::setenv("REWIND_KUBECFG_TEST_VAR", "v", 1);
  EXPECT_EQ(env("REWIND_KUBECFG_TEST_VAR"), std::optional<std::string>("v"));
  ::unsetenv("REWIND_KUBECFG_TEST_VAR");
}

}  // namespace
}  // namespace rwd::kube
