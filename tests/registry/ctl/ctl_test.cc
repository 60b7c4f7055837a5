// nexusctl's parsing and formatting helpers, and its commands against an in-process registry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "registry/app/registry_app.h"
#include "registry/ctl/args.h"
#include "registry/ctl/command.h"
#include "registry/ctl/format.h"
#include "registry/ctl/global_options.h"
#include "registry/ctl/table.h"
#include "services/grpc/server_runner.h"
#include "tests/support/capture_sink.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace nexus::ctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ArgsTest, ParsesFlagsInBothFormsAndRejectsUnknownOnes) {
  constexpr FlagSpec kFlags[] = {{"name", true}, {"disabled", false}};
  std::vector<std::string> args = {"pos", "--name=a", "--disabled"};
  auto parsed = ParsedArgs::Parse(args, kFlags);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Get("name"), "a");
  EXPECT_TRUE(parsed->Has("disabled"));
  EXPECT_EQ(parsed->positionals(), std::vector<std::string>{"pos"});

  std::vector<std::string> unknown = {"--nmae", "x"};
  auto bad = ParsedArgs::Parse(unknown, kFlags);
  EXPECT_TRUE(IsUsageError(bad.status()));
  EXPECT_THAT(bad.status().message(), HasSubstr("unknown flag --nmae"));
  std::vector<std::string> missing = {"--name"};
  EXPECT_THAT(ParsedArgs::Parse(missing, kFlags).status().message(), HasSubstr("needs a value"));
}

TEST(ArgsTest, TypedReadersNameTheFlag) {
  constexpr FlagSpec kFlags[] = {{"rpm", true}, {"on", true}};
  std::vector<std::string> args = {"--rpm", "ten", "--on", "maybe"};
  auto parsed = ParsedArgs::Parse(args, kFlags);
  ASSERT_TRUE(parsed.ok());
  EXPECT_THAT(parsed->GetInt("rpm", 0, 100).status().message(), HasSubstr("--rpm: "));
  EXPECT_THAT(parsed->GetBool("on").status().message(), HasSubstr("--on: "));
  EXPECT_EQ(SplitList(" a, b ,,c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(SplitList("*").empty());
}

TEST(FormatTest, ExpiryAcceptsNeverDurationsDatesAndTimes) {
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  EXPECT_EQ(*ParseExpiry("never", now), 0);
  EXPECT_EQ(*ParseExpiry("30d", now), absl::ToUnixMillis(now + absl::Hours(720)));
  EXPECT_EQ(*ParseExpiry("12h", now), absl::ToUnixMillis(now + absl::Hours(12)));
  EXPECT_EQ(*ParseExpiry("2027-01-31", now), 1801353600000);
  EXPECT_EQ(*ParseExpiry("2027-01-31T12:00:00Z", now), 1801396800000);
  EXPECT_TRUE(IsUsageError(ParseExpiry("soon", now).status()));
  EXPECT_EQ(FormatTimeMs(1801396800000), "2027-01-31 12:00 UTC");
  EXPECT_EQ(FormatTimeMs(0, "never"), "never");
}

TEST(TableTest, ColumnsAlignOnTheWidestCell) {
  Table table({"ID", "NAME"});
  table.AddRow({"1", "short"});
  table.AddRow({"100", "ünïcode"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_EQ(out.str(), "ID   NAME\n1    short\n100  ünïcode\n");
}

TEST(GlobalOptionsTest, FlagsBeatEnvironmentAndMayFollowTheCommand) {
  const char* argv[] = {"nexusctl", "providers", "list", "--json", "--registry=h:1"};
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "NEXUS_REGISTRY_ADDR") return "env:2";
    if (name == "NEXUS_STATS_ADDR") return "env:3";
    // Neither address is loopback: plaintext to them must be allowed explicitly.
    if (name == "NEXUS_GRPC_ALLOW_PLAINTEXT") return "true";
    return std::nullopt;
  };
  auto line = ParseCommandLine(5, argv, env);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->options.registry_address, "h:1");
  EXPECT_EQ(line->options.stats_address, "env:3");
  EXPECT_TRUE(line->options.json);
  EXPECT_EQ(line->command, (std::vector<std::string>{"providers", "list"}));
}

TEST(GlobalOptionsTest, PlaintextToANonLoopbackAddressNeedsTheSetting) {
  auto no_env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  const char* remote[] = {"nexusctl", "--registry", "10.0.0.5:50051", "keys", "list"};
  auto refused = ParseCommandLine(5, remote, no_env);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("NEXUS_GRPC_ALLOW_PLAINTEXT"), std::string::npos)
      << refused.status();
  const char* allowed[] = {"nexusctl", "--registry", "10.0.0.5:50051", "--grpc_allow_plaintext",
                           "keys",     "list"};
  auto line = ParseCommandLine(6, allowed, no_env);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->command, (std::vector<std::string>{"keys", "list"}));
  const char* loopback[] = {"nexusctl", "keys", "list"};
  EXPECT_TRUE(ParseCommandLine(3, loopback, no_env).ok());
}

// The commands against a real registry in this process.
class CommandsTest : public ::testing::Test {
 protected:
  CommandsTest() {
    registry::RegistrySettings settings;
    settings.data_dir = dir_.path();
    settings.master_key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    settings.admin_token = "nx-admin-test-token-0123456789";
    log::Logger logger("test", log::Level::kDebug, std::make_shared<testing_support::CaptureSink>(),
                       std::make_shared<log::Redactor>());
    std::ostringstream announce;
    app_ = *registry::RegistryApp::Open(settings, logger, announce);
    EXPECT_EQ(announce.str(), "") << "a configured admin token is never printed";
    runner_ =
        *grpc_runtime::ServerRunner::Start({.listen_address = "127.0.0.1:0"}, {app_->service()});
  }
  ~CommandsTest() override {
    app_->BeginShutdown();
    runner_->Shutdown(absl::Seconds(1));
  }

  struct Result {
    int code;
    std::string out;
    std::string err;
  };

  Result Run(std::vector<std::string> command, const std::string& input = "", bool json = false) {
    std::ostringstream out, err;
    std::istringstream in(input);
    CtlContext context(CtlOptions{.json = json}, out, err, in, clock_);
    context.set_registry_stub(nexus::registry::v1::Registry::NewStub(runner_->InProcessChannel()));
    int code = RunCommand(context, command);
    return {code, out.str(), err.str()};
  }

  testing_support::TempDir dir_;
  testing_support::FakeClock clock_{absl::Now()};
  std::unique_ptr<registry::RegistryApp> app_;
  std::unique_ptr<grpc_runtime::ServerRunner> runner_;
};

TEST_F(CommandsTest, ProviderKeyComesFromStdinAndIsNeverPrinted) {
  Result added = Run({"providers", "add", "--name", "openai", "--base-url",
                      "https://api.openai.com/v1", "--api-key-stdin"},
                     "sk-live-XYZsecretsecret\n");
  ASSERT_EQ(added.code, kExitOk) << added.err;
  EXPECT_THAT(added.out, HasSubstr("sk-...cret"));
  EXPECT_THAT(added.out, Not(HasSubstr("XYZ")));
  Result listed = Run({"providers", "list"});
  EXPECT_THAT(listed.out, HasSubstr("ID  NAME    BASE URL"));
  Result json = Run({"providers", "show", "openai"}, "", /*json=*/true);
  ASSERT_EQ(json.code, kExitOk) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"api_key_hint\": \"sk-...cret\""));
  EXPECT_THAT(json.out, Not(HasSubstr("XYZ")));
}

TEST_F(CommandsTest, ExitCodesSeparateUsageServerAndReachability) {
  Result usage = Run({"providers", "add", "--name", "x"});
  EXPECT_EQ(usage.code, kExitUsage);
  EXPECT_THAT(usage.err, HasSubstr("needs --name and --base-url"));
  EXPECT_EQ(Run({"providers", "add", "--bogus"}).code, kExitUsage);
  EXPECT_EQ(Run({"nothing"}).code, kExitUsage);
  EXPECT_EQ(Run({"keys", "show", "abc"}).code, kExitUsage);

  Result refused = Run({"providers", "add", "--name", "x", "--base-url", "ftp://x"});
  EXPECT_EQ(refused.code, kExitServerError);
  EXPECT_THAT(refused.err, HasSubstr("base_url: must start with http:// or https://"));
  EXPECT_EQ(Run({"keys", "show", "999"}).code, kExitServerError);

  std::ostringstream out, err;
  std::istringstream in;
  CtlContext unreachable(CtlOptions{.registry_address = "127.0.0.1:1"}, out, err, in, clock_);
  std::vector<std::string> list = {"providers", "list"};
  EXPECT_EQ(RunCommand(unreachable, list), kExitUnavailable);
  EXPECT_THAT(err.str(), HasSubstr("cannot reach registry at 127.0.0.1:1"));
}

TEST_F(CommandsTest, KeySecretIsShownOnceAndListsShowState) {
  ASSERT_EQ(Run({"providers", "add", "--name", "p", "--base-url", "http://h:1/v1"}).code, 0);
  ASSERT_EQ(Run({"models", "add", "--provider", "p", "--name", "gpt-4o"}).code, 0);
  Result created = Run({"keys", "create", "--name", "alice", "--models", "gpt-4o", "--expires",
                        "30d", "--rpm", "60", "--provider", "p"});
  ASSERT_EQ(created.code, kExitOk) << created.err;
  // The secret sits on its own indented line; the prefix in the heading is only its start.
  size_t at = created.out.find("\n  nx-");
  ASSERT_NE(at, std::string::npos);
  std::string secret = created.out.substr(at + 3, 43);
  EXPECT_THAT(created.out, HasSubstr("shown only this once"));

  Result listed = Run({"keys", "list"});
  EXPECT_THAT(listed.out, HasSubstr("active"));
  EXPECT_THAT(listed.out, Not(HasSubstr(secret)));
  EXPECT_EQ(Run({"keys", "update", "1", "--disable"}).code, kExitOk);
  EXPECT_THAT(Run({"keys", "list"}).out, HasSubstr("disabled"));
  EXPECT_EQ(Run({"keys", "revoke", "1"}).code, kExitOk);
  EXPECT_THAT(Run({"keys", "show", "1"}).out, HasSubstr("revoked"));
  EXPECT_EQ(Run({"keys", "update", "1", "--enable"}).code, kExitServerError);

  auto resolved = app_->registry().ResolveKey(secret, "gpt-4o");
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_TRUE(resolved->key.revoked);
  EXPECT_EQ(resolved->key.requests_per_minute, 60);
}

TEST_F(CommandsTest, ModelsCanBeListedUpdatedAndRemoved) {
  ASSERT_EQ(Run({"providers", "add", "--name", "p", "--base-url", "http://h:1/v1"}).code, 0);
  ASSERT_EQ(Run({"models", "add", "--provider", "1", "--name", "m", "--upstream-name", "u"}).code,
            0);
  EXPECT_THAT(Run({"models", "list", "--provider", "p"}).out, HasSubstr("m      u"));
  EXPECT_EQ(Run({"models", "update", "1", "--disable", "--tokenizer", "o200k_base"}).code, 0);
  EXPECT_THAT(Run({"models", "show", "1"}).out, HasSubstr("o200k_base"));
  EXPECT_EQ(Run({"models", "rm", "1"}).code, 0);
  EXPECT_EQ(Run({"models", "show", "1"}).code, kExitServerError);
  EXPECT_EQ(Run({"providers", "rm", "p"}).code, 0);
  EXPECT_EQ(Run({"providers", "show", "p"}).code, kExitServerError);
}

}  // namespace
}  // namespace nexus::ctl
