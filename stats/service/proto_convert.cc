#include "stats/service/proto_convert.h"

namespace nexus::stats {

UsageEvent FromProto(const v1::UsageEvent& in) {
  return UsageEvent{.request_id = in.request_id(),
                    .timestamp_ms = in.timestamp_ms(),
                    .key_id = in.key_id(),
                    .provider_id = in.provider_id(),
                    .model = in.model(),
                    .upstream_model = in.upstream_model(),
                    .conversation_id = in.conversation_id(),
                    .prompt_tokens = in.prompt_tokens(),
                    .completion_tokens = in.completion_tokens(),
                    .total_tokens = in.total_tokens(),
                    .token_source = static_cast<int>(in.token_source()),
                    .streamed = in.streamed(),
                    .endpoint = static_cast<int>(in.endpoint()),
                    .http_status = in.http_status(),
                    .error_type = in.error_type(),
                    .latency_ms = in.latency_ms(),
                    .time_to_first_token_ms = in.time_to_first_token_ms(),
                    .upstream_latency_ms = in.upstream_latency_ms()};
}

void ToProto(const UsageEvent& in, v1::UsageEvent* out) {
  out->set_request_id(in.request_id);
  out->set_timestamp_ms(in.timestamp_ms);
  out->set_key_id(in.key_id);
  out->set_provider_id(in.provider_id);
  out->set_model(in.model);
  out->set_upstream_model(in.upstream_model);
  out->set_conversation_id(in.conversation_id);
  out->set_prompt_tokens(in.prompt_tokens);
  out->set_completion_tokens(in.completion_tokens);
  out->set_total_tokens(in.total_tokens);
  out->set_token_source(static_cast<v1::TokenSource>(in.token_source));
  out->set_streamed(in.streamed);
  out->set_endpoint(static_cast<v1::Endpoint>(in.endpoint));
  out->set_http_status(in.http_status);
  out->set_error_type(in.error_type);
  out->set_latency_ms(in.latency_ms);
  out->set_time_to_first_token_ms(in.time_to_first_token_ms);
  out->set_upstream_latency_ms(in.upstream_latency_ms);
}

Filter FromProto(const v1::Filter& in) {
  Filter f;
  f.start_ms = in.start_ms();
  f.end_ms = in.end_ms();
  f.provider_ids.assign(in.provider_ids().begin(), in.provider_ids().end());
  f.models.assign(in.models().begin(), in.models().end());
  f.key_ids.assign(in.key_ids().begin(), in.key_ids().end());
  return f;
}

void ToProto(const RecordResult& in, v1::RecordUsageResponse* out) {
  out->set_accepted(in.accepted);
  out->set_duplicates(in.duplicates);
  for (const RejectedEvent& r : in.rejected) {
    v1::RejectedEvent* rejected = out->add_rejected();
    rejected->set_index(r.index);
    rejected->set_request_id(r.request_id);
    rejected->set_reason(r.reason);
  }
}

void ToProto(const Totals& in, v1::Totals* out) {
  out->set_requests(in.requests);
  out->set_conversations(in.conversations);
  out->set_rounds(in.rounds);
  out->set_prompt_tokens(in.prompt_tokens);
  out->set_completion_tokens(in.completion_tokens);
  out->set_total_tokens(in.total_tokens);
  out->set_errors(in.errors);
  out->set_latency_p50_ms(in.latency_p50_ms);
  out->set_latency_p90_ms(in.latency_p90_ms);
  out->set_latency_p99_ms(in.latency_p99_ms);
}

void ToProto(const SeriesPoint& in, v1::SeriesPoint* out) {
  out->set_bucket_start_ms(in.bucket_start_ms);
  out->set_requests(in.metrics.requests);
  out->set_prompt_tokens(in.metrics.prompt_tokens);
  out->set_completion_tokens(in.metrics.completion_tokens);
  out->set_total_tokens(in.metrics.total_tokens);
  out->set_errors(in.metrics.errors);
}

void ToProto(const BreakdownRow& in, v1::BreakdownRow* out) {
  out->set_group(in.group);
  out->set_requests(in.metrics.requests);
  out->set_prompt_tokens(in.metrics.prompt_tokens);
  out->set_completion_tokens(in.metrics.completion_tokens);
  out->set_total_tokens(in.metrics.total_tokens);
  out->set_errors(in.metrics.errors);
}

}  // namespace nexus::stats
