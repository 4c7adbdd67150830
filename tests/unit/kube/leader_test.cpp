// Leader election on a Lease in the in-memory API server, with fake clocks.

#include "rewind/kube/leader.hpp"

#include <gtest/gtest.h>

#include "fake_api.hpp"

namespace rwd::kube {
namespace {

using testing::FakeApiState;
using namespace std::chrono_literals;

constexpr const char* kLease =
    "/apis/coordination.k8s.io/v1/namespaces/rewind-system/leases/rewind-controller";

struct FakeClocks {
  std::chrono::steady_clock::time_point steady{std::chrono::hours(1)};
  std::chrono::system_clock::time_point wall{std::chrono::hours(24 * 365 * 56)};
  void advance(std::chrono::milliseconds d) {
    steady += d;
    wall += d;
  }
};

struct LeaderTest : ::testing::Test {
  std::shared_ptr<FakeApiState> state = std::make_shared<FakeApiState>();
  Api api{testing::fake_cluster(), ApiOptions{}, testing::fake_factory(state)};
  FakeClocks clocks;

  LeaderElector candidate(const std::string& id) {
    LeaseOptions o;
    o.identity = id;
    return LeaderElector(
        api, o, [this] { return clocks.steady; }, [this] { return clocks.wall; },
        [this](std::chrono::milliseconds d, std::stop_token) { clocks.advance(d); });
  }
  std::string holder() { return state->objects[kLease]["spec"].value("holderIdentity", ""); }
};

TEST_F(LeaderTest, TheFirstCandidateCreatesTheLease) {
  auto a = candidate("a");
  auto r = a.try_acquire_or_renew();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(*r);
  EXPECT_TRUE(a.is_leader());
  EXPECT_EQ(holder(), "a");
  EXPECT_EQ(state->objects[kLease]["spec"]["leaseDurationSeconds"], 15);
}

TEST_F(LeaderTest, AnotherCandidateWaitsWhileTheLeaderRenews) {
  auto a = candidate("a");
  auto b = candidate("b");
  ASSERT_TRUE(*a.try_acquire_or_renew());
  for (int i = 0; i < 20; ++i) {  // 40 s of renewals every 2 s
    clocks.advance(2s);
    ASSERT_TRUE(*a.try_acquire_or_renew());
    auto rb = b.try_acquire_or_renew();
    ASSERT_TRUE(rb);
    EXPECT_FALSE(*rb);
    EXPECT_FALSE(b.is_leader());
  }
  EXPECT_EQ(holder(), "a");
}

TEST_F(LeaderTest, TheLeaseIsTakenOverWhenNotRenewedForItsDuration) {
  auto a = candidate("a");
  auto b = candidate("b");
  ASSERT_TRUE(*a.try_acquire_or_renew());
  // a is gone (killed). b sees the record, then waits it out on its own clock.
  ASSERT_FALSE(*b.try_acquire_or_renew());
  clocks.advance(14s);
  ASSERT_FALSE(*b.try_acquire_or_renew());
  clocks.advance(1s);
  ASSERT_TRUE(*b.try_acquire_or_renew());
  EXPECT_EQ(holder(), "b");
  EXPECT_EQ(state->objects[kLease]["spec"]["leaseTransitions"], 1);
  // The old leader, back, finds it lost and no longer leads.
  auto ra = a.try_acquire_or_renew();
  ASSERT_TRUE(ra);
  EXPECT_FALSE(*ra);
  EXPECT_FALSE(a.is_leader());
}

TEST_F(LeaderTest, ALeaderThatCannotRenewStopsLeadingAfterTheRenewDeadline) {
  auto a = candidate("a");
  ASSERT_TRUE(*a.try_acquire_or_renew());
  clocks.advance(9s);
  EXPECT_TRUE(a.is_leader());
  clocks.advance(1s);
  EXPECT_FALSE(a.is_leader());  // before anyone may take over (15 s)
}

TEST_F(LeaderTest, RunStartsLeadingOnceAndReturnsWhenTheLeaseIsLost) {
  auto a = candidate("a");
  int started = 0;
  int rounds = 0;
  std::stop_source stop;
  // From the third round on every write is a conflict: the renew deadline
  // (10 s, 5 rounds) passes and the leader steps down.
  LeaseOptions o;
  o.identity = "a";
  LeaderElector e(
      api, o, [this] { return clocks.steady; }, [this] { return clocks.wall; },
      [&](std::chrono::milliseconds d, std::stop_token) {
        clocks.advance(d);
        if (++rounds == 3) state->conflicts = 1000;
        if (rounds > 50) stop.request_stop();
      });
  const bool lost = e.run(stop.get_token(), [&] { ++started; });
  EXPECT_TRUE(lost);
  EXPECT_EQ(started, 1);
  // Renewed last in round 3; rounds 4-7 fail; round 8 is 10 s later: down.
  EXPECT_EQ(rounds, 7);
}

TEST_F(LeaderTest, ReleaseClearsTheHolderSoTheNextOneTakesItAtOnce) {
  auto a = candidate("a");
  auto b = candidate("b");
  ASSERT_TRUE(*a.try_acquire_or_renew());
  a.release();
  EXPECT_EQ(holder(), "");
  EXPECT_FALSE(a.is_leader());
  ASSERT_TRUE(*b.try_acquire_or_renew());
  EXPECT_EQ(holder(), "b");
}

TEST_F(LeaderTest, TwoCandidatesRacingForAnExpiredLeaseOnlyOneWins) {
  auto a = candidate("a");
  auto b = candidate("b");
  auto c = candidate("c");
  ASSERT_TRUE(*a.try_acquire_or_renew());
  ASSERT_FALSE(*b.try_acquire_or_renew());
  ASSERT_FALSE(*c.try_acquire_or_renew());
  clocks.advance(16s);
  // b wins; c's write carries the resourceVersion it read before b's: it
  // reads the new record and waits.
  ASSERT_TRUE(*b.try_acquire_or_renew());
  auto rc = c.try_acquire_or_renew();
  ASSERT_TRUE(rc);
  EXPECT_FALSE(*rc);
  EXPECT_EQ(holder(), "b");
}

}  // namespace
}  // namespace rwd::kube
