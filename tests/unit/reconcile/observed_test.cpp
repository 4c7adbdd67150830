// decode_observed: strict fields, paths in errors.

#include "rewind/reconcile/observed.hpp"

#include <string_view>

#include <gtest/gtest.h>

#include "rewind/model/document.hpp"

#include "builders.hpp"

namespace rwd::reconcile::testing {
namespace {

model::Node load(std::string_view yaml) {
  auto docs = model::load_yaml(yaml);
  EXPECT_TRUE(docs.ok());
  EXPECT_EQ(docs.documents.size(), 1U);
  return docs.documents.empty() ? model::Node() : docs.documents.front();
}

TEST(DecodeObserved, ReadsEveryField) {
  const auto node = load(R"(
running: {image: "shop-api:v1.2.3", configHash: "abc", migrationRevision: "0005"}
health: Healthy
imagesPresent: ["shop-api:v1.2.3", "shop-api:v1.2.2"]
latestBackup: {takenAt: "2024-05-02T22:00:00Z", verified: true}
activeColor: green
standby: {image: "shop-api:v1.2.2", configHash: "abd"}
canaryWeight: 20
)");
  std::vector<model::FieldError> errors;
  const auto o = decode_observed(node, errors);
  ASSERT_TRUE(o) << (errors.empty() ? "" : errors.front().path + ": " + errors.front().message);
  ASSERT_TRUE(o->running);
  EXPECT_EQ(o->running->image, model::ImageRef("shop-api:v1.2.3"));
  EXPECT_EQ(o->running->config_hash, "abc");
  EXPECT_EQ(o->running->migration_revision, "0005");
  EXPECT_EQ(o->health, Health::kHealthy);
  EXPECT_EQ(o->images_present.size(), 2U);
  EXPECT_TRUE(o->images_present.contains(model::ImageRef("shop-api:v1.2.2")));
  ASSERT_TRUE(o->latest_backup);
  EXPECT_TRUE(o->latest_backup->verified);
  EXPECT_EQ(o->latest_backup->taken_at, kNow - std::chrono::hours(2));
  EXPECT_EQ(o->active_color, Color::kGreen);
  ASSERT_TRUE(o->standby);
  EXPECT_EQ(o->standby->migration_revision, "");
  EXPECT_EQ(o->canary_weight, 20);
}

TEST(DecodeObserved, EmptyMappingIsNothingRunning) {
  std::vector<model::FieldError> errors;
  const auto o = decode_observed(load("{}"), errors);
  ASSERT_TRUE(o);
  EXPECT_FALSE(o->running);
  EXPECT_EQ(o->health, Health::kUnknown);
  EXPECT_EQ(*o, Observed{});
}

TEST(DecodeObserved, JsonWorksToo) {
  auto docs =
      model::load_json(R"({"running": {"image": "a:1", "configHash": "x"}, "canaryWeight": 0})");
  ASSERT_TRUE(docs.ok());
  std::vector<model::FieldError> errors;
  const auto o = decode_observed(docs.documents.front(), errors);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->running->image, model::ImageRef("a:1"));
}

struct BadCase {
  std::string name;
  std::string yaml;
  std::string path;
  std::string message_part;
};
// Test names stay readable: gtest would print the struct's bytes.
inline void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

std::vector<BadCase> bad_cases() {
  return {
      {"UnknownTopLevelField", "{running: null, colour: blue}", "colour", "unknown field"},
      {"UnknownNestedField", "{running: {image: a, configHash: b, tag: c}}", "running.tag",
       "unknown field"},
      {"MissingImage", "{running: {configHash: b}}", "running.image", "is required"},
      {"EmptyImage", "{running: {image: '', configHash: b}}", "running.image", "must not be empty"},
      {"BadHealth", "{health: ok}", "health", "ok is not one of Healthy, Unhealthy, Unknown"},
      {"ImagesNotASequence", "{imagesPresent: a}", "imagesPresent", "expected a sequence"},
      {"ImageNotAString", "{imagesPresent: [a, {b: c}]}", "imagesPresent[1]", "expected a string"},
      {"BadTimestamp", "{latestBackup: {takenAt: yesterday}}", "latestBackup.takenAt",
       "yesterday is not an RFC 3339 timestamp"},
      {"QuotedBoolean", "{latestBackup: {takenAt: '2024-05-01T00:00:00Z', verified: 'true'}}",
       "latestBackup.verified", "is not a boolean"},
      {"BadColor", "{activeColor: red}", "activeColor", "red is not one of blue, green"},
      {"WeightOutOfRange", "{canaryWeight: 140}", "canaryWeight", "140 is not within 0..100"},
      {"WeightNotANumber", "{canaryWeight: ten}", "canaryWeight", "is not an integer"},
      {"NotAMapping", "[1, 2]", "observed", "expected a mapping"},
  };
}

class DecodeObservedErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(DecodeObservedErrors, NamePathAndValue) {
  const auto& c = GetParam();
  std::vector<model::FieldError> errors;
  const auto o = decode_observed(load(c.yaml), errors);
  EXPECT_FALSE(o);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0].path, c.path);
  EXPECT_NE(errors[0].message.find(c.message_part), std::string::npos) << errors[0].message;
}

std::string bad_case_name(const ::testing::TestParamInfo<BadCase>& p) { return p.param.name; }

INSTANTIATE_TEST_SUITE_P(Observed, DecodeObservedErrors, ::testing::ValuesIn(bad_cases()),
                         bad_case_name);

TEST(DecodeObserved, ErrorsCarryTheLine) {
  std::vector<model::FieldError> errors;
  (void)decode_observed(load("health: Healthy\ncanaryWeight: 101\n"), errors);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0].mark.line, 2);
}

TEST(DecodeObserved, ReportsEveryError) {
  std::vector<model::FieldError> errors;
  (void)decode_observed(load("{health: x, activeColor: y, canaryWeight: -1, foo: 1}"), errors);
  EXPECT_EQ(errors.size(), 4U);
}

TEST(DecodeObserved, JsonRoundTrip) {
  const Observed o = ObservedBuilder()
                         .running(ReleaseBuilder().migration("0005"))
                         .healthy()
                         .backup(kNow)
                         .active(Color::kBlue)
                         .canary_weight(5)
                         .build();
  auto docs = model::load_json(to_json(o).dump());
  ASSERT_TRUE(docs.ok());
  std::vector<model::FieldError> errors;
  const auto back = decode_observed(docs.documents.front(), errors);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, o);
}

}  // namespace
}  // namespace rwd::reconcile::testing
