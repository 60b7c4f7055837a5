#ifndef NEXUS_TESTS_INTEGRATION_GATEWAY_STATS_LEDGER_H_
#define NEXUS_TESTS_INTEGRATION_GATEWAY_STATS_LEDGER_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nexus/stats/v1/stats.grpc.pb.h"

namespace nexus::testing_support {

// What the real nexus-stats recorded for one client key, read the way the console reads it: the
// integration and fault suites compare it with what their clients received.

// Totals of every event of `key_id` up to an hour from now; UNAVAILABLE while stats is down.
absl::StatusOr<nexus::stats::v1::Totals> KeyTotals(nexus::stats::v1::Stats::Stub& stats,
                                                   int64_t key_id);

// Polls KeyTotals until it counts `requests` requests or `timeout` passes (a hang guard); returns
// the last totals read.
nexus::stats::v1::Totals WaitForKeyRequests(nexus::stats::v1::Stats::Stub& stats, int64_t key_id,
                                            int64_t requests, absl::Duration timeout);

// The request log of `key_id` (one page).
std::vector<nexus::stats::v1::UsageEvent> KeyEvents(nexus::stats::v1::Stats::Stub& stats,
                                                    int64_t key_id);

}  // namespace nexus::testing_support

#endif  // NEXUS_TESTS_INTEGRATION_GATEWAY_STATS_LEDGER_H_
