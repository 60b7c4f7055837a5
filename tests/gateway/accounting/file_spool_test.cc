#include "gateway/accounting/file_spool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace nexus::gateway {
namespace {

using nexus::stats::v1::UsageEvent;
using testing_support::TempDir;

std::vector<UsageEvent> MakeEvents(int first, int count) {
  std::vector<UsageEvent> events;
  for (int i = first; i < first + count; ++i) {
    UsageEvent event;
    event.set_request_id("req-" + std::to_string(i));
    event.set_model("gpt-4o");
    event.set_prompt_tokens(i);
    event.set_total_tokens(2 * i);
    events.push_back(event);
  }
  return events;
}

std::vector<std::string> Ids(const std::vector<UsageEvent>& events) {
  std::vector<std::string> ids;
  for (const auto& e : events) ids.push_back(e.request_id());
  return ids;
}

std::vector<std::filesystem::path> SegmentFiles(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".spool") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::unique_ptr<FileSpool> OpenSpool(const std::string& dir, uint64_t max_bytes = 1 << 20,
                                     uint64_t segment_bytes = 1 << 20) {
  auto spool =
      FileSpool::Open({.directory = dir, .max_bytes = max_bytes, .segment_bytes = segment_bytes});
  EXPECT_TRUE(spool.ok()) << spool.status();
  return std::move(*spool);
}

TEST(FileSpoolTest, AppendThenReadBackThenRemove) {
  TempDir dir;
  auto spool = OpenSpool(dir.path() + "/spool");
  EXPECT_TRUE(spool->Empty());
  auto events = MakeEvents(0, 10);
  ASSERT_EQ(spool->Append(events).value(), 10u);
  EXPECT_FALSE(spool->Empty());
  EXPECT_EQ(spool->SizeBytes(), std::filesystem::file_size(SegmentFiles(dir.path() + "/spool")[0]));

  auto segment = spool->ReadOldest().value();
  ASSERT_TRUE(segment.has_value());
  EXPECT_EQ(Ids(segment->events), Ids(events));
  EXPECT_EQ(segment->events[3].prompt_tokens(), 3);
  EXPECT_EQ(segment->corrupt_records, 0u);
  ASSERT_TRUE(spool->Remove(segment->id).ok());
  EXPECT_TRUE(spool->Empty());
  EXPECT_EQ(spool->SizeBytes(), 0u);
  EXPECT_TRUE(SegmentFiles(dir.path() + "/spool").empty());
  EXPECT_FALSE(spool->ReadOldest().value().has_value());
  EXPECT_EQ(spool->Remove(segment->id).code(), absl::StatusCode::kNotFound);
}

TEST(FileSpoolTest, ReadingTheActiveSegmentClosesIt) {
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  ASSERT_EQ(spool->Append(MakeEvents(0, 3)).value(), 3u);
  auto first = spool->ReadOldest().value();
  ASSERT_EQ(spool->Append(MakeEvents(3, 2)).value(), 2u);
  // The later append went to a new segment: the one being replayed is unchanged.
  auto again = spool->ReadOldest().value();
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->events.size(), 3u);
  ASSERT_TRUE(spool->Remove(first->id).ok());
  auto second = spool->ReadOldest().value();
  EXPECT_EQ(Ids(second->events), Ids(MakeEvents(3, 2)));
}

TEST(FileSpoolTest, RotatesSegmentsAndReadsOldestFirst) {
  TempDir dir;
  auto spool = OpenSpool(dir.path(), 1 << 20, /*segment_bytes=*/200);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(spool->Append(MakeEvents(i * 5, 5)).value(), 5u);
  EXPECT_GT(SegmentFiles(dir.path()).size(), 3u);
  std::vector<std::string> read;
  while (auto segment = spool->ReadOldest().value()) {
    for (const auto& id : Ids(segment->events)) read.push_back(id);
    ASSERT_TRUE(spool->Remove(segment->id).ok());
  }
  EXPECT_EQ(read, Ids(MakeEvents(0, 50)));
}

TEST(FileSpoolTest, RefusesWhatDoesNotFitTheBound) {
  TempDir dir;
  auto spool = OpenSpool(dir.path(), /*max_bytes=*/300);
  size_t stored = spool->Append(MakeEvents(0, 100)).value();
  EXPECT_GT(stored, 0u);
  EXPECT_LT(stored, 100u);
  EXPECT_LE(spool->SizeBytes(), 300u);
  EXPECT_EQ(spool->Append(MakeEvents(100, 10)).value(), 0u);
  auto segment = spool->ReadOldest().value();
  EXPECT_EQ(Ids(segment->events), Ids(MakeEvents(0, static_cast<int>(stored))));
  // Room again once replayed.
  ASSERT_TRUE(spool->Remove(segment->id).ok());
  EXPECT_GT(spool->Append(MakeEvents(100, 1)).value(), 0u);
}

TEST(FileSpoolTest, TornLastRecordIsSkipped) {
  TempDir dir;
  {
    auto spool = OpenSpool(dir.path());
    ASSERT_EQ(spool->Append(MakeEvents(0, 5)).value(), 5u);
  }
  auto path = SegmentFiles(dir.path())[0];
  // A crash in the middle of writing the sixth record: its header promises more than is there.
  auto full = std::filesystem::file_size(path);
  {
    auto spool = OpenSpool(dir.path() + "/other");
    ASSERT_EQ(spool->Append(MakeEvents(5, 1)).value(), 1u);
    auto other = SegmentFiles(dir.path() + "/other")[0];
    std::ifstream in(other, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << bytes.substr(8, bytes.size() - 8 - 3);  // the record without its last 3 bytes
  }
  EXPECT_GT(std::filesystem::file_size(path), full);
  auto spool = OpenSpool(dir.path());
  auto segment = spool->ReadOldest().value();
  EXPECT_EQ(Ids(segment->events), Ids(MakeEvents(0, 5)));
  EXPECT_EQ(segment->corrupt_records, 1u);
}

TEST(FileSpoolTest, ChecksumMismatchStopsTheSegment) {
  std::string contents = "NXSPOOL1";
  UsageEvent good;
  good.set_request_id("good");
  std::string payload = good.SerializeAsString();
  auto put = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) contents.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  put(payload.size());
  put(0xDEADBEEF);  // wrong checksum
  contents += payload;
  SpoolSegment segment = ParseSegment(7, contents);
  EXPECT_EQ(segment.id, 7u);
  EXPECT_TRUE(segment.events.empty());
  EXPECT_EQ(segment.corrupt_records, 1u);

  // A header cut short and a wrong magic are corrupt too; an empty file is just empty.
  EXPECT_EQ(ParseSegment(1, "NXSPOOL1\x05\x00").corrupt_records, 1u);
  EXPECT_EQ(ParseSegment(1, "garbage!").corrupt_records, 1u);
  EXPECT_EQ(ParseSegment(1, "").corrupt_records, 0u);
  // An absurd length is not trusted.
  std::string huge = "NXSPOOL1";
  huge += std::string("\xff\xff\xff\x7f", 4) + std::string(4, '\0');
  EXPECT_EQ(ParseSegment(1, huge).corrupt_records, 1u);
}

TEST(FileSpoolTest, ReopenFindsEarlierSegmentsAndNeverAppendsToThem) {
  TempDir dir;
  uint64_t size_before = 0;
  {
    auto spool = OpenSpool(dir.path());
    ASSERT_EQ(spool->Append(MakeEvents(0, 4)).value(), 4u);
    size_before = spool->SizeBytes();
  }
  std::ofstream(dir.path() + "/unrelated.txt") << "not a segment";
  auto spool = OpenSpool(dir.path());
  EXPECT_EQ(spool->SizeBytes(), size_before);
  ASSERT_EQ(spool->Append(MakeEvents(4, 1)).value(), 1u);
  EXPECT_EQ(SegmentFiles(dir.path()).size(), 2u);
  auto first = spool->ReadOldest().value();
  EXPECT_EQ(Ids(first->events), Ids(MakeEvents(0, 4)));
  ASSERT_TRUE(spool->Remove(first->id).ok());
  auto second = spool->ReadOldest().value();
  EXPECT_EQ(Ids(second->events), Ids(MakeEvents(4, 1)));
}

TEST(FileSpoolTest, OneProcessAtATimePerDirectory) {
  TempDir dir;
  auto first = OpenSpool(dir.path());
  auto second = FileSpool::Open({.directory = dir.path()});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(second.status().message()), ::testing::HasSubstr("in use"));
  first.reset();
  EXPECT_TRUE(FileSpool::Open({.directory = dir.path()}).ok());
}

TEST(FileSpoolTest, RejectsBadOptions) {
  EXPECT_EQ(FileSpool::Open({.directory = ""}).status().code(), absl::StatusCode::kInvalidArgument);
  TempDir dir;
  EXPECT_EQ(FileSpool::Open({.directory = dir.path(), .max_bytes = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::ofstream(dir.path() + "/file") << "x";
  EXPECT_FALSE(FileSpool::Open({.directory = dir.path() + "/file/sub"}).ok());
}

}  // namespace
}  // namespace nexus::gateway
