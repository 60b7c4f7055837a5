#ifndef NEXUS_TESTS_SUPPORT_FAKE_UPSTREAM_H_
#define NEXUS_TESTS_SUPPORT_FAKE_UPSTREAM_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace nexus::testing_support {

// How the fake answers one chat completion call.
struct FakeScript {
  enum class Mode {
    // A normal answer: JSON, or SSE when the request says "stream": true.
    kNormal,
    // `http_status` with an OpenAI error body (and Retry-After for 429).
    kHttpError,
    // SSE: `after_events` chunks, then silence until the client leaves or the fake stops.
    kStall,
    // SSE: `after_events` chunks, then the connection is dropped without ending the body.
    kCloseMidStream,
    // SSE: `after_events` chunks, then an event whose data is not JSON, then [DONE].
    kMalformedSse,
    // SSE: `after_events` chunks, then an OpenAI error object as an event; no [DONE].
    kErrorAfter200,
    // The connection is reset (TCP RST): JSON before any answer; SSE after `after_events` chunks
    // (0: before the status line).
    kReset,
  };
  enum class Usage {
    // JSON: always. SSE: a usage-only chunk when stream_options.include_usage is true.
    kWhenAsked,
    // Never report usage (the gateway must count tokens itself).
    kNever,
    // SSE: cumulative usage in every chunk (the last one holds the totals).
    kEveryChunk,
  };

  Mode mode = Mode::kNormal;
  Usage usage = Usage::kWhenAsked;
  // The completion, one SSE chunk per piece; JSON answers join them.
  std::vector<std::string> pieces = {"Hello", " from", " the", " fake", " upstream."};
  int64_t prompt_tokens = 9;
  // Reported completion tokens; -1 means one per piece.
  int64_t completion_tokens = -1;
  // Pause before each SSE event.
  absl::Duration event_delay = absl::ZeroDuration();
  // Pause before the status line (JSON and SSE); lets tests hit the client's read timeout.
  absl::Duration response_delay = absl::ZeroDuration();
  // For kHttpError.
  int http_status = 500;
  std::string error_message = "The fake upstream was told to fail.";
  int retry_after_seconds = 0;
  // For kStall, kCloseMidStream, kMalformedSse, kErrorAfter200 and kReset: content chunks sent
  // first.
  int after_events = 2;
  // Extra response headers.
  std::map<std::string, std::string> headers;
};

// Parses a script from JSON, e.g. {"mode":"stall","after_events":3,"event_delay_ms":50,
// "pieces":["a","b"],"usage":"never","status":429,"retry_after":2,"prompt_tokens":5}.
absl::StatusOr<FakeScript> FakeScriptFromJson(std::string_view json);

// One request as the fake received it.
struct RecordedRequest {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> headers;
  std::string body;
  int remote_port = 0;

  // First value of a header (case-insensitive name), or "".
  std::string Header(const std::string& name) const;
};

struct FakeUpstreamOptions {
  // When set, requests without "Authorization: Bearer <api_key>" get 401 in OpenAI's shape.
  std::string api_key;
  // Listed by GET /v1/models.
  std::vector<std::string> models = {"fake-model", "fake-model-large"};
  // Server threads: every open connection (and every stalled stream) holds one.
  int threads = 64;
  // Serves POST /_fake/script, GET /_fake/requests, GET /_fake/stats, POST /_fake/reset so that
  // tests driving the standalone binary can script it.
  bool control_endpoints = false;
};

// An in-process OpenAI-compatible upstream on 127.0.0.1 for tests: POST /v1/chat/completions,
// POST /v1/embeddings, GET /v1/models (also without the /v1 prefix). Thread-safe.
class FakeUpstream {
 public:
  explicit FakeUpstream(FakeUpstreamOptions options = {});
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  // Binds 127.0.0.1:port (0 picks a free port) and serves on a background thread.
  absl::Status Start(int port = 0);
  // Stops serving; stalled streams are released. Idempotent; the destructor calls it.
  void Stop();

  int port() const { return port_; }
  // "http://127.0.0.1:<port>/v1", the provider base URL to configure.
  std::string base_url() const;

  // The script used when no queued script is left.
  void SetDefaultScript(FakeScript script);
  // Scripts consumed one per chat call, in order, before the default applies (failover tests).
  void QueueScript(FakeScript script);

  std::vector<RecordedRequest> requests() const;
  // Distinct TCP connections that sent at least one request.
  int connections() const;
  // SSE streams that ended because the client went away (write failed or peer closed).
  int client_aborts() const;
  // SSE streams fully written (through [DONE] or the scripted end).
  int completed_streams() const;
  // Streams currently being written or stalled.
  int active_streams() const;
  // Waits until client_aborts() >= n; false on timeout.
  bool WaitForClientAborts(int n, absl::Duration timeout) const;
  // Forgets recorded requests and counters and clears queued scripts.
  void Reset();

 private:
  struct StreamPlan;

  void Route(const httplib::Request& req, httplib::Response& res);
  void HandleChat(const httplib::Request& req, httplib::Response& res);
  void HandleEmbeddings(const httplib::Request& req, httplib::Response& res);
  void HandleModels(httplib::Response& res);
  void HandleControl(const httplib::Request& req, httplib::Response& res);
  void StartStream(const httplib::Request& req, httplib::Response& res, const FakeScript& script,
                   std::vector<std::string> events);
  // Waits silently until the client closes the connection (true) or the fake stops (false).
  bool StallUntilClientLeaves(int local_port, int remote_port);
  // Resets the connection of this request (RST, no FIN); httplib's later writes go nowhere.
  void ResetConnection(int local_port, int remote_port);
  int64_t NextId();
  void Record(const httplib::Request& req);
  FakeScript NextScript();
  // Sleeps up to `d`; false when the fake is stopping.
  bool Pause(absl::Duration d);
  void CountStreamEnd(bool client_gone);

  FakeUpstreamOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool stopping_ = false;
  FakeScript default_script_;
  std::deque<FakeScript> queued_;
  std::vector<RecordedRequest> requests_;
  std::set<std::pair<std::string, int>> peers_;
  int client_aborts_ = 0;
  int completed_streams_ = 0;
  int active_streams_ = 0;
  int64_t next_id_ = 1;
};

}  // namespace nexus::testing_support

#endif  // NEXUS_TESTS_SUPPORT_FAKE_UPSTREAM_H_
