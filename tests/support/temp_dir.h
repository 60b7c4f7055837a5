#ifndef NEXUS_TESTS_SUPPORT_TEMP_DIR_H_
#define NEXUS_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>

namespace nexus::testing_support {

// A fresh directory under $TMPDIR, removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The whole file as bytes; empty when it cannot be read (tests grep database files for secrets).
std::string ReadFileBytes(const std::string& path);

}  // namespace nexus::testing_support

#endif  // NEXUS_TESTS_SUPPORT_TEMP_DIR_H_
