// The gateway server's direct routes, end to end over loopback sockets: plain requests are served
// without cpp-httplib's parser, everything else still reaches cpp-httplib untouched.
#include "gateway/http/direct_routes.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/http/gateway_routes.h"
#include "gateway/http/gateway_server.h"
#include "nlohmann/json.hpp"

namespace nexus::gateway::http {
namespace {

// A server whose /echo exists only as a direct route: a request cpp-httplib serves gets its 404,
// so every test sees which path served it.
class DirectRoutesTest : public ::testing::TestWithParam<IoModel> {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.port = 0;
    options.io_model = GetParam();
    options.max_workers = 8;
    options.max_body_bytes = 1024;
    server_ = std::make_unique<GatewayHttpServer>(options);
    InstallCommonHandlers(*server_);
    server_->direct_routes().AddPost(
        "/echo", [](const httplib::Request& req, httplib::Response& res) {
          if (req.body == "throw") throw std::runtime_error("handler failed");
          res.set_header("X-Seen-Authorization", req.get_header_value("authorization"));
          res.set_content(absl::StrCat("echo:", req.body), "application/json");
        });
    ASSERT_TRUE(server_->Bind().ok());
    thread_ = std::thread([this] { server_->Serve(); });
  }
  void TearDown() override {
    server_->Stop();
    server_->AbortConnections();
    if (thread_.joinable()) thread_.join();
  }

  int Connect() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(server_->bound_port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    return fd;
  }

  std::unique_ptr<GatewayHttpServer> server_;
  std::thread thread_;
};

void SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// Everything the server sends until it closes the connection (a 20 s hang guard).
std::string ReadUntilClosed(int fd) {
  std::string out;
  char buffer[4096];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20000) <= 0) break;
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string Post(const std::string& body, const std::string& extra_headers = "") {
  return absl::StrCat("POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n",
                      extra_headers, "Content-Length: ", body.size(), "\r\n\r\n", body);
}

TEST_P(DirectRoutesTest, PlainRequestIsServedWithTheCommonHeaders) {
  httplib::Client client("127.0.0.1", server_->bound_port());
  auto res = client.Post("/echo", "hello", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "echo:hello");
  EXPECT_EQ(res->get_header_value("X-Seen-Authorization"), "");
  EXPECT_EQ(res->get_header_value("X-Request-Id").rfind("req_", 0), 0u);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  // Keep-alive: the same client connection serves a second request.
  httplib::Headers headers = {{"Authorization", "Bearer k"}};
  auto again = client.Post("/echo", headers, "again", "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "echo:again");
  EXPECT_EQ(again->get_header_value("X-Seen-Authorization"), "Bearer k");
}

TEST_P(DirectRoutesTest, PipelinedRequestsAreAnsweredInOrder) {
  const int fd = Connect();
  SendAll(fd, Post("one") + Post("two") + Post("three", "Connection: close\r\n"));
  const std::string out = ReadUntilClosed(fd);
  const size_t one = out.find("echo:one");
  const size_t two = out.find("echo:two");
  const size_t three = out.find("echo:three");
  ASSERT_NE(one, std::string::npos) << out;
  ASSERT_NE(two, std::string::npos) << out;
  ASSERT_NE(three, std::string::npos) << out;
  EXPECT_LT(one, two);
  EXPECT_LT(two, three);
  EXPECT_TRUE(absl::StrContains(out, "Connection: close\r\n"));
}

TEST_P(DirectRoutesTest, BodyThatArrivesAfterTheHeadIsWaitedFor) {
  const int fd = Connect();
  const std::string request = Post("later", "Connection: close\r\n");
  const size_t head_size = request.find("\r\n\r\n") + 4;
  SendAll(fd, request.substr(0, head_size));
  // Served only once the body came: the response cannot be there yet.
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 100), 0);
  SendAll(fd, request.substr(head_size));
  EXPECT_TRUE(absl::StrContains(ReadUntilClosed(fd), "echo:later"));
}

TEST_P(DirectRoutesTest, UnusualRequestsReachCppHttplibUntouched) {
  // Chunked body: not direct, so cpp-httplib answers (404: /echo is direct-only).
  int fd = Connect();
  SendAll(fd,
          "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
          "\r\n5\r\nhello\r\n0\r\n\r\n");
  std::string out = ReadUntilClosed(fd);
  EXPECT_EQ(out.rfind("HTTP/1.1 404", 0), 0u) << out;
  EXPECT_TRUE(absl::StrContains(out, "unknown_url")) << out;

  // A body over the limit: cpp-httplib's 413.
  fd = Connect();
  SendAll(fd, Post(std::string(2000, 'x'), "Connection: close\r\n"));
  out = ReadUntilClosed(fd);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;

  // A head the strict parser refuses: whatever cpp-httplib makes of it (it skips the line).
  fd = Connect();
  SendAll(fd,
          "POST /echo HTTP/1.1\r\nBad Header\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  out = ReadUntilClosed(fd);
  EXPECT_EQ(out.rfind("HTTP/1.1 404", 0), 0u) << out;

  // HTTP/1.0 keeps cpp-httplib's semantics.
  fd = Connect();
  SendAll(fd, "POST /echo HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi");
  out = ReadUntilClosed(fd);
  EXPECT_TRUE(absl::StrContains(out, " 404 ")) << out;
}

TEST_P(DirectRoutesTest, ThrowingHandlerAnswers500InOpenAiShape) {
  httplib::Client client("127.0.0.1", server_->bound_port());
  auto res = client.Post("/echo", "throw", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body["error"]["type"], "server_error");
}

TEST_P(DirectRoutesTest, ClientThatStopsMidBodyOnlyEndsItsConnection) {
  const int fd = Connect();
  const std::string request = Post("truncated-body");
  SendAll(fd, request.substr(0, request.size() - 4));
  ::shutdown(fd, SHUT_WR);
  const std::string out = ReadUntilClosed(fd);
  EXPECT_FALSE(absl::StrContains(out, "echo:")) << out;
  // The server still serves others.
  httplib::Client client("127.0.0.1", server_->bound_port());
  auto res = client.Post("/echo", "fine", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "echo:fine");
}

INSTANTIATE_TEST_SUITE_P(IoModels, DirectRoutesTest,
                         ::testing::Values(IoModel::kFibers, IoModel::kThreads),
                         [](const auto& info) {
                           return info.param == IoModel::kFibers ? "Fibers" : "Threads";
                         });

}  // namespace
}  // namespace nexus::gateway::http
