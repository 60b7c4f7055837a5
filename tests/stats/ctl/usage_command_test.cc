// nexusctl usage against an in-process stats server on a loopback port.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "registry/ctl/command.h"
#include "stats/app/stats_server.h"
#include "tests/support/capture_sink.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace nexus::ctl {
namespace {

using ::testing::HasSubstr;

class UsageCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stats::StatsSettings settings;
    settings.listen = "127.0.0.1:0";
    settings.data_dir = dir_.path();
    log::Logger logger("stats", log::Level::kInfo, std::make_shared<testing_support::CaptureSink>(),
                       std::make_shared<log::Redactor>());
    auto server = stats::StatsServer::Start(settings, logger, clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto stub = nexus::stats::v1::Stats::NewStub(server_->InProcessChannel());
    nexus::stats::v1::RecordUsageRequest request;
    const int64_t now = absl::ToUnixMillis(clock_.Now());
    for (int i = 0; i < 6; ++i) {
      auto* e = request.add_events();
      e->set_request_id(absl::StrCat("r", i));
      e->set_timestamp_ms(now - 60'000 * (i + 1));
      e->set_key_id(i % 2 == 0 ? 11 : 22);
      e->set_provider_id(1);
      e->set_model("m");
      e->set_prompt_tokens(100);
      e->set_completion_tokens(i);
      e->set_http_status(i == 5 ? 500 : 200);
    }
    nexus::stats::v1::RecordUsageResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub->RecordUsage(&context, request, &response).ok());
    ASSERT_EQ(response.accepted(), 6);
  }

  int Run(std::vector<std::string> command, bool json = false) {
    CtlOptions options;
    options.stats_address = absl::StrCat("127.0.0.1:", server_->port());
    options.json = json;
    out_.str("");
    err_.str("");
    CtlContext context(options, out_, err_, in_, clock_);
    return RunCommand(context, command);
  }

  testing_support::TempDir dir_;
  testing_support::FakeClock clock_;
  std::unique_ptr<stats::StatsServer> server_;
  std::ostringstream out_, err_;
  std::istringstream in_;
};

TEST_F(UsageCommandTest, PrintsTotalsAndBreakdownByKey) {
  ASSERT_EQ(Run({"usage", "--since", "2h", "--by", "key"}), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("requests"));
  EXPECT_THAT(out_.str(), HasSubstr("615"));  // total tokens: 600 + 0+1+2+3+4+5
  EXPECT_THAT(out_.str(), HasSubstr("KEY"));
  EXPECT_THAT(out_.str(), HasSubstr("11"));
  EXPECT_THAT(out_.str(), HasSubstr("22"));
}

TEST_F(UsageCommandTest, JsonIsOneObjectAndFiltersApply) {
  ASSERT_EQ(Run({"usage", "--since", "2h", "--key", "22"}, true), kExitOk) << err_.str();
  nlohmann::json doc = nlohmann::json::parse(out_.str());
  EXPECT_EQ(doc["totals"]["requests"], "3");  // proto JSON writes int64 as strings
  EXPECT_EQ(doc["totals"]["errors"], "1");
  ASSERT_EQ(doc["breakdown"]["rows"].size(), 1u);
  EXPECT_EQ(doc["breakdown"]["rows"][0]["group"], "m");
}

TEST_F(UsageCommandTest, RangeOutsideTheEventsIsEmptyAndBadFlagsAreUsageErrors) {
  ASSERT_EQ(Run({"usage", "--from", "2020-01-01", "--to", "2020-01-02T00:00:00Z"}, true), kExitOk)
      << err_.str();
  EXPECT_EQ(nlohmann::json::parse(out_.str())["totals"]["requests"], "0");
  EXPECT_EQ(Run({"usage", "--by", "color"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("--by 'color'"));
  EXPECT_EQ(Run({"usage", "--since", "soon"}), kExitUsage);
  EXPECT_EQ(Run({"usage", "--from", "yesterday"}), kExitUsage);
  EXPECT_EQ(Run({"usage", "--since", "1h", "--from", "2020-01-01"}), kExitUsage);
}

}  // namespace
}  // namespace nexus::ctl
