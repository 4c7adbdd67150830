// printable_utf8: what of a command's output may go into a measurement.

#include "../../../controller/analysis/printable.hpp"

#include <gtest/gtest.h>

namespace rwd::analysis::detail {
namespace {

TEST(PrintableUtf8, KeepsValidTextAndReplacesTheRest) {
  EXPECT_EQ(printable_utf8("line\tone\nzwei \xC3\xBC \xE2\x82\xAC \xF0\x9F\x99\x82"),
            "line\tone\nzwei \xC3\xBC \xE2\x82\xAC \xF0\x9F\x99\x82");
  EXPECT_EQ(printable_utf8("bad \xFF byte"), "bad ? byte");
  EXPECT_EQ(printable_utf8("cut \xE2\x82"), "cut ??");  // a tail that starts mid-sequence
  EXPECT_EQ(printable_utf8("\xC0\xAF"), "??");          // overlong
  EXPECT_EQ(printable_utf8("\xED\xA0\x80"), "???");     // a surrogate
  EXPECT_EQ(printable_utf8(std::string("a\0b\x1b[1m\x7f", 8)), "a b [1m ");
}

}  // namespace
}  // namespace rwd::analysis::detail
