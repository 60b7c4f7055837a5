// Default runtime options of the sanitizer builds (NEXUS_SANITIZE), linked into every executable
// there: tests, and the binaries the integration tests start. Any report ends the process with a
// failure, so a test cannot pass over one. Environment variables (ASAN_OPTIONS, ...) still
// override these for a manual run.

extern "C" {

const char* __asan_default_options() { return "detect_leaks=1:abort_on_error=0"; }

const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }

const char* __tsan_default_options() {
  return "halt_on_error=1:second_deadlock_stack=1:suppressions=" NEXUS_TSAN_SUPPRESSIONS;
}

}  // extern "C"
