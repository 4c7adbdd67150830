// The "type the release name" confirmation of `rewind rollback --emergency`,
// with the answer fed through an input stream.

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/cli/rollback.hpp"

namespace rwd::cli {
namespace {

using ::testing::HasSubstr;

struct Asked {
  Confirmation answer;
  std::string prompt;
  std::string left;  // what was not read from the input
};

Asked ask(const std::string& release, bool yes, bool interactive, const std::string& typed) {
  std::istringstream in(typed);
  std::ostringstream prompt;
  const Confirmation c = confirm_emergency(release, yes, interactive, in, prompt);
  std::string left((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return {c, prompt.str(), left};
}

TEST(ConfirmEmergency, YesAsksNothing) {
  for (const bool interactive : {true, false}) {
    const Asked a = ask("api", true, interactive, "something\n");
    EXPECT_EQ(a.answer, Confirmation::kConfirmed);
    EXPECT_EQ(a.prompt, "");
    EXPECT_EQ(a.left, "something\n") << "nothing is read";
  }
}

TEST(ConfirmEmergency, NoTerminalAndNoYesIsRefusedWithoutReading) {
  const Asked a = ask("api", false, false, "api\n");
  EXPECT_EQ(a.answer, Confirmation::kNoTerminal);
  EXPECT_EQ(a.prompt, "");
  EXPECT_EQ(a.left, "api\n");
}

TEST(ConfirmEmergency, TypingTheNameConfirms) {
  const Asked a = ask("api", false, true, "api\n");
  EXPECT_EQ(a.answer, Confirmation::kConfirmed);
  EXPECT_THAT(a.prompt, HasSubstr("EMERGENCY rollback of api"));
  EXPECT_THAT(a.prompt, HasSubstr("the health gate stays"));
  EXPECT_THAT(a.prompt, HasSubstr("Type the release name to confirm: "));
  EXPECT_EQ(ask("api", false, true, "  api \r\n").answer, Confirmation::kConfirmed);
  EXPECT_EQ(ask("api", false, true, "api").answer, Confirmation::kConfirmed) << "no newline at EOF";
}

TEST(ConfirmEmergency, AnythingElseDeclines) {
  for (const char* typed : {"API\n", "ap\n", "yes\n", "y\n", "\n", "", "api-2\n"}) {
    EXPECT_EQ(ask("api", false, true, typed).answer, Confirmation::kDeclined) << typed;
  }
}

TEST(ConfirmEmergency, ReadsOneLineOnly) {
  const Asked a = ask("api", false, true, "api\nmore\n");
  EXPECT_EQ(a.answer, Confirmation::kConfirmed);
  EXPECT_EQ(a.left, "more\n");
}

}  // namespace
}  // namespace rwd::cli
