// Micro-benchmarks of the hot paths behind figures 4 and 5 (one Release
// from its file text to a queued reconcile): parse + decode + validate,
// the revision hash, the planner, and the work queue. Google Benchmark;
// scripts/bench runs them with repetitions and reports the medians.

#include <string>

#include <benchmark/benchmark.h>

#include "rewind/model/codec.hpp"
#include "rewind/model/revision.hpp"
#include "rewind/reconcile/planner.hpp"
#include "rewind/runtime/clock.hpp"
#include "rewind/runtime/work_queue.hpp"

namespace rwd::bench {
namespace {

// A Release as an operator writes one: target, image, config, migration,
// health check, analysis, rollback policy.
std::string release_text(int i) {
  return "apiVersion: rewind.dev/v1alpha1\nkind: Release\n"
         "metadata: {name: api-" +
         std::to_string(i) +
         ", namespace: shop}\n"
         "spec:\n"
         "  target: {docker: {project: shop, service: api}}\n"
         "  image: registry.local/shop-api:v1.2." +
         std::to_string(i) +
         "\n"
         "  config:\n    env: {LOG_LEVEL: info, WORKERS: \"4\", FEATURE_X: \"on\"}\n"
         "  migration:\n"
         "    database: {urlFrom: {env: SHOP_DATABASE_URL}}\n"
         "    driver: sql-dir\n    directory: migrations\n    revision: \"0002\"\n"
         "    backup: {required: true, directory: /var/backups/rewind, maxAge: 24h}\n"
         "  strategy: {type: Recreate}\n"
         "  healthCheck: {http: {path: /health, port: 8080}, interval: 2s, timeout: 1s}\n"
         "  analysis:\n    window: 5m\n"
         "    prometheus: {address: http://127.0.0.1:9090}\n"
         "    metrics:\n"
         "      - name: error-rate\n"
         "        query: sum(rate(http_requests_total{code=~\"5..\"}[1m])) / "
         "sum(rate(http_requests_total[1m]))\n"
         "        failIf: \"> 0.05\"\n"
         "  rollbackPolicy: {automatic: true, revisionHistoryLimit: 10}\n";
}

void BM_ParseDecodeValidate(benchmark::State& state) {
  const std::string text = release_text(7);
  for (auto _ : state) {
    auto parsed = model::parse_resources(text, "api.yaml");
    benchmark::DoNotOptimize(parsed);
    if (!parsed.ok()) state.SkipWithError("the Release did not parse");
  }
}
BENCHMARK(BM_ParseDecodeValidate);

model::Release release() {
  auto parsed = model::parse_resources(release_text(7), "api.yaml");
  return std::get<model::Release>(parsed.objects.at(0).object);
}

void BM_RevisionHash(benchmark::State& state) {
  const model::Release r = release();
  for (auto _ : state) {
    const model::Revision rev = model::revision_of(r.spec, {});
    benchmark::DoNotOptimize(model::revision_hash(rev));
  }
}
BENCHMARK(BM_RevisionHash);

// The planner's inputs: the Release above desired, revision 1 in history
// (the desired one, or another image when `older`) running and healthy.
struct PlanInputs {
  reconcile::Desired desired;
  model::History history;
  reconcile::Observed observed;
};

PlanInputs plan_inputs(bool older) {
  PlanInputs in;
  in.desired.release = release();
  in.desired.revision = model::revision_of(in.desired.release.spec, {});
  model::RevisionRecord rec;
  rec.number = model::RevisionNumber{1};
  rec.revision = in.desired.revision;
  if (older) rec.revision.image = model::ImageRef("registry.local/shop-api:v1.1.0");
  in.history.revisions.push_back(rec);
  in.observed.running = rec.revision;
  in.observed.health = reconcile::Health::kHealthy;
  in.observed.images_present.insert(in.desired.revision.image);
  return in;
}

void BM_PlanNothingToDo(benchmark::State& state) {
  const PlanInputs in = plan_inputs(false);
  for (auto _ : state) {
    benchmark::DoNotOptimize(reconcile::plan(in.desired, in.observed, in.history, {}));
  }
}
BENCHMARK(BM_PlanNothingToDo);

void BM_PlanRollForward(benchmark::State& state) {
  const PlanInputs in = plan_inputs(true);
  for (auto _ : state) {
    benchmark::DoNotOptimize(reconcile::plan(in.desired, in.observed, in.history, {}));
  }
}
BENCHMARK(BM_PlanRollForward);

void BM_QueueAddGetDone(benchmark::State& state) {
  const runtime::Clock& clock = runtime::SystemClock::instance();
  runtime::WorkQueue queue(clock);
  std::vector<runtime::ObjectRef> keys;
  for (int i = 0; i < 1000; ++i) {
    keys.push_back(
        runtime::ObjectRef{runtime::Kind::kRelease, {"shop", "api-" + std::to_string(i)}});
  }
  std::size_t i = 0;
  for (auto _ : state) {
    queue.add(keys[i++ % keys.size()]);
    auto got = queue.try_get();
    if (got) queue.done(*got);
    benchmark::DoNotOptimize(got);
  }
}
BENCHMARK(BM_QueueAddGetDone);

}  // namespace
}  // namespace rwd::bench

BENCHMARK_MAIN();
