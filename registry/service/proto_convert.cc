#include "registry/service/proto_convert.h"

namespace nexus::registry {

void ToProto(const Provider& in, pb::Provider* out) {
  out->set_id(in.id);
  out->set_name(in.name);
  out->set_base_url(in.base_url);
  out->set_description(in.description);
  out->set_enabled(in.enabled);
  out->set_api_key_hint(in.api_key_hint);
  out->set_priority(in.priority);
  out->set_stream_usage(in.stream_usage);
  out->set_created_at_ms(in.created_at_ms);
  out->set_updated_at_ms(in.updated_at_ms);
}

void ToProto(const Model& in, pb::Model* out) {
  out->set_id(in.id);
  out->set_provider_id(in.provider_id);
  out->set_name(in.name);
  out->set_upstream_name(in.upstream_name);
  out->set_description(in.description);
  out->set_enabled(in.enabled);
  out->set_tokenizer(in.tokenizer);
  out->set_created_at_ms(in.created_at_ms);
  out->set_updated_at_ms(in.updated_at_ms);
}

void ToProto(const ClientKey& in, pb::ClientKey* out) {
  out->set_id(in.id);
  out->set_name(in.name);
  out->set_prefix(in.prefix);
  for (const std::string& model : in.allowed_models) out->add_allowed_models(model);
  out->set_provider_id(in.provider_id);
  out->set_expires_at_ms(in.expires_at_ms);
  out->set_enabled(in.enabled);
  out->set_revoked(in.revoked);
  out->set_requests_per_minute(in.requests_per_minute);
  out->set_max_concurrency(in.max_concurrency);
  out->set_created_at_ms(in.created_at_ms);
  out->set_updated_at_ms(in.updated_at_ms);
  out->set_revoked_at_ms(in.revoked_at_ms);
}

void ToProto(const Route& in, pb::Route* out) {
  out->set_provider_id(in.provider_id);
  out->set_provider_name(in.provider_name);
  out->set_base_url(in.base_url);
  out->set_model_id(in.model_id);
  out->set_model(in.model);
  out->set_upstream_model(in.upstream_model);
  out->set_api_key(in.api_key);
  out->set_priority(in.priority);
  out->set_stream_usage(in.stream_usage);
  out->set_tokenizer(in.tokenizer);
}

NewProvider FromProto(const pb::CreateProviderRequest& in) {
  NewProvider out;
  out.name = in.name();
  out.base_url = in.base_url();
  out.api_key = in.api_key();
  out.description = in.description();
  out.enabled = in.has_enabled() ? in.enabled() : true;
  out.priority = in.priority();
  out.stream_usage = in.has_stream_usage() ? in.stream_usage() : true;
  return out;
}

ProviderPatch FromProto(const pb::UpdateProviderRequest& in) {
  ProviderPatch patch;
  if (in.has_name()) patch.name = in.name();
  if (in.has_base_url()) patch.base_url = in.base_url();
  if (in.has_api_key()) patch.api_key = in.api_key();
  if (in.has_description()) patch.description = in.description();
  if (in.has_enabled()) patch.enabled = in.enabled();
  if (in.has_priority()) patch.priority = in.priority();
  if (in.has_stream_usage()) patch.stream_usage = in.stream_usage();
  return patch;
}

Model FromProto(const pb::CreateModelRequest& in) {
  Model out;
  out.provider_id = in.provider_id();
  out.name = in.name();
  out.upstream_name = in.upstream_name();
  out.description = in.description();
  out.enabled = in.has_enabled() ? in.enabled() : true;
  out.tokenizer = in.tokenizer();
  return out;
}

ModelPatch FromProto(const pb::UpdateModelRequest& in) {
  ModelPatch patch;
  if (in.has_name()) patch.name = in.name();
  if (in.has_upstream_name()) patch.upstream_name = in.upstream_name();
  if (in.has_description()) patch.description = in.description();
  if (in.has_enabled()) patch.enabled = in.enabled();
  if (in.has_tokenizer()) patch.tokenizer = in.tokenizer();
  return patch;
}

NewKey FromProto(const pb::CreateKeyRequest& in) {
  NewKey out;
  out.name = in.name();
  out.allowed_models.assign(in.allowed_models().begin(), in.allowed_models().end());
  out.provider_id = in.provider_id();
  out.expires_at_ms = in.expires_at_ms();
  out.enabled = in.has_enabled() ? in.enabled() : true;
  out.requests_per_minute = in.requests_per_minute();
  out.max_concurrency = in.max_concurrency();
  return out;
}

KeyPatch FromProto(const pb::UpdateKeyRequest& in) {
  KeyPatch patch;
  if (in.has_name()) patch.name = in.name();
  if (in.has_allowed_models()) {
    patch.allowed_models.emplace(in.allowed_models().models().begin(),
                                 in.allowed_models().models().end());
  }
  if (in.has_provider_id()) patch.provider_id = in.provider_id();
  if (in.has_expires_at_ms()) patch.expires_at_ms = in.expires_at_ms();
  if (in.has_enabled()) patch.enabled = in.enabled();
  if (in.has_requests_per_minute()) patch.requests_per_minute = in.requests_per_minute();
  if (in.has_max_concurrency()) patch.max_concurrency = in.max_concurrency();
  return patch;
}

}  // namespace nexus::registry
