# cmake -DFILE=<path> -DEXPECTED=<sha256 hex> -P verify_sha256.cmake: fails unless they match.
file(SHA256 "${FILE}" actual)
if(NOT actual STREQUAL EXPECTED)
  message(FATAL_ERROR "SHA-256 mismatch for ${FILE}: expected ${EXPECTED}, got ${actual}")
endif()
