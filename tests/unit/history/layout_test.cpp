#include "rewind/history/layout.hpp"

#include <string>

#include <gtest/gtest.h>

namespace rwd::history {
namespace {

using model::ObjectKey;

TEST(CheckKeyTest, AcceptsDnsNames) {
  EXPECT_TRUE(check_key({"shop", "api"}).ok());
  EXPECT_TRUE(check_key({"default", "api-v2.canary"}).ok());
  EXPECT_TRUE(check_key({"a", std::string(253, 'x')}).ok());
}

TEST(CheckKeyTest, RefusesWhatCouldLeaveTheDirectory) {
  for (const ObjectKey& key : std::initializer_list<ObjectKey>{
           {"", "api"},
           {"shop", ""},
           {"shop", "a/b"},
           {"shop/x", "api"},
           {"..", "api"},
           {"shop", ".."},
           {"shop", "a..b"},
           {"shop", std::string("a\0b", 3)},
           {"shop", ".hidden"},
           {"shop", ".tmp-1-2-3"},
           {"shop", "line\nbreak"},
           {"shop", std::string(254, 'x')},
       }) {
    const model::Status st = check_key(key);
    EXPECT_FALSE(st.ok()) << key.ns << "/" << key.name;
    if (!st.ok()) {
      EXPECT_EQ(st.error().kind, model::ErrorKind::kInvalidSpec);
    }
  }
}

TEST(CheckKeyTest, MessageNamesTheKeyAndTheProblem) {
  const model::Status st = check_key({"shop", std::string("a\0b", 3)});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, R"(refusing key "shop/a\x00b": the name contains a NUL byte)");
  EXPECT_EQ(check_key({"../etc", "x"}).error().message,
            R"(refusing key "../etc/x": the namespace starts with '.')");
  EXPECT_EQ(check_key({"shop", "a/b"}).error().message,
            R"(refusing key "shop/a/b": the name contains '/')");
}

TEST(StateLayoutTest, Paths) {
  const StateLayout layout("/var/lib/rewind");
  EXPECT_EQ(layout.history_root(), "/var/lib/rewind/history");
  EXPECT_EQ(layout.history_file({"shop", "api"}), "/var/lib/rewind/history/shop/api.json");
  EXPECT_EQ(layout.status_file(StatusKind::kRelease, {"shop", "api"}),
            "/var/lib/rewind/status/shop/releases/api.json");
  EXPECT_EQ(layout.status_file(StatusKind::kRollback, {"shop", "incident-42"}),
            "/var/lib/rewind/status/shop/rollbacks/incident-42.json");
}

}  // namespace
}  // namespace rwd::history
