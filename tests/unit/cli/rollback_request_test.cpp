// The Rollback `rewind rollback` writes into <state-dir>/requests/: its name,
// its spec, and that rewind's own decoder and validation read the file back
// to the same object.

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/cli/rollback.hpp"
#include "rewind/model/codec.hpp"

namespace rwd::cli {
namespace {

using ::testing::HasSubstr;

model::Timestamp at(const char* text) { return *model::parse_timestamp(text); }

RollbackOptions options_for(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  auto r = parse_rollback_options(args, out, err);
  EXPECT_TRUE(std::holds_alternative<RollbackOptions>(r)) << err.str();
  return std::get<RollbackOptions>(r);
}

// Reads the request text as the watcher's directory source does.
model::Rollback read_back(const std::string& yaml) {
  const model::ParseResult r = model::parse_resources(yaml, "requests/shop/x.yaml");
  for (const auto& d : r.errors) ADD_FAILURE() << d.str() << "\n" << yaml;
  EXPECT_EQ(r.objects.size(), 1U);
  if (r.objects.size() != 1U) return {};
  EXPECT_TRUE(std::holds_alternative<model::Rollback>(r.objects.front().object));
  return std::get<model::Rollback>(r.objects.front().object);
}

TEST(RollbackRequest, NameIsTheReleaseAndTheUtcTimeInLowerCase) {
  EXPECT_EQ(rollback_request_name("api", at("2025-03-14T09:26:53.789Z")),
            "api-rollback-20250314t092653z");
  EXPECT_EQ(rollback_request_name("web", at("2025-12-31T23:59:59+02:00")),
            "web-rollback-20251231t215959z");
}

TEST(RollbackRequest, SpecFromTheFlagsRoundTripsThroughDecoderAndValidation) {
  const RollbackOptions o =
      options_for({"api", "-n", "shop", "--to", "3", "--components", "image,config", "--reason",
                   "5xx \"above\" 10%: see #incident-42"});
  const model::Rollback rb = make_rollback_request(o, at("2025-03-14T09:26:53Z"), "alice@web-1");
  EXPECT_EQ(rb.metadata.name, "api-rollback-20250314t092653z");
  EXPECT_EQ(rb.metadata.ns, "shop");
  EXPECT_EQ(rb.metadata.annotations.at(kRequestedByAnnotation), "alice@web-1");
  EXPECT_FALSE(rb.metadata.annotations.contains(kEmergencyAnnotation));
  EXPECT_EQ(rb.spec.release_name, "api");
  EXPECT_EQ(model::to_string(rb.spec.to), "3");
  EXPECT_EQ(rb.spec.components,
            (std::vector<model::Component>{model::Component::kImage, model::Component::kConfig}));
  EXPECT_FALSE(rb.spec.emergency);
  EXPECT_FALSE(rb.spec.dry_run);
  EXPECT_EQ(rb.spec.reason, "5xx \"above\" 10%: see #incident-42");
  EXPECT_TRUE(model::validate_rollback(rb).empty());

  const std::string yaml = request_yaml(rb);
  EXPECT_THAT(yaml, HasSubstr("kind: Rollback"));
  EXPECT_EQ(read_back(yaml), rb);
}

TEST(RollbackRequest, EmergencySaysSoInSpecReasonAndAnnotation) {
  const RollbackOptions o = options_for({"api", "--emergency", "--yes", "--to", "lastKnownGood"});
  const model::Rollback rb = make_rollback_request(o, at("2025-03-14T09:26:53Z"), "bob");
  EXPECT_TRUE(rb.spec.emergency);
  EXPECT_EQ(rb.spec.reason, "emergency rollback: requested with `rewind rollback` by bob");
  EXPECT_EQ(rb.metadata.annotations.at(kEmergencyAnnotation), "true");
  EXPECT_EQ(rb.metadata.ns, "default");
  const model::Rollback back = read_back(request_yaml(rb));
  EXPECT_EQ(back, rb);
  EXPECT_TRUE(back.spec.emergency);
  EXPECT_EQ(back.spec.to.kind, model::RollbackTarget::Kind::kLastKnownGood);
}

TEST(RollbackRequest, DefaultsRoundTripToo) {
  const model::Rollback rb =
      make_rollback_request(options_for({"worker"}), at("2030-01-02T03:04:05Z"), "ci");
  EXPECT_EQ(rb.spec.to.kind, model::RollbackTarget::Kind::kPrevious);
  EXPECT_EQ(rb.spec.components.size(), 3U);
  EXPECT_EQ(read_back(request_yaml(rb)), rb);
}

}  // namespace
}  // namespace rwd::cli
