#ifndef NEXUS_REGISTRY_SERVICE_PROTO_CONVERT_H_
#define NEXUS_REGISTRY_SERVICE_PROTO_CONVERT_H_

#include "nexus/registry/v1/registry.pb.h"
#include "registry/domain/types.h"

namespace nexus::registry {

// Conversions between the wire messages and the domain types; no decisions here.
namespace pb = nexus::registry::v1;

void ToProto(const Provider& in, pb::Provider* out);
void ToProto(const Model& in, pb::Model* out);
void ToProto(const ClientKey& in, pb::ClientKey* out);
void ToProto(const Route& in, pb::Route* out);

NewProvider FromProto(const pb::CreateProviderRequest& in);
ProviderPatch FromProto(const pb::UpdateProviderRequest& in);
Model FromProto(const pb::CreateModelRequest& in);
ModelPatch FromProto(const pb::UpdateModelRequest& in);
NewKey FromProto(const pb::CreateKeyRequest& in);
KeyPatch FromProto(const pb::UpdateKeyRequest& in);

}  // namespace nexus::registry

#endif  // NEXUS_REGISTRY_SERVICE_PROTO_CONVERT_H_
