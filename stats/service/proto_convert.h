#ifndef NEXUS_STATS_SERVICE_PROTO_CONVERT_H_
#define NEXUS_STATS_SERVICE_PROTO_CONVERT_H_

#include "nexus/stats/v1/stats.pb.h"
#include "stats/domain/query.h"
#include "stats/domain/usage.h"

namespace nexus::stats {

// Wire ⇄ domain. Enum values pass through as numbers so that unknown ones reach validation.
UsageEvent FromProto(const v1::UsageEvent& in);
void ToProto(const UsageEvent& in, v1::UsageEvent* out);
Filter FromProto(const v1::Filter& in);
void ToProto(const RecordResult& in, v1::RecordUsageResponse* out);
void ToProto(const Totals& in, v1::Totals* out);
void ToProto(const SeriesPoint& in, v1::SeriesPoint* out);
void ToProto(const BreakdownRow& in, v1::BreakdownRow* out);

}  // namespace nexus::stats

#endif  // NEXUS_STATS_SERVICE_PROTO_CONVERT_H_
