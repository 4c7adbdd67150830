#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rewind/model/condition.hpp"
#include "rewind/model/release.hpp"
#include "rewind/model/result.hpp"
#include "rewind/model/rollback.hpp"

namespace rwd::model {
namespace {

// Every value has its name, and the name parses back to the value.
template <class E, class Parse>
void expect_names(const std::vector<std::pair<E, std::string>>& table, Parse parse) {
  for (const auto& [value, name] : table) {
    EXPECT_EQ(to_string(value), name);
    EXPECT_EQ(parse(name), std::optional<E>(value)) << name;
  }
  EXPECT_EQ(parse(""), std::nullopt);
  EXPECT_EQ(parse("nope"), std::nullopt);
}

TEST(EnumsTest, ErrorKind) {
  EXPECT_STREQ(to_string(ErrorKind::kTransient), "transient");
  EXPECT_STREQ(to_string(ErrorKind::kTerminal), "terminal");
  EXPECT_STREQ(to_string(ErrorKind::kInvalidSpec), "invalid-spec");
}

TEST(EnumsTest, ConditionStatus) {
  expect_names<ConditionStatus>({{ConditionStatus::kTrue, "True"},
                                 {ConditionStatus::kFalse, "False"},
                                 {ConditionStatus::kUnknown, "Unknown"}},
                                parse_condition_status);
  EXPECT_EQ(parse_condition_status("true"), std::nullopt);  // case matters
}

TEST(EnumsTest, MigrationDriver) {
  expect_names<MigrationDriver>({{MigrationDriver::kSqlDir, "sql-dir"},
                                 {MigrationDriver::kAlembic, "alembic"},
                                 {MigrationDriver::kGolangMigrate, "golang-migrate"},
                                 {MigrationDriver::kFlyway, "flyway"}},
                                parse_migration_driver);
  EXPECT_EQ(parse_migration_driver("Alembic"), std::nullopt);
}

TEST(EnumsTest, StrategyType) {
  expect_names<StrategyType>({{StrategyType::kRecreate, "Recreate"},
                              {StrategyType::kBlueGreen, "BlueGreen"},
                              {StrategyType::kCanary, "Canary"}},
                             parse_strategy_type);
  EXPECT_EQ(parse_strategy_type("canary"), std::nullopt);
}

TEST(EnumsTest, ReleasePhase) {
  expect_names<ReleasePhase>({{ReleasePhase::kPending, "Pending"},
                              {ReleasePhase::kProgressing, "Progressing"},
                              {ReleasePhase::kPaused, "Paused"},
                              {ReleasePhase::kHealthy, "Healthy"},
                              {ReleasePhase::kDegraded, "Degraded"},
                              {ReleasePhase::kRolledBack, "RolledBack"},
                              {ReleasePhase::kFailed, "Failed"}},
                             parse_release_phase);
}

TEST(EnumsTest, Component) {
  expect_names<Component>({{Component::kImage, "image"},
                           {Component::kConfig, "config"},
                           {Component::kMigration, "migration"}},
                          parse_component);
  EXPECT_EQ(parse_component("Image"), std::nullopt);
}

TEST(EnumsTest, RollbackPhase) {
  expect_names<RollbackPhase>({{RollbackPhase::kPending, "Pending"},
                               {RollbackPhase::kRunning, "Running"},
                               {RollbackPhase::kSucceeded, "Succeeded"},
                               {RollbackPhase::kFailed, "Failed"}},
                              parse_rollback_phase);
}

TEST(EnumsTest, StepState) {
  expect_names<StepState>({{StepState::kPending, "Pending"},
                           {StepState::kRunning, "Running"},
                           {StepState::kSucceeded, "Succeeded"},
                           {StepState::kFailed, "Failed"},
                           {StepState::kSkipped, "Skipped"}},
                          parse_step_state);
}

TEST(EnumsTest, RollbackTarget) {
  EXPECT_EQ(to_string(RollbackTarget{}), "previous");
  EXPECT_EQ(to_string(RollbackTarget{RollbackTarget::Kind::kLastKnownGood, {}}), "lastKnownGood");
  EXPECT_EQ(to_string(RollbackTarget{RollbackTarget::Kind::kRevision, RevisionNumber{3}}), "3");
  EXPECT_EQ(to_string(RollbackTarget{RollbackTarget::Kind::kRevision, RevisionNumber{42}}), "42");
}

TEST(EnumsTest, RollbackSpecIncludes) {
  RollbackSpec all;
  EXPECT_TRUE(all.includes(Component::kImage));
  EXPECT_TRUE(all.includes(Component::kConfig));
  EXPECT_TRUE(all.includes(Component::kMigration));
  RollbackSpec image_only;
  image_only.components = {Component::kImage};
  EXPECT_TRUE(image_only.includes(Component::kImage));
  EXPECT_FALSE(image_only.includes(Component::kConfig));
  EXPECT_FALSE(image_only.includes(Component::kMigration));
  RollbackSpec none;
  none.components.clear();
  EXPECT_FALSE(none.includes(Component::kImage));
}

}  // namespace
}  // namespace rwd::model
