// `rewind plan --history <state>/history` reads what FileHistoryStore writes.

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/history/file_store.hpp"
#include "rewind/model/codec.hpp"
#include "rewind/model/revision.hpp"

namespace rwd::history {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr const char* kRelease = R"(apiVersion: rewind.dev/v1alpha1
kind: Release
metadata: {name: api, namespace: shop}
spec:
  target: {docker: {project: shop, service: api}}
  image: rewind-demo:v1
  healthCheck: {http: {path: /health, port: 8080}}
)";

std::string run(const std::string& command, int& status) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), p) != nullptr) out += buf.data();
  status = ::pclose(p);
  return out;
}

model::RevisionRecord record(const model::ReleaseSpec& base, std::int64_t n, const char* image,
                             model::RevisionOutcome outcome) {
  model::RevisionRecord rec;
  rec.number = model::RevisionNumber{n};
  rec.spec = base;
  rec.spec.image = model::ImageRef{image};
  rec.revision = model::revision_of(rec.spec, {});
  rec.hash = model::revision_hash(rec.revision);
  rec.created_at = *model::parse_timestamp("2026-01-01T00:00:00Z") + std::chrono::minutes(n);
  rec.live_at = rec.created_at + std::chrono::seconds(5);
  rec.healthy_at = rec.created_at + std::chrono::seconds(30);
  rec.outcome = outcome;
  return rec;
}

TEST(PlanCliTest, PlanReadsTheStoreHistory) {
  std::random_device rd;
  const fs::path dir = fs::temp_directory_path() / ("rewind-hd-plan-" + std::to_string(rd()));
  fs::create_directories(dir);
  std::ofstream(dir / "api.yaml") << kRelease;

  const model::ParseResult parsed = model::parse_resources(kRelease, "api.yaml");
  ASSERT_TRUE(parsed.ok());
  const auto& release = std::get<model::Release>(parsed.objects.at(0).object);
  model::History h;
  using model::RevisionOutcome;
  h.revisions.push_back(record(release.spec, 1, "rewind-demo:v1", RevisionOutcome::kSuperseded));
  h.revisions.push_back(record(release.spec, 2, "rewind-demo:v2", RevisionOutcome::kHealthy));

  FileStoreOptions options;
  options.state_dir = dir / "state";
  auto store = FileHistoryStore::open(options);
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE((*store)->save({"shop", "api"}, h).ok());

  int status = -1;
  const std::string out =
      run(std::string(REWIND_BINARY_DIR) + "/controller/cli/rewind plan -f " +
              (dir / "api.yaml").string() + " --history " + (dir / "state" / "history").string() +
              " --now 2026-01-02T00:00:00Z -o json",
          status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, ::testing::Not(HasSubstr("no history")));
  EXPECT_THAT(out, HasSubstr("\"error\": null"));
  // The desired spec equals revision 1: a rollback to it, not a new revision 3.
  EXPECT_THAT(out, HasSubstr("rollback to revision 1 (RevertedInSource)")) << out;
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace rwd::history
