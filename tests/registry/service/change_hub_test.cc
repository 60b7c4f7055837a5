#include "registry/service/change_hub.h"

#include <gtest/gtest.h>

#include <thread>

namespace nexus::registry {
namespace {

using Event = ChangeHub::Event;

TEST(ChangeHubTest, SubscriptionStartsWithResetThenFollowsWithoutGaps) {
  ChangeHub hub;
  hub.Publish(ChangeKind::kProvider, ChangeOp::kCreated, 1);
  auto subscription = hub.Subscribe();
  hub.Publish(ChangeKind::kKey, ChangeOp::kUpdated, 7);
  hub.Publish(ChangeKind::kModel, ChangeOp::kDeleted, 3);
  ChangeHub::Batch batch = subscription->Next(absl::ZeroDuration());
  ASSERT_EQ(batch.events.size(), 3u);
  EXPECT_EQ(batch.events[0].kind(), Event::KIND_RESET);
  EXPECT_EQ(batch.events[0].revision(), 1);
  EXPECT_EQ(batch.events[1].kind(), Event::KIND_KEY);
  EXPECT_EQ(batch.events[1].op(), Event::OP_UPDATED);
  EXPECT_EQ(batch.events[1].id(), 7);
  EXPECT_EQ(batch.events[1].revision(), 2);
  EXPECT_EQ(batch.events[2].revision(), 3);
  EXPECT_EQ(batch.end, ChangeHub::End::kNone);
  EXPECT_EQ(hub.revision(), 3);
}

TEST(ChangeHubTest, NextWakesUpForAnEventFromAnotherThread) {
  ChangeHub hub;
  auto subscription = hub.Subscribe();
  subscription->Next(absl::ZeroDuration());  // the reset
  std::thread publisher([&] { hub.Publish(ChangeKind::kKey, ChangeOp::kUpdated, 9); });
  std::vector<Event> events;
  // Bounded loop rather than a timing assertion: the event must arrive eventually.
  for (int i = 0; i < 100 && events.empty(); ++i) {
    events = subscription->Next(absl::Milliseconds(100)).events;
  }
  publisher.join();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id(), 9);
}

TEST(ChangeHubTest, SlowSubscriberIsEndedInsteadOfSkippingEvents) {
  ChangeHub hub(/*max_queued_events=*/3);
  auto slow = hub.Subscribe();
  for (int i = 0; i < 5; ++i) hub.Publish(ChangeKind::kKey, ChangeOp::kUpdated, i);
  ChangeHub::Batch batch = slow->Next(absl::ZeroDuration());
  EXPECT_TRUE(batch.events.empty());
  EXPECT_EQ(batch.end, ChangeHub::End::kOverflow);
}

TEST(ChangeHubTest, CloseEndsOpenAndLaterSubscriptions) {
  ChangeHub hub;
  auto open = hub.Subscribe();
  EXPECT_EQ(hub.subscriber_count(), 1u);
  hub.Close();
  EXPECT_EQ(open->Next(absl::Seconds(5)).end, ChangeHub::End::kClosed);
  auto late = hub.Subscribe();
  ChangeHub::Batch batch = late->Next(absl::Seconds(5));
  EXPECT_EQ(batch.events.size(), 1u) << "still gets its reset";
  EXPECT_EQ(batch.end, ChangeHub::End::kClosed);
  open.reset();
  EXPECT_EQ(hub.subscriber_count(), 0u);
}

}  // namespace
}  // namespace nexus::registry
