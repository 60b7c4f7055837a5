#include "registry/domain/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nexus::registry {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ValidationTest, BaseUrlAcceptsHttpAndHttpsAndDropsTrailingSlashes) {
  EXPECT_EQ(*NormalizeBaseUrl("https://api.openai.com/v1/"), "https://api.openai.com/v1");
  EXPECT_EQ(*NormalizeBaseUrl("http://10.0.0.5:8000/v1"), "http://10.0.0.5:8000/v1");
  EXPECT_EQ(*NormalizeBaseUrl("HTTP://localhost:11434"), "http://localhost:11434");
  EXPECT_EQ(*NormalizeBaseUrl("http://[::1]:8080/v1"), "http://[::1]:8080/v1");
}

TEST(ValidationTest, BaseUrlRejectionsNameTheFieldAndTheProblem) {
  struct Case {
    const char* url;
    const char* problem;
  };
  for (const Case& c :
       {Case{"", "must not be empty"}, Case{"ftp://host/v1", "must start with http:// or https://"},
        Case{"api.openai.com/v1", "must start with http:// or https://"},
        Case{"https:///v1", "has no host"},
        Case{"https://user:pw@host/v1", "must not contain credentials"},
        Case{"https://host/v1?x=1", "query or fragment"},
        Case{"https://host:99999/v1", "port must be a number"},
        Case{"https://host:/v1", "empty port"}, Case{"https://ho st/v1", "whitespace"},
        Case{"https://ho$t/v1", "host contains '$'"}}) {
    absl::StatusOr<std::string> url = NormalizeBaseUrl(c.url);
    ASSERT_FALSE(url.ok()) << c.url;
    EXPECT_EQ(url.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(url.status().message()), StartsWith("base_url: ")) << c.url;
    EXPECT_THAT(url.status().message(), HasSubstr(c.problem)) << c.url;
  }
}

TEST(ValidationTest, NamesAreNonEmptyBoundedAndPrintable) {
  EXPECT_TRUE(ValidateDisplayName("name", "OpenAI (prod)").ok());
  EXPECT_THAT(std::string(ValidateDisplayName("name", "").message()),
              StartsWith("name: must not be empty"));
  EXPECT_THAT(ValidateDisplayName("name", std::string(101, 'a')).message(),
              HasSubstr("at most 100"));
  EXPECT_THAT(ValidateDisplayName("name", "a\nb").message(), HasSubstr("control"));
  EXPECT_THAT(ValidateDisplayName("name", " padded").message(), HasSubstr("whitespace"));
  EXPECT_TRUE(ValidateModelName("name", "meta-llama/Llama-3.1-70B:latest").ok());
  EXPECT_THAT(std::string(ValidateModelName("upstream_name", "gpt 4").message()),
              StartsWith("upstream_name: must not contain whitespace"));
}

TEST(ValidationTest, ApiKeyMayBeEmptyButNeverBreaksAHeader) {
  EXPECT_TRUE(ValidateApiKey("").ok());
  EXPECT_TRUE(ValidateApiKey("sk-live-abc").ok());
  EXPECT_THAT(std::string(ValidateApiKey("sk-abc\r\nX-Evil: 1").message()),
              StartsWith("api_key: "));
}

TEST(ValidationTest, TokenizerIsEmptyOrKnown) {
  EXPECT_TRUE(ValidateTokenizer("").ok());
  EXPECT_TRUE(ValidateTokenizer("o200k_base").ok());
  EXPECT_THAT(std::string(ValidateTokenizer("p50k").message()), StartsWith("tokenizer: "));
}

TEST(ValidationTest, KeyValidationSortsAllowListAndChecksLimits) {
  ClientKey key;
  key.name = "team";
  key.allowed_models = {"b", "a", "b"};
  ASSERT_TRUE(ValidateKey(key, 1000, true).ok());
  EXPECT_EQ(key.allowed_models, (std::vector<std::string>{"a", "b"}));

  key.expires_at_ms = 500;
  EXPECT_THAT(std::string(ValidateKey(key, 1000, true).message()),
              StartsWith("expires_at_ms: is in the past"));
  EXPECT_TRUE(ValidateKey(key, 1000, false).ok()) << "an old expiry left alone is fine";
  key.expires_at_ms = 0;
  key.requests_per_minute = -1;
  EXPECT_THAT(std::string(ValidateKey(key, 1000, true).message()),
              StartsWith("requests_per_minute: "));
  key.requests_per_minute = 0;
  key.max_concurrency = -1;
  EXPECT_THAT(std::string(ValidateKey(key, 1000, true).message()), StartsWith("max_concurrency: "));
  key.max_concurrency = 0;
  key.allowed_models = {"bad model"};
  EXPECT_THAT(std::string(ValidateKey(key, 1000, true).message()), StartsWith("allowed_models: "));
}

TEST(ValidationTest, PageRequestsDefaultClampAndRejectForeignTokens) {
  EXPECT_EQ(ParsePageRequest({})->limit, kDefaultPageSize);
  EXPECT_EQ(ParsePageRequest({.page_size = 5000, .page_token = ""})->limit, kMaxPageSize);
  EXPECT_EQ(ParsePageRequest({.page_size = 10, .page_token = PageTokenAfter(7)})->after_id, 7);
  EXPECT_THAT(std::string(ParsePageRequest({.page_size = -1, .page_token = ""}).status().message()),
              StartsWith("page_size: "));
  EXPECT_THAT(
      std::string(ParsePageRequest({.page_size = 0, .page_token = "abc"}).status().message()),
      StartsWith("page_token: "));
}

TEST(ValidationTest, IdsMustBePositive) {
  EXPECT_TRUE(ValidateId("id", 1).ok());
  EXPECT_THAT(std::string(ValidateId("provider_id", 0).message()), StartsWith("provider_id: "));
}

}  // namespace
}  // namespace nexus::registry
