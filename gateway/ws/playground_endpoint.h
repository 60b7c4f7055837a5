#ifndef NEXUS_GATEWAY_WS_PLAYGROUND_ENDPOINT_H_
#define NEXUS_GATEWAY_WS_PLAYGROUND_ENDPOINT_H_

#include <httplib.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gateway/auth/admin_authenticator.h"
#include "gateway/pipeline/chat_pipeline.h"
#include "gateway/ws/playground_session.h"

namespace nexus::gateway::ws {

struct PlaygroundOptions {
  // Largest frame and largest (reassembled) message a browser may send.
  size_t max_frame_bytes = 1 << 20;
  size_t max_message_bytes = 1 << 20;
  // Origins accepted besides the gateway's own (Origin host == Host header), e.g.
  // "https://console.example.com".
  std::vector<std::string> allowed_origins;
  // A ping goes out after this much silence; a peer silent for twice as long is dead.
  absl::Duration ping_interval = absl::Seconds(20);
  // The first message must be {"type":"auth"} within this time.
  absl::Duration auth_timeout = absl::Seconds(10);
  // A send that blocks longer than this (a client that stopped reading) ends the connection.
  absl::Duration send_timeout = absl::Seconds(10);
  SessionLimits session;
  // Told of every failed authentication in a session, with the client's address (the gateway
  // counts them in its failed-auth throttle; a locked-out address cannot open a WebSocket).
  std::function<void(const std::string& address)> on_auth_failure;
};

// GET /ws/chat: the RFC 6455 handshake and the frame loop on a raw client socket. The HTTP server
// parses the upgrade request, then hands over the socket; Serve() answers the handshake (101 or an
// HTTP error), runs the playground protocol (see PlaygroundSession) until either side closes or
// the peer goes silent, and returns. The caller closes the socket afterwards.
class PlaygroundEndpoint {
 public:
  PlaygroundEndpoint(ChatPipeline& pipeline, AdminAuthenticator& authenticator,
                     PlaygroundOptions options);

  // Blocks for the lifetime of the WebSocket connection.
  void Serve(int socket_fd, const httplib::Request& upgrade_request);

 private:
  ChatPipeline& pipeline_;
  AdminAuthenticator& authenticator_;
  PlaygroundOptions options_;
};

}  // namespace nexus::gateway::ws

#endif  // NEXUS_GATEWAY_WS_PLAYGROUND_ENDPOINT_H_
