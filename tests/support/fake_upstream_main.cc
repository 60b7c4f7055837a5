// nexus-fake-upstream: the test upstream as a process, for integration and end-to-end tests.
//   nexus-fake-upstream --port=0 --mode=stall --after_events=3 --control=true
// Prints "listening on 127.0.0.1:<port>" on stdout once it accepts connections, then serves until
// SIGTERM or SIGINT. With --control=true, tests re-script it over HTTP: POST /_fake/script (the
// default script), POST /_fake/queue (next calls), GET /_fake/requests, GET /_fake/stats,
// POST /_fake/reset. A script is JSON as FakeScriptFromJson reads it.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/config/config.h"
#include "services/process/shutdown_signal.h"
#include "services/strings/absl_view.h"
#include "tests/support/fake_upstream.h"

namespace {

using nexus::config::SettingSpec;

const std::vector<SettingSpec>& Specs() {
  static const std::vector<SettingSpec> kSpecs = {
      {"port", "NEXUS_FAKE_PORT", "0", "TCP port on 127.0.0.1 (0 picks a free one)"},
      {"mode", "NEXUS_FAKE_MODE", "normal",
       "normal | http_error | stall | close | malformed | error_after_200 | reset"},
      {"usage", "NEXUS_FAKE_USAGE", "when_asked", "when_asked | never | every_chunk"},
      {"status", "NEXUS_FAKE_STATUS", "500", "HTTP status for --mode=http_error"},
      {"retry_after", "NEXUS_FAKE_RETRY_AFTER", "0", "Retry-After seconds on errors (0: none)"},
      {"after_events", "NEXUS_FAKE_AFTER_EVENTS", "2", "events sent before a scripted failure"},
      {"event_delay_ms", "NEXUS_FAKE_EVENT_DELAY_MS", "0", "pause before each SSE event"},
      {"response_delay_ms", "NEXUS_FAKE_RESPONSE_DELAY_MS", "0", "pause before the status line"},
      {"pieces", "NEXUS_FAKE_PIECES", "Hello| from| the| fake| upstream.",
       "completion pieces, one per SSE chunk, separated by '|'"},
      {"prompt_tokens", "NEXUS_FAKE_PROMPT_TOKENS", "9", "reported prompt tokens"},
      {"completion_tokens", "NEXUS_FAKE_COMPLETION_TOKENS", "-1",
       "reported completion tokens (-1: one per piece)"},
      {"api_key", "NEXUS_FAKE_API_KEY", "", "required bearer key (empty: any)", true},
      {"models", "NEXUS_FAKE_MODELS", "fake-model,fake-model-large", "GET /v1/models list"},
      {"threads", "NEXUS_FAKE_THREADS", "256", "server threads (one per open connection)"},
      {"control", "NEXUS_FAKE_CONTROL", "true", "serve the /_fake/* control endpoints"},
  };
  return kSpecs;
}

}  // namespace

int main(int argc, char** argv) {
  nexus::process::BlockShutdownSignals();
  auto loaded = nexus::config::Config::Load(Specs(), argc, argv);
  if (!loaded.ok()) {
    std::cerr << loaded.status().message() << "\n";
    return 2;
  }
  nexus::config::Config& config = *loaded;
  if (config.help_requested()) {
    std::cout << nexus::config::Config::Usage("nexus-fake-upstream", Specs());
    return 0;
  }
  const int port = static_cast<int>(config.GetInt("port", 0, 65535));
  std::string script_json = absl::StrCat(
      R"({"mode":")", config.GetString("mode"), R"(","usage":")", config.GetString("usage"),
      R"(","status":)", config.GetInt("status", 100, 599), R"(,"retry_after":)",
      config.GetInt("retry_after", 0, 86400), R"(,"after_events":)",
      config.GetInt("after_events", 0, 1000000), R"(,"event_delay_ms":)",
      config.GetInt("event_delay_ms", 0, 3600000), R"(,"response_delay_ms":)",
      config.GetInt("response_delay_ms", 0, 3600000), R"(,"prompt_tokens":)",
      config.GetInt("prompt_tokens", 0, 1LL << 40), R"(,"completion_tokens":)",
      config.GetInt("completion_tokens", -1, 1LL << 40), "}");
  nexus::testing_support::FakeUpstreamOptions options;
  options.api_key = config.GetString("api_key");
  options.models = absl::StrSplit(config.GetString("models"), ',', absl::SkipEmpty());
  options.threads = static_cast<int>(config.GetInt("threads", 1, 10000));
  options.control_endpoints = config.GetBool("control");
  auto script = nexus::testing_support::FakeScriptFromJson(script_json);
  if (!script.ok()) config.AddError("mode", nexus::Sv(script.status().message()));
  if (absl::Status valid = config.Validate(); !valid.ok()) {
    std::cerr << valid.message() << "\n";
    return 2;
  }
  script->pieces = absl::StrSplit(config.GetString("pieces"), '|');

  nexus::testing_support::FakeUpstream fake(options);
  fake.SetDefaultScript(*script);
  if (absl::Status started = fake.Start(port); !started.ok()) {
    std::cerr << started.message() << "\n";
    return 1;
  }
  std::cout << "listening on 127.0.0.1:" << fake.port() << std::endl;
  nexus::process::WaitForShutdownSignal();
  fake.Stop();
  return 0;
}
