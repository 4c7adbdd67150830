// PrometheusClient and its address, against an in-memory HTTP client.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/analysis/prometheus.hpp"
#include "rewind/analysis/provider.hpp"
#include "rewind/http/url.hpp"

#include "fakes.hpp"

namespace rwd::analysis {
namespace {

using testing::FakeHttp;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kOk = R"({"status":"success","data":{"resultType":"vector",)"
                            R"("result":[{"metric":{},"value":[1,"0.25"]}]}})";

TEST(PrometheusAddress, SplitsHostPrefixAndCredentials) {
  auto a = parse_prometheus_address("http://127.0.0.1:9090");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->endpoint.host, "127.0.0.1");
  EXPECT_EQ(a->endpoint.port, 9090);
  EXPECT_EQ(a->prefix, "");
  EXPECT_EQ(a->authorization, "");
  EXPECT_EQ(a->shown, "http://127.0.0.1:9090");

  auto p = parse_prometheus_address("https://user:s%3Acret@prom.example/prometheus/?org=7");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->endpoint.transport, http::Transport::kTls);
  EXPECT_EQ(p->endpoint.port, 443);
  EXPECT_EQ(p->prefix, "/prometheus");
  EXPECT_EQ(p->extra_params, "org=7");
  EXPECT_EQ(p->authorization, "Basic dXNlcjpzOmNyZXQ=");  // user:s:cret
  EXPECT_EQ(p->shown, "https://prom.example/prometheus");
}

TEST(PrometheusAddress, ErrorsNeverShowTheCredentials) {
  for (const char* bad : {"ftp://user:hunter2@prom:9090", "http://user:hunter2@",
                          "http://user:hunter2@prom:99999", "http://user:hunter2%zz@prom:9090"}) {
    auto a = parse_prometheus_address(bad);
    ASSERT_FALSE(a) << bad;
    EXPECT_EQ(a.error().kind, model::ErrorKind::kInvalidSpec) << bad;
    EXPECT_THAT(a.error().message, Not(HasSubstr("hunter2"))) << bad;
    EXPECT_THAT(a.error().message, HasSubstr("spec.analysis.prometheus.address")) << bad;
  }
}

TEST(PrometheusClient, SendsAnInstantQueryWithTimeoutAndCredentials) {
  FakeHttp fake;
  fake.answer(200, kOk);
  auto address = parse_prometheus_address("http://ops:pw@127.0.0.1:9090/prom?tenant=a");
  ASSERT_TRUE(address);
  PrometheusClient client(fake.client(), *address);
  auto s = client.query(R"(sum(rate(x{code=~"5.."}[1m])))", std::chrono::milliseconds(1500));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->value, 0.25);
  ASSERT_EQ(fake.requests.size(), 1U);
  const auto& r = fake.requests[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target,
            "/prom/api/v1/query?query=" + http::percent_encode(R"(sum(rate(x{code=~"5.."}[1m])))") +
                "&timeout=1500ms&tenant=a");
  EXPECT_EQ(fake.timeouts[0], std::chrono::milliseconds(1500));
  bool auth = false;
  for (const auto& [k, v] : r.headers) {
    auth = auth || (k == "Authorization" && v == "Basic b3BzOnB3");  // ops:pw
  }
  EXPECT_TRUE(auth);
}

TEST(PrometheusClient, ClassifiesFailures) {
  FakeHttp fake;
  auto address = parse_prometheus_address("http://ops:hunter2@127.0.0.1:9090");
  ASSERT_TRUE(address);
  PrometheusClient client(fake.client(), *address);

  fake.fail(model::Error::transient("connect to tcp://127.0.0.1:9090: Connection refused"));
  auto down = client.query("up", std::chrono::seconds(1));
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().kind, model::ErrorKind::kTransient);
  EXPECT_THAT(down.error().message, HasSubstr("http://127.0.0.1:9090 did not answer"));

  fake.answer(502, "<html>Bad Gateway</html>");
  auto proxy = client.query("up", std::chrono::seconds(1));
  ASSERT_FALSE(proxy);
  EXPECT_EQ(proxy.error().kind, model::ErrorKind::kTransient);
  EXPECT_THAT(proxy.error().message, HasSubstr("HTTP 502"));

  fake.answer(400, R"({"status":"error","errorType":"bad_data","error":"parse error"})");
  auto bad = client.query("sum(", std::chrono::seconds(1));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, model::ErrorKind::kInvalidSpec);
  EXPECT_THAT(bad.error().message, HasSubstr("bad_data"));

  fake.answer(401, "Unauthorized");
  auto denied = client.query("up", std::chrono::seconds(1));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().kind, model::ErrorKind::kTerminal);
  EXPECT_THAT(denied.error().message, HasSubstr("HTTP 401"));

  for (const auto* e : {&down, &proxy, &bad, &denied}) {
    EXPECT_THAT(e->error().message, Not(HasSubstr("hunter2")));
  }
}

TEST(PrometheusProvider, RendersTheRevisionAndMapsResults) {
  FakeHttp fake;
  auto address = parse_prometheus_address("http://127.0.0.1:9090");
  ASSERT_TRUE(address);
  PrometheusProvider provider(std::make_unique<PrometheusClient>(fake.client(), *address));
  model::MetricSpec m = testing::query_metric("info", "!= 1");
  m.query = R"(demo_info{version="{{revision}}"})";
  const Subject subject{model::RevisionNumber{3}, "127.0.0.1:8080", "v2", {}};

  fake.answer(200, kOk);
  const Measurement value = provider.measure(m, subject, std::chrono::seconds(2));
  EXPECT_EQ(value.kind, Measurement::Kind::kValue);
  EXPECT_EQ(value.value, 0.25);
  EXPECT_THAT(fake.requests.back().target,
              HasSubstr(http::percent_encode(R"(demo_info{version="v2"})")));

  fake.answer(200, R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  const Measurement empty = provider.measure(m, subject, std::chrono::seconds(2));
  EXPECT_EQ(empty.kind, Measurement::Kind::kInconclusive);
  EXPECT_EQ(empty.detail, "empty result");

  fake.fail(model::Error::transient("connection refused"));
  const Measurement down = provider.measure(m, subject, std::chrono::seconds(2));
  EXPECT_EQ(down.kind, Measurement::Kind::kInconclusive);
  EXPECT_THAT(down.detail, HasSubstr("connection refused"));
}

}  // namespace
}  // namespace rwd::analysis
