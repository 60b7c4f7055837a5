// nexusctl usage: totals and a breakdown table from the stats service.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "registry/ctl/args.h"
#include "registry/ctl/command.h"
#include "registry/ctl/format.h"
#include "registry/ctl/table.h"
#include "services/strings/absl_view.h"

namespace nexus::ctl {
namespace {

namespace pb = nexus::stats::v1;

constexpr char kUsage[] =
    "usage: nexusctl usage [--since 24h | --from TIME] [--to TIME] [--by provider|model|key]\n"
    "    [--provider ID] [--model NAME] [--key ID] [--limit N]\n"
    "Totals over [from, to) (UTC, default: the last 24 hours) and the top groups by total\n"
    "tokens (default --by model, --limit 20). TIME is 2026-11-26 (midnight UTC) or an RFC 3339\n"
    "time (2026-11-26T08:00:00Z); --since takes 90m, 24h, 7d. Conversations are counted where\n"
    "their first request falls. With --json the output is one object {totals, breakdown}.\n";

constexpr std::array kFlags = {
    FlagSpec{"since", true}, FlagSpec{"from", true},     FlagSpec{"to", true},
    FlagSpec{"by", true},    FlagSpec{"provider", true}, FlagSpec{"model", true},
    FlagSpec{"key", true},   FlagSpec{"limit", true},    FlagSpec{"help", false},
};

absl::StatusOr<int64_t> ParseTime(std::string_view flag, const std::string& text) {
  absl::Time t;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &error) ||
      absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &error)) {
    return absl::ToUnixMillis(t);
  }
  return UsageError(
      absl::StrCat("--", Av(flag), " '", text, "' is not a date (2026-11-26) or RFC 3339 time"));
}

absl::StatusOr<absl::Duration> ParseSince(const std::string& text) {
  absl::Duration d;
  int64_t days = 0;
  if (text.size() > 1 && text.back() == 'd' &&
      absl::SimpleAtoi(text.substr(0, text.size() - 1), &days) && days > 0) {
    return absl::Hours(24 * days);
  }
  if (absl::ParseDuration(text, &d) && d > absl::ZeroDuration()) return d;
  return UsageError(absl::StrCat("--since '", text, "' is not a duration such as 90m, 24h or 7d"));
}

absl::StatusOr<pb::GroupBy> ParseGroupBy(const std::optional<std::string>& by) {
  if (!by.has_value() || *by == "model") return pb::GROUP_BY_MODEL;
  if (*by == "provider") return pb::GROUP_BY_PROVIDER;
  if (*by == "key") return pb::GROUP_BY_KEY;
  return UsageError(absl::StrCat("--by '", *by, "' must be provider, model or key"));
}

// Fills the range and dimension filters from the flags.
absl::Status ReadFilter(CtlContext& context, const ParsedArgs& args, pb::Filter* filter) {
  if (args.Has("since") && args.Has("from")) return UsageError("give --since or --from, not both");
  int64_t end = absl::ToUnixMillis(context.Now());
  if (auto to = args.Get("to")) {
    absl::StatusOr<int64_t> t = ParseTime("to", *to);
    if (!t.ok()) return t.status();
    end = *t;
  }
  int64_t start = 0;
  if (auto from = args.Get("from")) {
    absl::StatusOr<int64_t> t = ParseTime("from", *from);
    if (!t.ok()) return t.status();
    start = *t;
  } else {
    absl::StatusOr<absl::Duration> since = ParseSince(args.Get("since").value_or("24h"));
    if (!since.ok()) return since.status();
    start = end - absl::ToInt64Milliseconds(*since);
  }
  if (end < start) return UsageError("--to is before the start of the range");
  filter->set_start_ms(std::max<int64_t>(start, 0));
  filter->set_end_ms(end);
  for (const char* flag : {"provider", "key"}) {
    absl::StatusOr<std::optional<int64_t>> id = args.GetInt(flag, 1, INT64_MAX);
    if (!id.ok()) return id.status();
    if (!id->has_value()) continue;
    if (std::string_view(flag) == "provider") {
      filter->add_provider_ids(**id);
    } else {
      filter->add_key_ids(**id);
    }
  }
  if (auto model = args.Get("model")) filter->add_models(*model);
  return absl::OkStatus();
}

std::string Json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options).ok()) return "null";
  return text;
}

void PrintReport(CtlContext& context, const pb::Filter& filter, const pb::Totals& t,
                 const pb::GetBreakdownResponse& breakdown, std::string_view by) {
  if (context.json()) {
    context.out() << "{\"totals\":" << Json(t) << ",\"breakdown\":" << Json(breakdown) << "}\n";
    return;
  }
  PrintFields(context.out(),
              {{"range", absl::StrCat(FormatTimeMs(filter.start_ms()), " .. ",
                                      FormatTimeMs(filter.end_ms()))},
               {"requests", absl::StrCat(t.requests())},
               {"errors", absl::StrCat(t.errors())},
               {"conversations", absl::StrCat(t.conversations())},
               {"rounds", absl::StrCat(t.rounds())},
               {"prompt tokens", absl::StrCat(t.prompt_tokens())},
               {"completion tokens", absl::StrCat(t.completion_tokens())},
               {"total tokens", absl::StrCat(t.total_tokens())},
               {"latency p50/p90/p99", absl::StrCat(t.latency_p50_ms(), " / ", t.latency_p90_ms(),
                                                    " / ", t.latency_p99_ms(), " ms")}});
  context.out() << "\n";
  Table table({std::string(by), "REQUESTS", "ERRORS", "PROMPT", "COMPLETION", "TOTAL"});
  for (const pb::BreakdownRow& row : breakdown.rows()) {
    table.AddRow({row.group().empty() ? "-" : row.group(), absl::StrCat(row.requests()),
                  absl::StrCat(row.errors()), absl::StrCat(row.prompt_tokens()),
                  absl::StrCat(row.completion_tokens()), absl::StrCat(row.total_tokens())});
  }
  table.Print(context.out());
}

}  // namespace

absl::Status RunUsageCommand(CtlContext& context, std::span<const std::string> args) {
  absl::StatusOr<ParsedArgs> parsed = ParsedArgs::Parse(args, kFlags);
  if (!parsed.ok()) return parsed.status();
  if (parsed->Has("help") ||
      (parsed->positionals().size() == 1 && parsed->positionals()[0] == "help")) {
    context.out() << kUsage;
    return absl::OkStatus();
  }
  if (absl::Status s = parsed->ExpectPositionals(0, kUsage); !s.ok()) return s;
  pb::GetBreakdownRequest breakdown_request;
  if (absl::Status s = ReadFilter(context, *parsed, breakdown_request.mutable_filter()); !s.ok()) {
    return s;
  }
  absl::StatusOr<pb::GroupBy> by = ParseGroupBy(parsed->Get("by"));
  if (!by.ok()) return by.status();
  absl::StatusOr<std::optional<int64_t>> limit = parsed->GetInt("limit", 1, 1000);
  if (!limit.ok()) return limit.status();
  breakdown_request.set_group_by(*by);
  breakdown_request.set_limit(static_cast<int32_t>(limit->value_or(20)));

  pb::GetTotalsRequest totals_request;
  *totals_request.mutable_filter() = breakdown_request.filter();
  pb::Totals totals;
  absl::Status status = context.FromRpc(
      context.stats().GetTotals(context.Call().get(), totals_request, &totals), "stats");
  if (!status.ok()) return status;
  pb::GetBreakdownResponse breakdown;
  status = context.FromRpc(
      context.stats().GetBreakdown(context.Call().get(), breakdown_request, &breakdown), "stats");
  if (!status.ok()) return status;
  const char* header = *by == pb::GROUP_BY_KEY        ? "KEY"
                       : *by == pb::GROUP_BY_PROVIDER ? "PROVIDER"
                                                      : "MODEL";
  PrintReport(context, breakdown_request.filter(), totals, breakdown, header);
  return absl::OkStatus();
}

}  // namespace nexus::ctl
