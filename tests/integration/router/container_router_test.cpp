// The nginx router against nginx in a proxy container, through the Docker
// Engine API: `nginx -t` by exec, SIGHUP by kill, workers by top. The image
// is made here with `docker import` of the host's nginx binary and the
// libraries ldd lists (no registry); the container uses the host network and
// a bind-mounted configuration directory, the backends are demo apps on loopback.

#include <cstdio>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/docker/client.hpp"
#include "rewind/docker/container_nginx.hpp"
#include "rewind/http/client.hpp"
#include "rewind/router/nginx_router.hpp"
#include "rewind/router/nginx_upstream.hpp"

#include "router/nginx_server.hpp"

namespace rwd::router {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

const model::ObjectKey kWeb{"default", "web"};

// rewind-it-nginx:<sha of the binary>, imported once (reused while the binary is the same).
::testing::AssertionResult ensure_nginx_image(std::string& image) {
  const auto sha = itest::run_command("sha256sum /usr/sbin/nginx | cut -c1-12");
  if (sha.exit_code != 0) return ::testing::AssertionFailure() << sha.output;
  image = "rewind-it-nginx:" + itest::trimmed(sha.output);
  if (itest::run_command("docker image inspect " + image + " >/dev/null").exit_code == 0) {
    return ::testing::AssertionSuccess();
  }
  const std::string script = R"sh(
set -e
s=$(mktemp -d)
trap 'rm -rf "$s"' EXIT
mkdir -p "$s/usr/sbin" "$s/etc/nginx" "$s/var/log/nginx" "$s/var/lib/nginx" "$s/run" "$s/tmp"
cp /usr/sbin/nginx "$s/usr/sbin/nginx"
for lib in $(ldd /usr/sbin/nginx | grep -o '/[^ ]*'); do
  mkdir -p "$s$(dirname "$lib")"
  cp -L "$lib" "$s$lib"
done
printf 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$s/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$s/etc/group"
tar -C "$s" -c . | docker import \
  --change 'CMD ["/usr/sbin/nginx", "-g", "daemon off;"]' \
  --change 'ENV PATH=/usr/sbin:/usr/bin' - "$IMAGE" >/dev/null
)sh";
  const auto r = itest::run_command("IMAGE=" + image + " sh -c " + itest::shell_quote(script));
  if (r.exit_code != 0)
    return ::testing::AssertionFailure() << "docker import failed: " << r.output;
  return ::testing::AssertionSuccess();
}

class ContainerRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(itest::docker_answers());
    itest::DockerCleanup::remove_leftovers();
    std::string image;
    ASSERT_TRUE(ensure_nginx_image(image));
    blue_ = std::make_unique<itest::DemoApp>("v1");
    green_ = std::make_unique<itest::DemoApp>("v2");

    // The configuration as nginx sees it inside the container.
    dir_ = itest::make_temp_dir("nginx-container");
    std::filesystem::create_directories(dir_ / "upstreams");
    std::filesystem::create_directories(dir_ / "tmp");
    port_ = itest::free_loopback_port();
    itest::write_text(
        dir_ / "nginx.conf",
        itest::nginx_config("/etc/nginx", port_, upstream_name(kWeb), "user nobody nogroup;\n"));
    itest::write_text(dir_ / "upstreams" / upstream_file_name(kWeb),
                      render_upstream(kWeb, weights(100, 0)));
    container_ = itest::unique_name("nginx");
    const auto run = itest::run_command("docker run -d --name " + container_ + " " +
                                        itest::label_args() + " --network host -v " +
                                        itest::shell_quote(dir_.string()) + ":/etc/nginx " + image);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    ASSERT_TRUE(itest::wait_http_ok(port_, "/version", std::chrono::seconds(20)))
        << itest::read_text(dir_ / "error.log")
        << itest::run_command("docker logs " + container_).output;

    auto ep = http::parse_endpoint(std::string("unix://") + itest::kDockerSocket);
    ASSERT_TRUE(ep.ok());
    auto http = http::make_client(*ep);
    ASSERT_TRUE(http.ok());
    auto client = docker::Client::connect(std::move(http.value()));
    ASSERT_TRUE(client.ok()) << client.error().message();
    auto control = docker::make_container_nginx(
        std::move(client.value()),
        {container_, {"/usr/sbin/nginx", "-t", "-q"}, std::chrono::milliseconds(10'000)});
    ASSERT_TRUE(control.ok()) << control.error().message;
    auto router = NginxRouter::create(
        {dir_ / "upstreams", std::chrono::milliseconds(2000), std::chrono::milliseconds(5)},
        std::move(control.value()));
    ASSERT_TRUE(router.ok()) << router.error().message;
    router_ = std::move(router.value());
  }

  void TearDown() override {
    router_.reset();
    itest::run_command("docker rm -f -v " + container_);
    std::filesystem::remove_all(dir_);
  }

  std::vector<Backend> weights(int blue, int green) const {
    return {{"blue", blue_->address(), blue}, {"green", green_->address(), green}};
  }

  std::unique_ptr<itest::DemoApp> blue_;
  std::unique_ptr<itest::DemoApp> green_;
  std::filesystem::path dir_;
  int port_ = 0;
  std::string container_;
  itest::DockerCleanup cleanup_;
  std::unique_ptr<NginxRouter> router_;
};

TEST_F(ContainerRouterTest, SwitchesTrafficThroughTheDockerApi) {
  EXPECT_EQ(itest::versions(port_, 20), (std::map<std::string, int>{{"v1", 20}}));

  auto start = Clock::now();
  ASSERT_TRUE(router_->set_weights(kWeb, weights(0, 100)).ok());
  std::printf("[ timing   ] set_weights through the Docker API: %.1f ms\n",
              std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  EXPECT_EQ(itest::versions(port_, 20), (std::map<std::string, int>{{"v2", 20}}));
  EXPECT_EQ(*router_->weights(kWeb), weights(0, 100));
  EXPECT_THAT(itest::read_text(dir_ / "error.log"), HasSubstr("signal 1 (SIGHUP) received"));

  start = Clock::now();
  ASSERT_TRUE(router_->set_weights(kWeb, weights(100, 0)).ok());
  std::printf("[ timing   ] switchback through the Docker API: %.1f ms\n",
              std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  EXPECT_EQ(itest::versions(port_, 20), (std::map<std::string, int>{{"v1", 20}}));
}

TEST_F(ContainerRouterTest, ABrokenConfigIsRejectedByNginxInTheContainer) {
  const auto path = dir_ / "upstreams" / "default_web.conf";
  const std::string before = itest::read_text(path);
  itest::write_text(dir_ / "upstreams" / "zz_by_hand.conf", "bogus_directive on;\n");
  auto st = router_->set_weights(kWeb, weights(0, 100));
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("in container " + container_));
  EXPECT_THAT(st.error().message,
              HasSubstr("unknown directive \"bogus_directive\" in /etc/nginx/upstreams/"
                        "zz_by_hand.conf:1"));
  EXPECT_EQ(itest::read_text(path), before);
  EXPECT_EQ(itest::versions(port_, 10), (std::map<std::string, int>{{"v1", 10}}));
}

TEST_F(ContainerRouterTest, AStoppedContainerIsNamed) {
  ASSERT_EQ(itest::run_command("docker stop -t 5 " + container_).exit_code, 0);
  const auto path = dir_ / "upstreams" / "default_web.conf";
  const std::string before = itest::read_text(path);
  auto st = router_->set_weights(kWeb, weights(0, 100));
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message,
              HasSubstr("cannot list the processes of nginx container " + container_));
  EXPECT_THAT(st.error().message, HasSubstr("is not running"));
  EXPECT_EQ(itest::read_text(path), before);
}

}  // namespace
}  // namespace rwd::router
