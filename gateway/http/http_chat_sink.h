#ifndef NEXUS_GATEWAY_HTTP_HTTP_CHAT_SINK_H_
#define NEXUS_GATEWAY_HTTP_HTTP_CHAT_SINK_H_

#include <httplib.h>

#include <atomic>
#include <string>
#include <string_view>

#include "gateway/http/client_connection.h"
#include "gateway/pipeline/chat_pipeline.h"

namespace nexus::gateway::http {

// ChatResponseSink for HTTP: JSON answers go through cpp-httplib's Response; streams are written
// by the sink itself on the client connection, one chunked-encoding chunk per SSE event, because
// the status line of a stream is only known once the upstream answered (the pipeline runs
// synchronously on the request thread, so a content provider would need a second thread per
// stream). Outside a batch every event is written at once; inside one (the events of one upstream
// read) the events are written together at EndBatch. The head leaves with the first event, [DONE]
// with the end of the chunked body.
class HttpChatSink : public ChatResponseSink {
 public:
  HttpChatSink(ClientConnection& connection, httplib::Response& response, std::string request_id);

  void SendJson(int http_status, std::string_view body, const HeaderList& headers) override;
  bool StartStream(const HeaderList& headers) override;
  bool SendEvent(std::string_view data) override;
  void EndStream() override;
  bool ClientGone() override;
  void BeginBatch() override;
  bool EndBatch() override;

  // Ends the chunked body of a stream that did not end normally (an error after the stream
  // started); no [DONE], so the client sees the stream was cut short. Writes whatever is still
  // queued. Idempotent.
  void Finish();

 private:
  // A batch never holds more than this: beyond it the queued events are written at once.
  static constexpr size_t kMaxQueuedBytes = 256 << 10;

  // Appends the event `data: <data>\n\n` to out_ as one chunk of the chunked body.
  void AppendEvent(std::string_view data);
  // Writes out_ (one send) and empties it; false when the client is gone.
  bool Flush();

  ClientConnection& connection_;
  httplib::Response& response_;
  std::string request_id_;
  std::string out_;  // the stream bytes not written yet (head, queued events)
  bool streaming_ = false;
  bool ended_ = false;
  bool batching_ = false;
  std::atomic<bool> broken_{false};
};

}  // namespace nexus::gateway::http

#endif  // NEXUS_GATEWAY_HTTP_HTTP_CHAT_SINK_H_
