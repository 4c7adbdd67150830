#include "rewind/history/codec.hpp"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/model/codec.hpp"
#include "rewind/model/revision.hpp"

namespace rwd::history {
namespace {

using ::testing::HasSubstr;

constexpr const char* kRelease = R"(apiVersion: rewind.dev/v1alpha1
kind: Release
metadata: {name: api, namespace: shop, generation: 3}
spec:
  target: {docker: {project: shop, service: api}}
  image: rewind-demo:v2
  config: {env: {LOG_LEVEL: info}}
  healthCheck: {http: {path: /health, port: 8080}}
  rollbackPolicy: {revisionHistoryLimit: 5}
)";

model::Release parsed_release() {
  model::ParseResult r = model::parse_resources(kRelease, "api.yaml");
  EXPECT_TRUE(r.ok());
  return std::get<model::Release>(r.objects.at(0).object);
}

model::History sample_history() {
  const model::Release rel = parsed_release();
  model::History h;
  for (std::int64_t n = 1; n <= 2; ++n) {
    model::RevisionRecord rec;
    rec.number = model::RevisionNumber{n};
    rec.revision = model::Revision{rel.spec.image, "0011223344556677", ""};
    rec.hash = model::revision_hash(rec.revision);
    rec.spec = rel.spec;
    rec.generation = n;
    rec.created_at = *model::parse_timestamp("2026-11-21T07:00:00Z");
    rec.live_at = rec.created_at + std::chrono::seconds(n);
    rec.outcome = n == 1 ? model::RevisionOutcome::kSuperseded : model::RevisionOutcome::kLive;
    h.revisions.push_back(rec);
  }
  return h;
}

TEST(HistoryCodecTest, RoundTripsAndIsTheModelJson) {
  const model::History h = sample_history();
  const std::string text = encode_history(h);
  EXPECT_EQ(text, model::to_json(h).dump(2) + "\n");
  EXPECT_EQ(text.rfind("{\n  \"revisions\": [", 0), 0U);
  auto back = decode_history_text(text, "h.json");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, h);
}

TEST(HistoryCodecTest, EmptyHistory) {
  EXPECT_EQ(encode_history({}), "{\n  \"revisions\": []\n}\n");
  auto back = decode_history_text(encode_history({}), "h.json");
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->revisions.empty());
}

TEST(HistoryCodecTest, FieldErrorsNameFileFieldAndLine) {
  std::string text = encode_history(sample_history());
  const auto at = text.find("\"Superseded\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 12, "\"Bogus\"");
  const int line =
      1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
  auto back = decode_history_text(text, "/state/history/shop/api.json");
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().kind, model::ErrorKind::kTerminal);
  EXPECT_THAT(back.error().message,
              HasSubstr("/state/history/shop/api.json: revisions[0].outcome: "));
  EXPECT_THAT(back.error().message, HasSubstr("Bogus"));
  EXPECT_THAT(back.error().message, HasSubstr("(line " + std::to_string(line) + ")"));
}

TEST(HistoryCodecTest, SyntaxErrorsNameLineAndColumn) {
  std::string text = encode_history(sample_history());
  text.resize(text.size() / 2);  // what a torn write would leave
  auto back = decode_history_text(text, "/state/history/shop/api.json");
  ASSERT_FALSE(back.ok());
  EXPECT_THAT(back.error().message,
              HasSubstr("/state/history/shop/api.json: cannot be read back: not valid JSON: "));
  EXPECT_THAT(back.error().message, HasSubstr("(line "));
}

TEST(HistoryCodecTest, EmptyFileAndWrongShape) {
  EXPECT_THAT(decode_history_text("", "f").error().message,
              HasSubstr("f: cannot be read back: the file is empty"));
  EXPECT_THAT(decode_history_text("  \n", "f").error().message, HasSubstr("the file is empty"));
  EXPECT_THAT(decode_history_text("[1, 2]", "f").error().message, HasSubstr("f: "));
  EXPECT_THAT(decode_history_text("{\"revisions\": [], \"extra\": 1}", "f").error().message,
              HasSubstr("extra"));
}

TEST(StatusCodecTest, ReleaseRoundTripsWithStatus) {
  model::Release r = parsed_release();
  r.status.phase = model::ReleasePhase::kHealthy;
  r.status.current_revision = model::RevisionNumber{2};
  r.status.stable_revision = model::RevisionNumber{2};
  r.status.message = "running 2";
  const std::string text = encode_status(r);
  EXPECT_EQ(text, model::to_json(r).dump(2) + "\n");
  auto back = decode_release_text(text, "s.json", {"shop", "api"});
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, r);
}

TEST(StatusCodecTest, RollbackRoundTrips) {
  model::Rollback rb;
  rb.metadata.ns = "shop";
  rb.metadata.name = "incident-42";
  rb.spec.release_name = "api";
  rb.spec.reason = "5xx";
  rb.status.phase = model::RollbackPhase::kRunning;
  rb.status.plan.push_back(
      {"backup", "pg_dump", model::StepState::kSucceeded, std::nullopt, std::nullopt, ""});
  auto back = decode_rollback_text(encode_status(rb), "s.json", {"shop", "incident-42"});
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, rb);
}

TEST(StatusCodecTest, WrongKindOrKeyIsAnError) {
  const model::Release r = parsed_release();
  auto other = decode_release_text(encode_status(r), "s.json", {"shop", "web"});
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(other.error().message,
              HasSubstr("s.json: cannot be read back: holds shop/api, expected shop/web"));
  auto kind = decode_rollback_text(encode_status(r), "s.json", {"shop", "api"});
  ASSERT_FALSE(kind.ok());
  EXPECT_THAT(kind.error().message, HasSubstr("kind"));
}

TEST(StatusCodecTest, InvalidUtf8InFreeTextIsReplacedNotFatal) {
  model::Release r = parsed_release();
  r.status.message = std::string("smoke said \xff\xfe");
  const std::string text = encode_status(r);
  EXPECT_THAT(text, HasSubstr("smoke said \xEF\xBF\xBD"));
  EXPECT_TRUE(decode_release_text(text, "s.json", {"shop", "api"}).ok());
}

}  // namespace
}  // namespace rwd::history
