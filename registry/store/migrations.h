#ifndef NEXUS_REGISTRY_STORE_MIGRATIONS_H_
#define NEXUS_REGISTRY_STORE_MIGRATIONS_H_

#include <span>

#include "services/sqlite/database.h"

namespace nexus::registry {

// The schema of registry.db, one forward-only step per release that changes it.
std::span<const sqlite::Migration> RegistryMigrations();

}  // namespace nexus::registry

#endif  // NEXUS_REGISTRY_STORE_MIGRATIONS_H_
