#include "gateway/metrics/metrics_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace nexus::gateway::metrics {
namespace {

using ::testing::HasSubstr;

TEST(MetricsRegistryTest, RendersGoldenText) {
  MetricsRegistry registry;
  CounterFamily* requests =
      registry
          .AddCounter("nexus_requests_total", "Requests by status, model and provider.",
                      {"status", "model", "provider"})
          .value();
  GaugeFamily* streams = registry.AddGauge("nexus_streams_in_flight", "Open streams.", {}).value();
  HistogramFamily* latency =
      registry.AddHistogram("nexus_latency_seconds", "Total latency.", {"model"}, {0.1, 1}).value();
  double depth = 7;
  ASSERT_TRUE(
      registry.AddCallbackGauge("nexus_queue_depth", "Queued events.", [&] { return depth; }).ok());

  requests->WithLabels({"200", "gpt-4o", "openai"}).Increment(3);
  requests->WithLabels({"429", "gpt-4o", "openai"}).Increment();
  requests->WithLabels({"200", "claude \"x\"", "a\\b"}).Increment(2);
  streams->WithLabels({}).Add(2);
  streams->WithLabels({}).Sub(0.5);
  Histogram& h = latency->WithLabels({"gpt-4o"});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(3);

  EXPECT_EQ(
      registry.Render(),
      "# HELP nexus_latency_seconds Total latency.\n"
      "# TYPE nexus_latency_seconds histogram\n"
      "nexus_latency_seconds_bucket{model=\"gpt-4o\",le=\"0.1\"} 1\n"
      "nexus_latency_seconds_bucket{model=\"gpt-4o\",le=\"1\"} 2\n"
      "nexus_latency_seconds_bucket{model=\"gpt-4o\",le=\"+Inf\"} 3\n"
      "nexus_latency_seconds_sum{model=\"gpt-4o\"} 3.55\n"
      "nexus_latency_seconds_count{model=\"gpt-4o\"} 3\n"
      "# HELP nexus_queue_depth Queued events.\n"
      "# TYPE nexus_queue_depth gauge\n"
      "nexus_queue_depth 7\n"
      "# HELP nexus_requests_total Requests by status, model and provider.\n"
      "# TYPE nexus_requests_total counter\n"
      "nexus_requests_total{status=\"200\",model=\"claude \\\"x\\\"\",provider=\"a\\\\b\"} 2\n"
      "nexus_requests_total{status=\"200\",model=\"gpt-4o\",provider=\"openai\"} 3\n"
      "nexus_requests_total{status=\"429\",model=\"gpt-4o\",provider=\"openai\"} 1\n"
      "# HELP nexus_streams_in_flight Open streams.\n"
      "# TYPE nexus_streams_in_flight gauge\n"
      "nexus_streams_in_flight 1.5\n");

  depth = 9;
  EXPECT_THAT(registry.Render(), HasSubstr("nexus_queue_depth 9\n"));
}

TEST(MetricsRegistryTest, FamiliesWithoutChildrenRenderOnlyHelpAndType) {
  MetricsRegistry registry;
  ASSERT_TRUE(registry.AddCounter("a_total", "Line one\nline \\two", {"x"}).ok());
  EXPECT_EQ(registry.Render(), "# HELP a_total Line one\\nline \\\\two\n# TYPE a_total counter\n");
}

TEST(MetricsRegistryTest, WithLabelsReturnsStableChildren) {
  MetricsRegistry registry;
  CounterFamily* family = registry.AddCounter("c_total", "c", {"model"}).value();
  Counter* first = &family->WithLabels({"m1"});
  for (int i = 0; i < 100; ++i) family->WithLabels({"m" + std::to_string(i + 2)});
  EXPECT_EQ(&family->WithLabels({"m1"}), first);
  first->Increment();
  EXPECT_EQ(family->WithLabels({"m1"}).Value(), 1u);
}

TEST(MetricsRegistryTest, HistogramBucketsAreInclusiveUpperBounds) {
  std::vector<double> bounds = {0.1, 0.5, 1};
  Histogram h(&bounds);
  h.Observe(0.1);  // exactly on a bound: counted in le="0.1"
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(0.7);
  h.Observe(1.0);
  h.Observe(5);                                         // only +Inf
  h.Observe(-1);                                        // below every bound: first bucket
  h.Observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  Histogram::Snapshot s = h.Read();
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{3, 4, 6, 7}));
  EXPECT_EQ(s.count, 7u);
  EXPECT_DOUBLE_EQ(s.sum, 0.1 + 0.05 + 0.5 + 0.7 + 1.0 + 5 - 1);
}

TEST(MetricsRegistryTest, ObserveDurationUsesSeconds) {
  std::vector<double> bounds = {0.001, 0.01};
  Histogram h(&bounds);
  h.ObserveDuration(absl::Microseconds(500));
  h.ObserveDuration(absl::Milliseconds(5));
  EXPECT_EQ(h.Read().cumulative, (std::vector<uint64_t>{1, 2, 2}));
  EXPECT_DOUBLE_EQ(h.Read().sum, 0.0055);
}

TEST(MetricsRegistryTest, CapsLabelCombinationsIntoOther) {
  MetricsRegistry registry;
  CounterFamily* family =
      registry.AddCounter("capped_total", "c", {"model", "provider"}, {.max_children = 3}).value();
  family->WithLabels({"a", "p"}).Increment();
  family->WithLabels({"b", "p"}).Increment();
  family->WithLabels({"c", "p"}).Increment();
  Counter& overflow1 = family->WithLabels({"hostile-1", "p"});
  Counter& overflow2 = family->WithLabels({"hostile-2", "p"});
  EXPECT_EQ(&overflow1, &overflow2);
  overflow1.Increment();
  overflow2.Increment();
  for (int i = 0; i < 1000; ++i) family->WithLabels({"x" + std::to_string(i), "p"}).Increment();
  EXPECT_EQ(family->child_count(), 4u);
  // Known children still resolve to themselves.
  EXPECT_EQ(family->WithLabels({"a", "p"}).Value(), 1u);
  EXPECT_THAT(registry.Render(),
              HasSubstr("capped_total{model=\"other\",provider=\"other\"} 1002\n"));
}

TEST(MetricsRegistryTest, LongLabelValuesAreCut) {
  MetricsRegistry registry;
  CounterFamily* family =
      registry.AddCounter("long_total", "c", {"model"}, {.max_label_value_bytes = 4}).value();
  family->WithLabels({std::string(100000, 'a')}).Increment();
  family->WithLabels({"aaaab"}).Increment();
  EXPECT_EQ(family->child_count(), 1u);
  EXPECT_EQ(registry.Render(),
            "# HELP long_total c\n# TYPE long_total counter\n"
            "long_total{model=\"aaaa\"} 2\n");
}

TEST(MetricsRegistryTest, WrongNumberOfLabelValuesGoesToOther) {
  MetricsRegistry registry;
  CounterFamily* family = registry.AddCounter("arity_total", "c", {"a", "b"}).value();
  family->WithLabels({"only-one"}).Increment();
  family->WithLabels({"1", "2", "3"}).Increment();
  EXPECT_EQ(family->WithLabels({"other", "other"}).Value(), 2u);
}

TEST(MetricsRegistryTest, RejectsBadDefinitions) {
  MetricsRegistry registry;
  EXPECT_EQ(registry.AddCounter("bad-name", "h", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCounter("ok_total", "h", {"le"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCounter("ok_total", "h", {"a", "a"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h1", "h", {}, {1, 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h2", "h", {}, {2, 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h3", "h", {}, {1, std::numeric_limits<double>::infinity()})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(registry.AddCounter("ok_total", "h", {"a"}).ok());
  EXPECT_EQ(registry.AddGauge("ok_total", "h", {}).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.AddCallbackGauge("ok_total", "h", [] { return 1.0; }).code(),
            absl::StatusCode::kAlreadyExists);
}

TEST(MetricsRegistryTest, ConcurrentUpdatesSumExactly) {
  MetricsRegistry registry;
  CounterFamily* counters = registry.AddCounter("n_total", "n", {"model"}).value();
  GaugeFamily* gauges = registry.AddGauge("g", "g", {}).value();
  HistogramFamily* histograms = registry.AddHistogram("h", "h", {}, {0.5}).value();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Counter& shared = counters->WithLabels({"shared"});
      Counter& own = counters->WithLabels({"t" + std::to_string(t)});
      Gauge& gauge = gauges->WithLabels({});
      Histogram& histogram = histograms->WithLabels({});
      for (int i = 0; i < kPerThread; ++i) {
        shared.Increment();
        own.Increment(2);
        gauge.Add(1);
        histogram.Observe(i % 2 == 0 ? 0.25 : 1.0);
        if (i % 1000 == 0) registry.Render();  // rendering while updating must be safe
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counters->WithLabels({"shared"}).Value(), uint64_t{kThreads * kPerThread});
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(counters->WithLabels({"t" + std::to_string(t)}).Value(), uint64_t{2 * kPerThread});
  }
  EXPECT_EQ(gauges->WithLabels({}).Value(), double{kThreads * kPerThread});
  Histogram::Snapshot s = histograms->WithLabels({}).Read();
  EXPECT_EQ(s.count, uint64_t{kThreads * kPerThread});
  EXPECT_EQ(s.cumulative[0], uint64_t{kThreads * kPerThread / 2});
  EXPECT_DOUBLE_EQ(s.sum, kThreads * (kPerThread / 2) * 1.25);
}

TEST(MetricsRegistryTest, BucketHelpers) {
  EXPECT_EQ(ExponentialBuckets(0.001, 10, 4), (std::vector<double>{0.001, 0.01, 0.1, 1}));
  std::vector<double> defaults = DefaultLatencyBuckets();
  EXPECT_TRUE(std::is_sorted(defaults.begin(), defaults.end()));
  MetricsRegistry registry;
  EXPECT_TRUE(registry.AddHistogram("d", "d", {}, defaults).ok());
}

}  // namespace
}  // namespace nexus::gateway::metrics
