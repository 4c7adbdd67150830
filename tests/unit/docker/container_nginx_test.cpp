// The nginx workers in a container's process list (GET /containers/{id}/top).

#include "rewind/docker/container_nginx.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rwd::docker {
namespace {

const std::vector<std::string> kTitles{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"};

TEST(ContainerNginxTest, WorkersAreTheMastersServingChildren) {
  ContainerTop top{
      kTitles,
      {{"root", "500", "480", "0", "10:00", "?", "00:00:00",
        "nginx: master process /usr/sbin/nginx -g daemon off;"},
       {"nobody", "510", "500", "0", "10:00", "?", "00:00:00",
        "nginx: worker process is shutting down"},
       {"nobody", "512", "500", "0", "10:01", "?", "00:00:00", "nginx: worker process"},
       {"nobody", "511", "500", "0", "10:01", "?", "00:00:00", "nginx: worker process"},
       {"root", "520", "480", "0", "10:01", "?", "00:00:00", "nginx: worker process"}}};
  auto w = nginx_workers_from_top(top, "proxy");
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(*w, (std::vector<int>{511, 512}));
}

TEST(ContainerNginxTest, NoMasterIsAnError) {
  ContainerTop top{kTitles, {{"root", "1", "0", "0", "10:00", "?", "00:00:00", "/demo-app"}}};
  auto w = nginx_workers_from_top(top, "proxy");
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(w.error().message, ::testing::HasSubstr("container proxy runs no"));
  auto cols = nginx_workers_from_top(ContainerTop{{"PID", "CMD"}, {}}, "proxy");
  ASSERT_FALSE(cols.ok());
  EXPECT_THAT(cols.error().message, ::testing::HasSubstr("no PID, PPID and CMD columns"));
}

}  // namespace
}  // namespace rwd::docker
