#include "gateway/ws/playground_endpoint.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "gateway/ws/frame_codec.h"
#include "tests/gateway/ws/fake_chat_pipeline.h"

namespace nexus::gateway::ws {
namespace {

using nlohmann::json;

// The browser's end of a socket pair: masked frames out, server frames in.
class TestClient {
 public:
  explicit TestClient(int fd) : fd_(fd) {}

  void Send(Opcode opcode, const std::string& payload) {
    const std::string bytes =
        SerializeFrame(Frame{true, opcode, payload}, std::array<uint8_t, 4>{1, 2, 3, 4});
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  void SendRaw(const std::string& bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }

  // Reads until `bytes` of HTTP head arrived ("\r\n\r\n"); returns it.
  std::string ReadHead() {
    while (buffer_.find("\r\n\r\n") == std::string::npos && Fill()) {
    }
    const size_t end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) return buffer_;
    std::string head = buffer_.substr(0, end + 4);
    buffer_.erase(0, end + 4);
    return head;
  }

  // The next frame from the server, or nullopt when the connection ended.
  std::optional<Frame> Next() {
    FrameLimits limits;
    limits.require_masked = false;
    while (true) {
      ParseResult parsed = ParseFrame(buffer_, limits);
      if (parsed.error) return std::nullopt;
      if (parsed.frame) {
        buffer_.erase(0, parsed.consumed);
        return parsed.frame;
      }
      if (!Fill()) return std::nullopt;
    }
  }

  // The next text message of `type`, skipping others.
  json NextOfType(const std::string& type) {
    while (std::optional<Frame> frame = Next()) {
      if (frame->opcode != Opcode::kText) continue;
      json message = json::parse(frame->payload);
      if (message["type"] == type) return message;
    }
    return nullptr;
  }

 private:
  bool Fill() {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 10000) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  std::string buffer_;
};

httplib::Request UpgradeRequest(const std::string& origin) {
  httplib::Request req;
  req.method = "GET";
  req.path = "/ws/chat";
  req.headers = {{"Upgrade", "websocket"},
                 {"Connection", "Upgrade"},
                 {"Sec-WebSocket-Version", "13"},
                 {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                 {"Host", "127.0.0.1:8001"}};
  if (!origin.empty()) req.headers.emplace("Origin", origin);
  return req;
}

class PlaygroundEndpointTest : public ::testing::Test {
 protected:
  void Start(const std::string& origin, PlaygroundOptions options = {}) {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0);
    endpoint_ = std::make_unique<PlaygroundEndpoint>(pipeline_, authenticator_, options);
    server_ = std::thread([this, origin] {
      endpoint_->Serve(fds_[0], UpgradeRequest(origin));
      ::shutdown(fds_[0], SHUT_RDWR);
    });
    client_ = std::make_unique<TestClient>(fds_[1]);
  }
  void TearDown() override {
    if (fds_[1] >= 0) ::shutdown(fds_[1], SHUT_RDWR);
    if (server_.joinable()) server_.join();
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }

  FakeChatPipeline pipeline_;
  FakeAdminAuthenticator authenticator_;
  std::unique_ptr<PlaygroundEndpoint> endpoint_;
  int fds_[2] = {-1, -1};
  std::thread server_;
  std::unique_ptr<TestClient> client_;
};

TEST_F(PlaygroundEndpointTest, HandshakeAuthChatAndClose) {
  Start("http://127.0.0.1:8001");
  const std::string head = client_->ReadHead();
  EXPECT_EQ(head.rfind("HTTP/1.1 101", 0), 0u);
  EXPECT_NE(head.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos);
  client_->Send(Opcode::kText, R"({"type":"auth","token":"admin-token-0123456789"})");
  EXPECT_EQ(client_->NextOfType("ready")["session"], "admin");
  client_->Send(
      Opcode::kText,
      R"({"type":"chat","id":"a","model":"m","messages":[{"role":"user","content":"x"}]})");
  json done = client_->NextOfType("done");
  EXPECT_EQ(done["usage"]["completion_tokens"], 2);
  client_->Send(Opcode::kPing, "are you there");
  std::optional<Frame> pong = client_->Next();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, Opcode::kPong);
  EXPECT_EQ(pong->payload, "are you there");
  client_->Send(Opcode::kClose, ClosePayload(1000, "bye"));
  std::optional<Frame> close = client_->Next();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, Opcode::kClose);
  EXPECT_EQ(close->payload.substr(0, 2), ClosePayload(1000, "").substr(0, 2));
  server_.join();
}

TEST_F(PlaygroundEndpointTest, ForeignOriginGets403) {
  Start("https://attacker.example");
  EXPECT_EQ(client_->ReadHead().rfind("HTTP/1.1 403", 0), 0u);
  server_.join();
}

TEST_F(PlaygroundEndpointTest, UnmaskedFrameClosesWithProtocolError) {
  Start("");
  client_->ReadHead();
  client_->SendRaw(SerializeFrame(Frame{true, Opcode::kText, "{}"}));
  std::optional<Frame> close = client_->Next();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, Opcode::kClose);
  EXPECT_EQ(close->payload.substr(0, 2), ClosePayload(kCloseProtocolError, "").substr(0, 2));
}

TEST_F(PlaygroundEndpointTest, OversizedMessageClosesWith1009) {
  PlaygroundOptions options;
  options.max_frame_bytes = 1024;
  Start("", options);
  client_->ReadHead();
  client_->Send(Opcode::kText, std::string(2048, 'x'));
  std::optional<Frame> close = client_->Next();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, Opcode::kClose);
  EXPECT_EQ(close->payload.substr(0, 2), ClosePayload(kCloseMessageTooBig, "").substr(0, 2));
}

TEST_F(PlaygroundEndpointTest, SilentPeerIsPingedThenDropped) {
  PlaygroundOptions options;
  options.ping_interval = absl::Milliseconds(300);
  options.auth_timeout = absl::Seconds(30);
  Start("", options);
  client_->ReadHead();
  std::optional<Frame> ping = client_->Next();
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->opcode, Opcode::kPing);
  // No pong: the server gives up and Serve() returns, which ends the connection.
  server_.join();
  while (client_->Next()) {
  }
  SUCCEED();
}

}  // namespace
}  // namespace nexus::gateway::ws
