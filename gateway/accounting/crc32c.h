#ifndef NEXUS_GATEWAY_ACCOUNTING_CRC32C_H_
#define NEXUS_GATEWAY_ACCOUNTING_CRC32C_H_

#include <cstdint>
#include <string_view>

namespace nexus::gateway {

// CRC-32C (Castagnoli), the checksum of each spool record.
uint32_t Crc32c(std::string_view data);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_ACCOUNTING_CRC32C_H_
