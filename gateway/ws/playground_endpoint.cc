#include "gateway/ws/playground_endpoint.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "gateway/ws/handshake.h"
#include "gateway/ws/message_assembler.h"
#include "gateway/ws/socket_writer.h"
#include "services/status/status_map.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway::ws {
namespace {

using Clock = std::chrono::steady_clock;

// Timers are checked at least this often while the socket is quiet.
constexpr int kTickMs = 200;
// After our close frame, how long the peer gets to answer with its own.
constexpr auto kCloseGrace = std::chrono::seconds(2);

bool WriteAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

void SetSendTimeout(int fd, absl::Duration timeout) {
  timeval tv = absl::ToTimeval(timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// The state of one connection's read loop.
struct Loop {
  int fd;
  const PlaygroundOptions& options;
  SocketWriter& writer;
  PlaygroundSession& session;
  MessageAssembler assembler;
  Clock::time_point started = Clock::now();
  Clock::time_point last_heard = started;
  Clock::time_point last_ping = started;
  Clock::time_point close_deadline = Clock::time_point::max();

  // Handles one message; false ends the loop.
  bool Dispatch(Message& message) {
    switch (message.opcode) {
      case Opcode::kClose: {
        uint16_t code = kCloseNormal;
        if (message.payload.size() >= 2) {
          code = static_cast<uint16_t>((static_cast<uint8_t>(message.payload[0]) << 8) |
                                       static_cast<uint8_t>(message.payload[1]));
        }
        writer.Close(code, "");
        return false;
      }
      case Opcode::kPing:
        writer.SendControl(Opcode::kPong, message.payload);
        return true;
      case Opcode::kPong:
        return true;
      case Opcode::kBinary:
        StartClose(kCloseUnsupportedData, "binary messages are not supported");
        return true;
      default:
        if (writer.close_sent()) return true;
        if (!session.OnText(message.payload)) StartClose(kClosePolicyViolation, "");
        return true;
    }
  }

  void StartClose(uint16_t code, std::string_view reason) {
    writer.Close(code, reason);
    if (close_deadline == Clock::time_point::max()) close_deadline = Clock::now() + kCloseGrace;
  }

  // Keep-alive, authentication deadline and dead-peer detection; false ends the loop.
  bool CheckTimers() {
    const auto now = Clock::now();
    if (now >= close_deadline) return false;
    const auto ping = absl::ToChronoMilliseconds(options.ping_interval);
    if (now - last_heard > 2 * ping) return false;  // dead: no frame, not even a pong
    if (!session.authenticated() &&
        now - started > absl::ToChronoMilliseconds(options.auth_timeout)) {
      StartClose(kClosePolicyViolation, "authentication timeout");
    }
    if (now - last_heard >= ping && now - last_ping >= ping) {
      writer.SendControl(Opcode::kPing, "");
      last_ping = now;
    }
    return !writer.broken();
  }

  // Reads what is available; false ends the loop.
  bool ReadOnce() {
    char buffer[16384];
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (n <= 0) return false;
    last_heard = Clock::now();
    std::vector<Message> messages = assembler.Feed(std::string_view(buffer, n));
    for (Message& message : messages) {
      if (!Dispatch(message)) return false;
    }
    if (assembler.error()) {
      StartClose(assembler.error()->code, assembler.error()->reason);
    }
    return true;
  }

  void Run() {
    while (CheckTimers()) {
      session.ReapFinished();
      pollfd pfd{fd, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, kTickMs);
      if (ready < 0 && errno != EINTR) return;
      if (ready > 0 && !ReadOnce()) return;
    }
  }
};

}  // namespace

PlaygroundEndpoint::PlaygroundEndpoint(ChatPipeline& pipeline, AdminAuthenticator& authenticator,
                                       PlaygroundOptions options)
    : pipeline_(pipeline), authenticator_(authenticator), options_(std::move(options)) {}

void PlaygroundEndpoint::Serve(int socket_fd, const httplib::Request& upgrade_request) {
  UpgradeRequest request{upgrade_request.method,
                         upgrade_request.get_header_value("Upgrade"),
                         upgrade_request.get_header_value("Connection"),
                         upgrade_request.get_header_value("Sec-WebSocket-Version"),
                         upgrade_request.get_header_value("Sec-WebSocket-Key"),
                         upgrade_request.get_header_value("Host"),
                         upgrade_request.get_header_value("Origin")};
  SetSendTimeout(socket_fd, options_.send_timeout);
  absl::Status valid = ValidateUpgrade(request, options_.allowed_origins);
  if (!valid.ok()) {
    const int http = valid.code() == absl::StatusCode::kFailedPrecondition
                         ? 426
                         : nexus::status::ToHttpStatus(valid.code());
    WriteAll(socket_fd, RejectionResponse(http, Sv(valid.message())));
    return;
  }
  if (!WriteAll(socket_fd, SwitchingProtocolsResponse(request.key))) return;

  SocketWriter writer(socket_fd);
  PlaygroundSession session(pipeline_, authenticator_, writer, options_.session,
                            [this, address = upgrade_request.remote_addr] {
                              if (options_.on_auth_failure) options_.on_auth_failure(address);
                            });
  FrameLimits limits;
  limits.max_frame_bytes = options_.max_frame_bytes;
  Loop loop{socket_fd, options_, writer, session,
            MessageAssembler(limits, options_.max_message_bytes)};
  loop.Run();
  // Running chats see ClientGone() and stop their upstream calls before the socket is closed.
  session.Shutdown();
}

}  // namespace nexus::gateway::ws
