#include "rewind/docker/parse.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace rwd::docker {
namespace {

TEST(ParseVersion, Engine2010) {
  auto v = parse_version(fixtures::kVersion);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->version, "20.10.24+dfsg1");
  EXPECT_EQ(v->api_version, (ApiVersion{1, 41}));
  ASSERT_TRUE(v->min_api_version.has_value());
  EXPECT_EQ(*v->min_api_version, (ApiVersion{1, 12}));
  EXPECT_EQ(v->os, "linux");
}

TEST(ParseVersion, RefusesAMissingOrBadApiVersion) {
  EXPECT_FALSE(parse_version(R"({"Version":"x"})").ok());
  EXPECT_FALSE(parse_version(R"({"ApiVersion":"one"})").ok());
  EXPECT_FALSE(parse_version(R"({"ApiVersion":141})").ok());
  EXPECT_FALSE(parse_version("[]").ok());
}

TEST(ApiVersion, ParsesAndOrders) {
  EXPECT_EQ(parse_api_version("1.41"), (ApiVersion{1, 41}));
  EXPECT_EQ(parse_api_version("1.9"), (ApiVersion{1, 9}));
  EXPECT_FALSE(parse_api_version("1").has_value());
  EXPECT_FALSE(parse_api_version("1.").has_value());
  EXPECT_FALSE(parse_api_version(".4").has_value());
  EXPECT_FALSE(parse_api_version("1.4x").has_value());
  EXPECT_FALSE(parse_api_version("1.99999").has_value());
  EXPECT_LT((ApiVersion{1, 9}), (ApiVersion{1, 41}));
  EXPECT_EQ((ApiVersion{1, 41}).str(), "1.41");
}

TEST(ParseContainerList, Summary) {
  auto list = parse_container_list(fixtures::kContainerList);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 1U);
  const auto& c = list->front();
  EXPECT_EQ(c.id.substr(0, 12), "ee8d5d32aa85");
  EXPECT_EQ(c.names, std::vector<std::string>{"shop-api-1"});
  EXPECT_EQ(c.image, "shop-api:v1");
  EXPECT_EQ(c.state, "running");
  EXPECT_EQ(c.created, 1795250164);
  EXPECT_EQ(c.labels.at("com.docker.compose.service"), "api");
}

TEST(ParseContainerList, EmptyAndWrongShapes) {
  EXPECT_TRUE(parse_container_list("[]")->empty());
  EXPECT_FALSE(parse_container_list("{}").ok());
  EXPECT_FALSE(parse_container_list("[1]").ok());
  EXPECT_FALSE(parse_container_list(R"([{"Names":["/x"]}])").ok());  // no Id
  auto bad = parse_container_list(R"([{"Id":"a","Labels":{"x":1}}])");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("[0].Labels.x: expected a string"), std::string::npos)
      << bad.error().message;
}

TEST(ParseContainerInspect, ReadsWhatRewindNeeds) {
  auto c = parse_container_inspect(fixtures::kInspect);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->name, "shop-api-1");
  EXPECT_EQ(c->image, "shop-api:v1");
  EXPECT_EQ(c->image_id.substr(0, 7), "sha256:");
  EXPECT_TRUE(c->running);
  EXPECT_EQ(c->status, "running");
  EXPECT_EQ(c->health, "healthy");
  EXPECT_EQ(c->network_mode, "shop_default");
  EXPECT_EQ(c->env.front(), "LOG_LEVEL=info");
  EXPECT_EQ(c->labels.at("rewind.dev/managed-env"), "LOG_LEVEL,OLD_FLAG");
  ASSERT_EQ(c->ports.at("8000/tcp").size(), 2U);
  EXPECT_EQ(c->ports.at("8000/tcp")[0], (PortBinding{"0.0.0.0", "8080"}));
  EXPECT_TRUE(c->ports.at("9000/tcp").empty());
  ASSERT_EQ(c->networks.size(), 2U);
  EXPECT_EQ(c->networks[0].name, "shop_backend");
  EXPECT_EQ(c->networks[1].ip_address, "172.20.0.2");
  ASSERT_EQ(c->mounts.size(), 2U);
  EXPECT_EQ(c->mounts[0].type, "bind");
  EXPECT_FALSE(c->mounts[0].rw);
  EXPECT_EQ(c->mounts[1].destination, "/data");
  // The raw documents for recreation.
  EXPECT_EQ(c->config["Cmd"], nlohmann::json({"/app", "--serve"}));
  EXPECT_EQ(c->host_config["RestartPolicy"]["Name"], "unless-stopped");
  EXPECT_TRUE(c->network_settings_networks.contains("shop_backend"));
}

TEST(ParseContainerInspect, StoppedWithoutHealthcheck) {
  auto c = parse_container_inspect(
      R"({"Id":"abc","Name":"/x","State":{"Status":"exited","Running":false,"ExitCode":137},
          "Config":{"Image":"a:1","Env":null,"Labels":null},"HostConfig":{"NetworkMode":"default"},
          "NetworkSettings":{"Ports":{},"Networks":{}},"Mounts":[]})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->running);
  EXPECT_EQ(c->exit_code, 137);
  EXPECT_EQ(c->health, "");
  EXPECT_TRUE(c->env.empty());
  EXPECT_TRUE(c->labels.empty());
}

TEST(ParseContainerInspect, WrongTypesNameTheField) {
  auto c = parse_container_inspect(R"({"Id":"abc","State":{"Running":"yes"}})");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("State.Running: expected true or false"), std::string::npos)
      << c.error().message;
  EXPECT_FALSE(parse_container_inspect(R"({"Id":"abc","Config":[]})").ok());
  EXPECT_FALSE(parse_container_inspect(R"({"Id":"abc","Config":{"Env":"A=1"}})").ok());
  EXPECT_FALSE(
      parse_container_inspect(R"({"Id":"a","NetworkSettings":{"Ports":{"1/tcp":5}}})").ok());
  EXPECT_FALSE(
      parse_container_inspect(R"({"Id":"a","NetworkSettings":{"Networks":{"n":1}}})").ok());
  EXPECT_FALSE(parse_container_inspect(R"({"Id":"a","Mounts":{}})").ok());
  EXPECT_FALSE(parse_container_inspect(R"({"Id":"a","State":{"ExitCode":1.5}})").ok());
  EXPECT_FALSE(parse_container_inspect(R"({"Name":"/no-id"})").ok());
}

TEST(ParseImageInspect, ConfigIsKept) {
  auto i = parse_image_inspect(fixtures::kImage);
  ASSERT_TRUE(i.ok()) << i.error().message;
  EXPECT_EQ(i->repo_tags, std::vector<std::string>{"shop-api:v1"});
  EXPECT_EQ(i->config["Cmd"], nlohmann::json({"/app"}));
  EXPECT_FALSE(parse_image_inspect(R"({"RepoTags":[]})").ok());
}

TEST(ParseCreateResponse, Id) {
  auto id = parse_create_response(R"({"Id":"abc123","Warnings":[]})");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "abc123");
  EXPECT_FALSE(parse_create_response(R"({"Warnings":[]})").ok());
  EXPECT_FALSE(parse_create_response(R"("abc")").ok());
}

TEST(ParseEvent, ContainerStartAndDie) {
  auto start = parse_event(fixtures::kEventStart);
  ASSERT_TRUE(start.ok()) << start.error().message;
  EXPECT_EQ(start->type, "container");
  EXPECT_EQ(start->action, "start");
  EXPECT_EQ(start->id, "ee8d5d32aa85");
  EXPECT_EQ(start->attributes.at("name"), "shop-api-1");
  EXPECT_EQ(start->time_nano, 1795250175755966976);
  auto die = parse_event(fixtures::kEventDie);
  ASSERT_TRUE(die.ok());
  EXPECT_EQ(die->attributes.at("exitCode"), "0");
}

TEST(ParseEvent, OldFormatAndSecondsOnly) {
  auto e = parse_event(R"({"status":"stop","id":"abc","time":10})");
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->action, "stop");
  EXPECT_EQ(e->id, "abc");
  EXPECT_EQ(e->time_nano, 10'000'000'000);
  EXPECT_FALSE(parse_event(R"({"Type":"container"})").ok());  // no action
  EXPECT_FALSE(parse_event("not json").ok());
  EXPECT_FALSE(parse_event(R"({"Action":"x","timeNano":"1"})").ok());
}

TEST(ParseJson, RefusesDeepNestingWithoutRecursing) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto r = parse_container_list(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("nested deeper than 64"), std::string::npos);
  // Brackets inside strings do not count.
  const std::string in_string = "[{\"Id\":\"" + std::string(1000, '[') + "\"}]";
  EXPECT_TRUE(parse_container_list(in_string).ok());
}

TEST(ParseJson, InvalidTextAndUtf8AreErrorsNotExceptions) {
  EXPECT_FALSE(parse_json("", "x").ok());
  EXPECT_FALSE(parse_json("{\"a\":", "x").ok());
  EXPECT_FALSE(parse_json("\"\xff\xfe\"", "x").ok());
  EXPECT_FALSE(parse_json("{\"a\":1}garbage", "x").ok());
}

TEST(ParseErrorMessage, MessageFieldOrCleanedText) {
  EXPECT_EQ(parse_error_message(R"({"message":"No such container: nope"})"),
            "No such container: nope");
  EXPECT_EQ(parse_error_message("page not found\n"), "page not found");
  EXPECT_EQ(parse_error_message("a\x01"
                                "b"),
            "a b");
  EXPECT_EQ(parse_error_message(std::string(2000, 'x')).size(), 515U);
}

TEST(ParsePullError, FindsErrorsInProgressLines) {
  EXPECT_FALSE(parse_pull_error(R"({"status":"Pulling from library/x","id":"1"})").has_value());
  EXPECT_EQ(parse_pull_error(
                R"({"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"})"),
            "manifest unknown");
  EXPECT_EQ(parse_pull_error(R"({"error":"denied"})"), "denied");
  EXPECT_FALSE(parse_pull_error("\"error").has_value());
}

}  // namespace
}  // namespace rwd::docker
