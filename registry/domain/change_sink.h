#ifndef NEXUS_REGISTRY_DOMAIN_CHANGE_SINK_H_
#define NEXUS_REGISTRY_DOMAIN_CHANGE_SINK_H_

#include <cstdint>

#include "registry/domain/types.h"

namespace nexus::registry {

// Told about every committed change, after the commit, so that watchers can drop cached state.
class ChangeSink {
 public:
  virtual ~ChangeSink() = default;
  virtual void Publish(ChangeKind kind, ChangeOp op, int64_t id) = 0;
};

}  // namespace nexus::registry

#endif  // NEXUS_REGISTRY_DOMAIN_CHANGE_SINK_H_
