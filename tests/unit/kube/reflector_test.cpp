// The reflector: list, watch, watch again, list again after 410 and errors.

#include "rewind/kube/reflector.hpp"

#include <gtest/gtest.h>

#include "fake_api.hpp"

namespace rwd::kube {
namespace {

using testing::FakeApiState;

struct ReflectorTest : ::testing::Test {
  std::shared_ptr<FakeApiState> state = std::make_shared<FakeApiState>();
  Api api{testing::fake_cluster(), ApiOptions{}, testing::fake_factory(state)};
  std::vector<std::vector<std::string>> replaced;  // names per replace
  std::vector<std::string> events;                 // "ADDED a"
  std::vector<std::chrono::milliseconds> waits;
  std::stop_source stop;

  void add(const std::string& name) {
    state->objects["/api/v1/namespaces/a/services/" + name] =
        Json{{"metadata",
              {{"name", name},
               {"namespace", "a"},
               {"resourceVersion", std::to_string(++state->version)}}}};
  }

  // Stops the reflector after `n` waits (the fake never blocks).
  Reflector make(std::size_t stop_after_waits) {
    return Reflector(
        api, "/api/v1/services",
        ReflectorHandlers{[this](std::vector<Json> items) {
                            std::vector<std::string> names;
                            for (const auto& i : items) names.push_back(meta_string(i, "name"));
                            replaced.push_back(names);
                          },
                          [this](WatchType t, const Json& o) {
                            events.push_back(std::string(t == WatchType::kAdded      ? "ADDED"
                                                         : t == WatchType::kModified ? "MODIFIED"
                                                                                     : "DELETED") +
                                             " " + meta_string(o, "name"));
                          },
                          {}},
        [this, stop_after_waits](std::chrono::milliseconds d, std::stop_token) {
          waits.push_back(d);
          if (waits.size() >= stop_after_waits) stop.request_stop();
        });
  }
};

TEST_F(ReflectorTest, ListsThenWatchesFromTheListVersionAndWatchesAgainWhenClosed) {
  add("s1");
  const std::string list_version = std::to_string(state->version);
  state->watch_scripts.push_back(
      {R"({"type":"ADDED","object":{"metadata":{"name":"s2","resourceVersion":"200"}}})"});
  state->watch_scripts.push_back(
      {R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"250"}}})",
       R"({"type":"MODIFIED","object":{"metadata":{"name":"s2","resourceVersion":"260"}}})"});
  // Third watch: no script left -> 410 -> list again; then stop on the next wait.
  state->watch_scripts.push_back({"<broken>"});
  Reflector r = make(1);
  r.run(stop.get_token());
  ASSERT_GE(replaced.size(), 1U);
  EXPECT_EQ(replaced[0], std::vector<std::string>{"s1"});
  EXPECT_EQ(events, (std::vector<std::string>{"ADDED s2", "MODIFIED s2"}));
  const auto reqs = state->methods_and_targets();
  ASSERT_GE(reqs.size(), 4U);
  EXPECT_EQ(reqs[1], "GET /api/v1/services?watch=true&allowWatchBookmarks=true&resourceVersion=" +
                         list_version + "&timeoutSeconds=300");
  // Watched again from the last event's version, then from the bookmark's successor.
  EXPECT_NE(reqs[2].find("resourceVersion=200&"), std::string::npos);
  EXPECT_NE(reqs[3].find("resourceVersion=260&"), std::string::npos);
  EXPECT_TRUE(r.has_synced());
  EXPECT_EQ(waits, std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(1000)});
}

TEST_F(ReflectorTest, GoneListsAgainAndHandsOverTheCompleteSet) {
  add("s1");
  // First watch: 410 at once (no scripts) -> list again; the second list sees s2 too.
  std::size_t lists = 0;
  Reflector r(api, "/api/v1/services",
              ReflectorHandlers{[&](std::vector<Json> items) {
                                  ++lists;
                                  replaced.push_back({});
                                  for (const auto& i : items)
                                    replaced.back().push_back(meta_string(i, "name"));
                                  if (lists == 1) add("s2");
                                  if (lists == 2) stop.request_stop();
                                },
                                [](WatchType, const Json&) {},
                                {}},
              [](std::chrono::milliseconds, std::stop_token) { FAIL() << "no wait after a 410"; });
  r.run(stop.get_token());
  ASSERT_EQ(replaced.size(), 2U);
  EXPECT_EQ(replaced[1], (std::vector<std::string>{"s1", "s2"}));
  EXPECT_EQ(r.stats().lists, 2U);
}

TEST_F(ReflectorTest, ErrorsBackOffDoublingUpToThirtySeconds) {
  // Every list fails: no object path answers for a name without "s" at the end.
  Reflector r(api, "/api/v1/namespaces/a/servicex",
              ReflectorHandlers{[](std::vector<Json>) {}, [](WatchType, const Json&) {}, {}},
              [this](std::chrono::milliseconds d, std::stop_token) {
                waits.push_back(d);
                if (waits.size() == 7) stop.request_stop();
              });
  r.run(stop.get_token());
  using ms = std::chrono::milliseconds;
  EXPECT_EQ(waits, (std::vector<ms>{ms(1000), ms(2000), ms(4000), ms(8000), ms(16000), ms(30000),
                                    ms(30000)}));
  EXPECT_FALSE(r.has_synced());
  EXPECT_EQ(r.stats().errors, 7U);
}

}  // namespace
}  // namespace rwd::kube
