#include <sys/inotify.h>

#include <cstring>
#include <initializer_list>
#include <vector>

#include <gtest/gtest.h>

#include "rewind/source/inotify.hpp"

namespace rwd::source {
namespace {

// Lays out events the way the kernel does: header, then a NUL-padded name.
void put(std::vector<char>& buf, int wd, std::uint32_t mask, const std::string& name,
         std::uint32_t len) {
  inotify_event e{};
  e.wd = wd;
  e.mask = mask;
  e.cookie = 7;
  e.len = len;
  const std::size_t at = buf.size();
  buf.resize(at + sizeof e + len, '\0');
  std::memcpy(buf.data() + at, &e, sizeof e);
  std::memcpy(buf.data() + at + sizeof e, name.data(), name.size());
}

TEST(InotifyEvents, ParsesRecordsWithPaddedNames) {
  std::vector<char> buf;
  put(buf, 1, IN_CLOSE_WRITE, "api.yaml", 16);
  put(buf, 2, IN_DELETE_SELF, "", 0);
  put(buf, -1, IN_Q_OVERFLOW, "", 0);
  const auto events = parse_inotify_events(buf.data(), buf.size());
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[0].wd, 1);
  EXPECT_EQ(events[0].mask, static_cast<std::uint32_t>(IN_CLOSE_WRITE));
  EXPECT_EQ(events[0].name, "api.yaml");
  EXPECT_EQ(events[0].cookie, 7U);
  EXPECT_EQ(events[1].name, "");
  EXPECT_EQ(events[2].mask, static_cast<std::uint32_t>(IN_Q_OVERFLOW));
}

TEST(InotifyEvents, DropsATruncatedRecord) {
  std::vector<char> buf;
  put(buf, 1, IN_CREATE, "a.yaml", 16);
  put(buf, 1, IN_CREATE, "b.yaml", 16);
  const auto events = parse_inotify_events(buf.data(), buf.size() - 4);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].name, "a.yaml");
  EXPECT_TRUE(parse_inotify_events(buf.data(), 3).empty());
}

InotifyEvent ev(std::uint32_t mask, std::string name = {}) { return {1, mask, 0, std::move(name)}; }

TEST(InotifyEvents, ClassifiesWhatTheSourceDoes) {
  EXPECT_EQ(classify_event(ev(IN_Q_OVERFLOW), false), EventEffect::kOverflow);
  EXPECT_EQ(classify_event(ev(IN_IGNORED), true), EventEffect::kWatchGone);
  EXPECT_EQ(classify_event(ev(IN_DELETE_SELF), true), EventEffect::kRootGone);
  EXPECT_EQ(classify_event(ev(IN_MOVE_SELF), true), EventEffect::kRootGone);
  EXPECT_EQ(classify_event(ev(IN_DELETE_SELF), false), EventEffect::kIgnore);

  for (std::uint32_t m :
       std::initializer_list<std::uint32_t>{IN_CREATE, IN_CLOSE_WRITE, IN_MODIFY, IN_MOVED_TO,
                                            IN_MOVED_FROM, IN_DELETE, IN_ATTRIB}) {
    EXPECT_EQ(classify_event(ev(m, "api.yaml"), false), EventEffect::kFile) << m;
    EXPECT_EQ(classify_event(ev(m, "b c ü.yml"), false), EventEffect::kFile) << m;
  }
  EXPECT_EQ(classify_event(ev(IN_CLOSE_WRITE, "notes.txt"), false), EventEffect::kIgnore);
  EXPECT_EQ(classify_event(ev(IN_CLOSE_WRITE, "api.yaml~"), false), EventEffect::kIgnore);
  // vim's probe file
  EXPECT_EQ(classify_event(ev(IN_CLOSE_WRITE, "4913"), false), EventEffect::kIgnore);
  EXPECT_EQ(classify_event(ev(IN_CLOSE_WRITE, ".api.yaml.swp"), false), EventEffect::kDotEntry);
  EXPECT_EQ(classify_event(ev(IN_MOVED_TO, "..data"), false), EventEffect::kDotEntry);

  EXPECT_EQ(classify_event(ev(IN_CREATE | IN_ISDIR, "team"), false), EventEffect::kRescan);
  EXPECT_EQ(classify_event(ev(IN_MOVED_FROM | IN_ISDIR, "team"), false), EventEffect::kRescan);
  EXPECT_EQ(classify_event(ev(IN_DELETE | IN_ISDIR, "team.yaml"), false), EventEffect::kRescan);
  EXPECT_EQ(classify_event(ev(IN_ATTRIB | IN_ISDIR, "team"), false), EventEffect::kIgnore);
  EXPECT_EQ(classify_event(ev(IN_CREATE | IN_ISDIR, ".git"), false), EventEffect::kDotEntry);
}

TEST(InotifyEvents, ResourceNames) {
  EXPECT_TRUE(is_resource_name("a.yaml"));
  EXPECT_TRUE(is_resource_name("a.yml"));
  EXPECT_FALSE(is_resource_name(".yaml"));
  EXPECT_FALSE(is_resource_name(".a.yaml"));
  EXPECT_FALSE(is_resource_name("a.yaml.bak"));
  EXPECT_FALSE(is_resource_name("a.json"));
  EXPECT_FALSE(is_resource_name(""));
}

TEST(InotifyEvents, TheWatchMaskCoversTheEventsTheSourceNeeds) {
  const std::uint32_t m = directory_watch_mask();
  for (std::uint32_t bit :
       std::initializer_list<std::uint32_t>{IN_CREATE, IN_CLOSE_WRITE, IN_MOVED_TO, IN_MOVED_FROM,
                                            IN_DELETE, IN_DELETE_SELF, IN_MOVE_SELF}) {
    EXPECT_NE(m & bit, 0U) << bit;
  }
}

}  // namespace
}  // namespace rwd::source
