#include "tests/support/fake_upstream.h"

#include <dirent.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace nexus::testing_support {
namespace {

using Json = nlohmann::ordered_json;

constexpr int64_t kCreated = 1700000000;

std::string ErrorBody(std::string_view message, std::string_view type, const Json& code) {
  Json body = {
      {"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}};
  return body.dump();
}

void SendError(httplib::Response& res, int status, std::string_view message) {
  std::string_view type = status == 401   ? "invalid_request_error"
                          : status == 429 ? "requests"
                          : status >= 500 ? "server_error"
                                          : "invalid_request_error";
  Json code = status == 401   ? Json("invalid_api_key")
              : status == 429 ? Json("rate_limit_exceeded")
                              : Json(nullptr);
  res.status = status;
  res.set_content(ErrorBody(message, type, code), "application/json");
}

// The socket httplib serves this request on, found by its ports: lets a silent (stalled) answer
// notice that the client went away without writing anything.
int FindConnectionFd(int local_port, int remote_port) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (dirent* entry = readdir(dir)) {
    int fd = std::atoi(entry->d_name);
    if (fd <= 2) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    if (local.ss_family != AF_INET || peer.ss_family != AF_INET) continue;
    int lp = ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
    int rp = ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port);
    if (lp == local_port && rp == remote_port) {
      found = fd;
      break;
    }
  }
  closedir(dir);
  return found;
}

// Shuts down every accepted connection of the server on `local_port`: httplib 0.11 lets an idle
// keep-alive connection hold its thread (and so stop()) for the whole keep-alive timeout.
void ShutdownAcceptedConnections(int local_port) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  while (dirent* entry = readdir(dir)) {
    int fd = std::atoi(entry->d_name);
    if (fd <= 2) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    if (local.ss_family != AF_INET) continue;
    if (ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port) != local_port) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    shutdown(fd, SHUT_RDWR);
  }
  closedir(dir);
}

bool PeerClosed(int fd) {
  if (fd < 0) return false;
  pollfd p{fd, POLLRDHUP, 0};
  if (poll(&p, 1, 0) <= 0) return false;
  return (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

absl::StatusOr<FakeScript::Mode> ParseMode(const std::string& s) {
  using M = FakeScript::Mode;
  static const std::map<std::string, M> kModes = {{"normal", M::kNormal},
                                                  {"http_error", M::kHttpError},
                                                  {"stall", M::kStall},
                                                  {"close", M::kCloseMidStream},
                                                  {"malformed", M::kMalformedSse},
                                                  {"error_after_200", M::kErrorAfter200},
                                                  {"reset", M::kReset}};
  auto it = kModes.find(s);
  if (it == kModes.end()) return absl::InvalidArgumentError(absl::StrCat("unknown mode: ", s));
  return it->second;
}

absl::StatusOr<FakeScript::Usage> ParseUsage(const std::string& s) {
  using U = FakeScript::Usage;
  if (s == "when_asked") return U::kWhenAsked;
  if (s == "never") return U::kNever;
  if (s == "every_chunk") return U::kEveryChunk;
  return absl::InvalidArgumentError(absl::StrCat("unknown usage: ", s));
}

absl::Status ApplyScriptField(const std::string& key, const Json& v, FakeScript& s) {
  if (key == "mode") {
    auto mode = ParseMode(v.get<std::string>());
    if (!mode.ok()) return mode.status();
    s.mode = *mode;
  } else if (key == "usage") {
    auto usage = ParseUsage(v.get<std::string>());
    if (!usage.ok()) return usage.status();
    s.usage = *usage;
  } else if (key == "pieces") {
    s.pieces = v.get<std::vector<std::string>>();
  } else if (key == "prompt_tokens") {
    s.prompt_tokens = v.get<int64_t>();
  } else if (key == "completion_tokens") {
    s.completion_tokens = v.get<int64_t>();
  } else if (key == "event_delay_ms") {
    s.event_delay = absl::Milliseconds(v.get<int64_t>());
  } else if (key == "response_delay_ms") {
    s.response_delay = absl::Milliseconds(v.get<int64_t>());
  } else if (key == "status") {
    s.http_status = v.get<int>();
  } else if (key == "error_message") {
    s.error_message = v.get<std::string>();
  } else if (key == "retry_after") {
    s.retry_after_seconds = v.get<int>();
  } else if (key == "after_events") {
    s.after_events = v.get<int>();
  } else if (key == "headers") {
    s.headers = v.get<std::map<std::string, std::string>>();
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown script field: ", key));
  }
  return absl::OkStatus();
}

Json UsageJson(int64_t prompt, int64_t completion) {
  return {{"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"total_tokens", prompt + completion}};
}

int64_t CompletionTokens(const FakeScript& script) {
  return script.completion_tokens >= 0 ? script.completion_tokens
                                       : static_cast<int64_t>(script.pieces.size());
}

std::string JsonAnswer(const FakeScript& script, const std::string& id, const std::string& model) {
  std::string text;
  for (const std::string& p : script.pieces) text += p;
  Json answer = {{"id", id},
                 {"object", "chat.completion"},
                 {"created", kCreated},
                 {"model", model},
                 {"choices", Json::array({{{"index", 0},
                                           {"message", {{"role", "assistant"}, {"content", text}}},
                                           {"logprobs", nullptr},
                                           {"finish_reason", "stop"}}})}};
  if (script.usage != FakeScript::Usage::kNever) {
    answer["usage"] = UsageJson(script.prompt_tokens, CompletionTokens(script));
  }
  return answer.dump();
}

std::string Frame(const Json& data) { return absl::StrCat("data: ", data.dump(), "\n\n"); }

// One chat.completion.chunk; `usage` is left out when it is a discarded value.
Json StreamChunk(const std::string& id, const std::string& model, Json choices, Json usage) {
  Json c = {{"id", id},       {"object", "chat.completion.chunk"}, {"created", kCreated},
            {"model", model}, {"system_fingerprint", "fp_fake"},   {"choices", std::move(choices)}};
  if (!usage.is_discarded()) c["usage"] = std::move(usage);
  return c;
}

// The SSE frames of a scripted answer, ending as the script's mode says.
std::vector<std::string> StreamEvents(const FakeScript& script, const std::string& id,
                                      const std::string& model, bool include_usage) {
  const int64_t total = CompletionTokens(script);
  const bool usage_chunk = include_usage && script.usage == FakeScript::Usage::kWhenAsked;
  auto content = [&](Json delta, Json finish, int64_t so_far) {
    Json usage = script.usage == FakeScript::Usage::kEveryChunk
                     ? UsageJson(script.prompt_tokens, so_far)
                     : (usage_chunk ? Json(nullptr) : Json(Json::value_t::discarded));
    Json choice = {{"index", 0},
                   {"delta", std::move(delta)},
                   {"logprobs", nullptr},
                   {"finish_reason", std::move(finish)}};
    return Frame(StreamChunk(id, model, Json::array({std::move(choice)}), std::move(usage)));
  };
  std::vector<std::string> events;
  events.push_back(content({{"role", "assistant"}, {"content", ""}}, nullptr, 0));
  for (size_t i = 0; i < script.pieces.size(); ++i) {
    events.push_back(content({{"content", script.pieces[i]}}, nullptr,
                             std::min<int64_t>(total, static_cast<int64_t>(i + 1))));
  }
  events.push_back(content(Json::object(), "stop", total));
  if (usage_chunk) {
    events.push_back(
        Frame(StreamChunk(id, model, Json::array(), UsageJson(script.prompt_tokens, total))));
  }
  events.push_back("data: [DONE]\n\n");
  if (script.mode == FakeScript::Mode::kNormal) return events;
  events.resize(std::min(events.size(), static_cast<size_t>(std::max(0, script.after_events))));
  if (script.mode == FakeScript::Mode::kMalformedSse) {
    events.push_back("data: {\"id\": \"chatcmpl-broken\", \"choices\": [\n\n");
    events.push_back("data: [DONE]\n\n");
  } else if (script.mode == FakeScript::Mode::kErrorAfter200) {
    events.push_back(
        absl::StrCat("data: ", ErrorBody(script.error_message, "server_error", nullptr), "\n\n"));
  }
  return events;
}

}  // namespace

absl::StatusOr<FakeScript> FakeScriptFromJson(std::string_view json) {
  Json parsed = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return absl::InvalidArgumentError("script must be a JSON object");
  FakeScript script;
  for (const auto& [key, value] : parsed.items()) {
    try {
      absl::Status st = ApplyScriptField(key, value, script);
      if (!st.ok()) return st;
    } catch (const Json::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat("script field ", key, ": ", e.what()));
    }
  }
  return script;
}

std::string RecordedRequest::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  }
  return "";
}

// Everything a streaming answer needs, shared with httplib's content provider.
struct FakeUpstream::StreamPlan {
  std::vector<std::string> events;  // complete "data: ...\n\n" frames
  FakeScript::Mode tail = FakeScript::Mode::kNormal;
  absl::Duration event_delay;
  int local_port = 0;
  int remote_port = 0;
};

FakeUpstream::FakeUpstream(FakeUpstreamOptions options) : options_(std::move(options)) {}

FakeUpstream::~FakeUpstream() { Stop(); }

absl::Status FakeUpstream::Start(int port) {
  if (server_ != nullptr) return absl::FailedPreconditionError("fake upstream already started");
  server_ = std::make_unique<httplib::Server>();
  const int threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // No SO_REUSEPORT: a second server on the same port must fail, not share it.
  server_->set_socket_options([](int sock) {
    int on = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  });
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(100000);
  server_->set_keep_alive_timeout(30);
  server_->set_read_timeout(30);
  server_->set_write_timeout(30);
  auto route = [this](const httplib::Request& req, httplib::Response& res) { Route(req, res); };
  server_->Get(".*", route);
  server_->Post(".*", route);
  if (port == 0) {
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return absl::UnavailableError("fake upstream: cannot bind 127.0.0.1");
  } else {
    if (!server_->bind_to_port("127.0.0.1", port)) {
      return absl::UnavailableError(absl::StrCat("fake upstream: cannot bind 127.0.0.1:", port));
    }
    port_ = port;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing until the listen loop runs: wait for it so Stop() is reliable.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!server_->is_running() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  if (!server_->is_running()) return absl::InternalError("fake upstream did not start listening");
  return absl::OkStatus();
}

void FakeUpstream::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  changed_.notify_all();
  if (server_ != nullptr) {
    server_->stop();
    // The listener is closed (no new connections); release threads idling on keep-alives, which
    // the listen thread joins before it returns.
    ShutdownAcceptedConnections(port_);
  }
  if (thread_.joinable()) thread_.join();
}

std::string FakeUpstream::base_url() const {
  return absl::StrCat("http://127.0.0.1:", port_, "/v1");
}

void FakeUpstream::SetDefaultScript(FakeScript script) {
  std::lock_guard<std::mutex> lock(mutex_);
  default_script_ = std::move(script);
}

void FakeUpstream::QueueScript(FakeScript script) {
  std::lock_guard<std::mutex> lock(mutex_);
  queued_.push_back(std::move(script));
}

FakeScript FakeUpstream::NextScript() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (queued_.empty()) return default_script_;
  FakeScript next = std::move(queued_.front());
  queued_.pop_front();
  return next;
}

std::vector<RecordedRequest> FakeUpstream::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

int FakeUpstream::connections() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(peers_.size());
}

int FakeUpstream::client_aborts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return client_aborts_;
}

int FakeUpstream::completed_streams() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return completed_streams_;
}

int FakeUpstream::active_streams() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return active_streams_;
}

bool FakeUpstream::WaitForClientAborts(int n, absl::Duration timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                           [&] { return client_aborts_ >= n; });
}

void FakeUpstream::Reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  requests_.clear();
  peers_.clear();
  queued_.clear();
  client_aborts_ = completed_streams_ = 0;
}

bool FakeUpstream::Pause(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (d <= absl::ZeroDuration()) return !stopping_;
  changed_.wait_for(lock, absl::ToChronoMicroseconds(d), [&] { return stopping_; });
  return !stopping_;
}

void FakeUpstream::CountStreamEnd(bool client_gone) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    (client_gone ? client_aborts_ : completed_streams_) += 1;
  }
  changed_.notify_all();
}

void FakeUpstream::Record(const httplib::Request& req) {
  RecordedRequest r{req.method, req.path, {}, req.body, req.remote_port};
  for (const auto& [k, v] : req.headers) r.headers.emplace(k, v);
  std::lock_guard<std::mutex> lock(mutex_);
  requests_.push_back(std::move(r));
  peers_.emplace(req.remote_addr, req.remote_port);
}

void FakeUpstream::Route(const httplib::Request& req, httplib::Response& res) {
  std::string path = req.path;
  if (path.rfind("/_fake/", 0) == 0 && options_.control_endpoints) return HandleControl(req, res);
  Record(req);
  if (!options_.api_key.empty() &&
      req.get_header_value("Authorization") != "Bearer " + options_.api_key) {
    return SendError(res, 401, "Incorrect API key provided.");
  }
  if (path.rfind("/v1/", 0) == 0) path = path.substr(3);
  if (req.method == "POST" && path == "/chat/completions") return HandleChat(req, res);
  if (req.method == "POST" && path == "/embeddings") return HandleEmbeddings(req, res);
  if (req.method == "GET" && path == "/models") return HandleModels(res);
  SendError(res, 404, absl::StrCat("Unknown request URL: ", req.method, " ", req.path));
}

void FakeUpstream::HandleChat(const httplib::Request& req, httplib::Response& res) {
  Json body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return SendError(res, 400, "We could not parse the JSON body.");
  if (!body.contains("model") || !body["model"].is_string()) {
    return SendError(res, 400, "you must provide a model parameter");
  }
  const std::string model = body["model"].get<std::string>();
  const bool stream = body.value("stream", false) == true;
  bool include_usage = false;
  if (auto it = body.find("stream_options"); it != body.end() && it->is_object()) {
    include_usage = it->value("include_usage", false) == true;
  }
  FakeScript script = NextScript();
  for (const auto& [k, v] : script.headers) res.set_header(k, v);
  if (!Pause(script.response_delay)) return SendError(res, 503, "The fake upstream is stopping.");
  if (script.mode == FakeScript::Mode::kHttpError) {
    if (script.retry_after_seconds > 0) {
      res.set_header("Retry-After", std::to_string(script.retry_after_seconds));
    }
    return SendError(res, script.http_status, script.error_message);
  }
  const std::string id = absl::StrCat("chatcmpl-fake-", NextId());
  if (script.mode == FakeScript::Mode::kReset && (!stream || script.after_events <= 0)) {
    ResetConnection(req.local_port, req.remote_port);
    return SendError(res, 500, "The fake upstream reset the connection.");  // goes nowhere
  }
  if (stream) {
    return StartStream(req, res, script, StreamEvents(script, id, model, include_usage));
  }
  switch (script.mode) {
    case FakeScript::Mode::kStall:  // no answer at all until the client leaves or we stop
      StallUntilClientLeaves(req.local_port, req.remote_port);
      return SendError(res, 503, "The fake upstream stalled.");
    case FakeScript::Mode::kMalformedSse:
      return res.set_content(R"({"id": "chatcmpl-broken", "choices": [)", "application/json");
    case FakeScript::Mode::kErrorAfter200:
      return res.set_content(ErrorBody(script.error_message, "server_error", nullptr),
                             "application/json");
    case FakeScript::Mode::kCloseMidStream: {
      // Promise the whole body, send half of it, then drop the connection.
      auto full = std::make_shared<std::string>(JsonAnswer(script, id, model));
      return res.set_content_provider(full->size(), "application/json",
                                      [full](size_t offset, size_t, httplib::DataSink& sink) {
                                        if (offset > 0) return false;
                                        sink.write(full->data(), full->size() / 2);
                                        return true;
                                      });
    }
    default:
      return res.set_content(JsonAnswer(script, id, model), "application/json");
  }
}

int64_t FakeUpstream::NextId() {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_id_++;
}

void FakeUpstream::ResetConnection(int local_port, int remote_port) {
  const int fd = FindConnectionFd(local_port, remote_port);
  if (fd < 0) return;
  linger reset{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  // Replacing the socket in its descriptor closes it (zero linger: RST) while httplib keeps a
  // valid descriptor: its writes to /dev/null fail with ENOTSOCK and it closes that instead.
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) return;
  ::dup2(null_fd, fd);
  ::close(null_fd);
}

bool FakeUpstream::StallUntilClientLeaves(int local_port, int remote_port) {
  const int fd = FindConnectionFd(local_port, remote_port);
  while (Pause(absl::Milliseconds(20))) {
    if (PeerClosed(fd)) {
      CountStreamEnd(/*client_gone=*/true);
      return true;
    }
  }
  return false;
}

void FakeUpstream::StartStream(const httplib::Request& req, httplib::Response& res,
                               const FakeScript& script, std::vector<std::string> events) {
  auto plan = std::make_shared<StreamPlan>();
  plan->events = std::move(events);
  plan->tail = script.mode;
  plan->event_delay = script.event_delay;
  plan->local_port = req.local_port;
  plan->remote_port = req.remote_port;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++active_streams_;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, plan](size_t, httplib::DataSink& sink) {
        for (const std::string& event : plan->events) {
          if (!Pause(plan->event_delay)) return false;
          if (!sink.write(event.data(), event.size())) {
            CountStreamEnd(/*client_gone=*/true);
            return false;
          }
        }
        if (plan->tail == FakeScript::Mode::kStall) {
          StallUntilClientLeaves(plan->local_port, plan->remote_port);
          return false;
        }
        if (plan->tail == FakeScript::Mode::kCloseMidStream) {
          CountStreamEnd(/*client_gone=*/false);
          return false;  // httplib drops the connection without the final chunk
        }
        if (plan->tail == FakeScript::Mode::kReset) {
          ResetConnection(plan->local_port, plan->remote_port);
          CountStreamEnd(/*client_gone=*/false);
          return false;
        }
        sink.done();
        CountStreamEnd(/*client_gone=*/false);
        return true;
      },
      [this](bool) {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          --active_streams_;
        }
        changed_.notify_all();
      });
}

void FakeUpstream::HandleEmbeddings(const httplib::Request& req, httplib::Response& res) {
  Json body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return SendError(res, 400, "We could not parse the JSON body.");
  if (!body.contains("model") || !body["model"].is_string() || !body.contains("input")) {
    return SendError(res, 400, "you must provide a model and an input parameter");
  }
  FakeScript script = NextScript();
  if (!Pause(script.response_delay)) return SendError(res, 503, "The fake upstream is stopping.");
  if (script.mode == FakeScript::Mode::kHttpError) {
    return SendError(res, script.http_status, script.error_message);
  }
  const Json& input = body["input"];
  size_t n = 1;
  if (input.is_array() && !input.empty() && !input[0].is_number()) n = input.size();
  Json data = Json::array();
  for (size_t i = 0; i < n; ++i) {
    Json vec = Json::array();
    for (int d = 0; d < 8; ++d) vec.push_back(static_cast<double>(i + 1) * 0.125 * (d + 1));
    data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", std::move(vec)}});
  }
  Json answer = {
      {"object", "list"},
      {"data", std::move(data)},
      {"model", body["model"]},
      {"usage", {{"prompt_tokens", script.prompt_tokens}, {"total_tokens", script.prompt_tokens}}}};
  res.set_content(answer.dump(), "application/json");
}

void FakeUpstream::HandleModels(httplib::Response& res) {
  Json data = Json::array();
  for (const std::string& m : options_.models) {
    data.push_back({{"id", m}, {"object", "model"}, {"created", kCreated}, {"owned_by", "fake"}});
  }
  res.set_content(Json({{"object", "list"}, {"data", std::move(data)}}).dump(), "application/json");
}

void FakeUpstream::HandleControl(const httplib::Request& req, httplib::Response& res) {
  if (req.path == "/_fake/script" || req.path == "/_fake/queue") {
    auto script = FakeScriptFromJson(req.body);
    if (!script.ok()) return SendError(res, 400, std::string(script.status().message()));
    if (req.path == "/_fake/script") {
      SetDefaultScript(*std::move(script));
    } else {
      QueueScript(*std::move(script));
    }
    res.set_content("{}", "application/json");
  } else if (req.path == "/_fake/requests") {
    Json out = Json::array();
    for (const RecordedRequest& r : requests()) {
      Json headers = Json::object();
      for (const auto& [k, v] : r.headers) headers[k] = v;
      out.push_back(
          {{"method", r.method}, {"path", r.path}, {"headers", headers}, {"body", r.body}});
    }
    res.set_content(out.dump(), "application/json");
  } else if (req.path == "/_fake/stats") {
    std::lock_guard<std::mutex> lock(mutex_);
    Json out = {{"requests", requests_.size()},
                {"connections", peers_.size()},
                {"client_aborts", client_aborts_},
                {"completed_streams", completed_streams_},
                {"active_streams", active_streams_}};
    res.set_content(out.dump(), "application/json");
  } else if (req.path == "/_fake/reset") {
    Reset();
    SetDefaultScript(FakeScript{});
    res.set_content("{}", "application/json");
  } else {
    SendError(res, 404, "unknown control path");
  }
}

}  // namespace nexus::testing_support
