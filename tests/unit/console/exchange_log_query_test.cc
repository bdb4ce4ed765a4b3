// The exchange-log search over a fake log: filters, newest first, pages that resume where the
// last one stopped, the examined bound, and precise refusals of bad filters.
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/admin/exchange_log_query.h"
#include "services/common/proto_time.h"
#include "services/common/rpc_status.h"

namespace lienthong::admin {
namespace {

class FakeLog : public store::ExchangeLogReads {
 public:
  absl::StatusOr<std::vector<store::ExchangeLogEntry>> ReadExchangeLog(int64_t after, int limit) override {
    ++reads;
    std::vector<store::ExchangeLogEntry> out;
    for (const auto& e : entries) {
      if (e.seq > after && static_cast<int>(out.size()) < limit) out.push_back(e);
    }
    return out;
  }
  absl::StatusOr<store::ExchangeLogEnds> GetExchangeLogEnds() override {
    store::ExchangeLogEnds ends;
    ends.head_seq = entries.empty() ? anchor : entries.back().seq;
    ends.anchor_seq = anchor;
    return ends;
  }
  std::vector<store::ExchangeLogEntry> entries;
  int64_t anchor = 0;
  int reads = 0;
};

// seq 1..n; every third by member B with PERMISSION_DENIED; every fifth touches dossier D<seq>.
FakeLog MakeLog(int n) {
  FakeLog log;
  for (int seq = 1; seq <= n; ++seq) {
    store::ExchangeLogEntry e;
    e.seq = seq;
    e.time = absl::FromUnixSeconds(1'700'000'000 + seq);
    e.member = seq % 3 == 0 ? "B" : "A";
    e.method = seq % 2 == 0 ? "/lienthong.v1.DossierService/GetDossier"
                            : "/lienthong.v1.AdminService/GetStatus";
    e.status_code = seq % 3 == 0 ? 7 : 0;
    if (seq % 5 == 0) e.records.push_back(absl::StrCat("1:D", seq));  // type 1: dossier
    log.entries.push_back(e);
  }
  return log;
}

std::vector<int64_t> Seqs(const v1::QueryExchangeLogResponse& response) {
  std::vector<int64_t> seqs;
  for (const auto& e : response.entries()) seqs.push_back(e.seq());
  return seqs;
}

TEST(ExchangeLogQueryTest, NewestFirstWithEveryFilter) {
  FakeLog log = MakeLog(30);
  v1::QueryExchangeLogRequest request;
  request.set_member("B");
  request.set_status("PERMISSION_DENIED");
  v1::QueryExchangeLogResponse response;
  ASSERT_TRUE(QueryExchangeLog(log, request, &response).ok());
  EXPECT_THAT(Seqs(response), ::testing::ElementsAre(30, 27, 24, 21, 18, 15, 12, 9, 6, 3));
  EXPECT_EQ(response.entries(0).status(), "PERMISSION_DENIED");
  EXPECT_TRUE(response.next_page_token().empty());

  request.Clear();
  request.set_record("dossier:D15");
  response.Clear();
  ASSERT_TRUE(QueryExchangeLog(log, request, &response).ok());
  ASSERT_THAT(Seqs(response), ::testing::ElementsAre(15));
  EXPECT_EQ(response.entries(0).records(0), "dossier:D15");

  request.Clear();
  request.set_method("/lienthong.v1.AdminService/");
  request.set_status("OK");
  ToProtoTimestamp(absl::FromUnixSeconds(1'700'000'010), request.mutable_from());
  ToProtoTimestamp(absl::FromUnixSeconds(1'700'000'020), request.mutable_to());
  response.Clear();
  ASSERT_TRUE(QueryExchangeLog(log, request, &response).ok());
  EXPECT_THAT(Seqs(response), ::testing::ElementsAre(19, 17, 13, 11));

  request.Clear();
  request.set_status("ERROR");
  request.set_page_size(2);
  response.Clear();
  ASSERT_TRUE(QueryExchangeLog(log, request, &response).ok());
  EXPECT_THAT(Seqs(response), ::testing::ElementsAre(30, 27));
}

TEST(ExchangeLogQueryTest, PagesResumeWhereTheLastStoppedDownToTheAnchor) {
  FakeLog log = MakeLog(2500);
  log.anchor = 100;  // entries up to 100 were archived
  log.entries.erase(log.entries.begin(), log.entries.begin() + 100);
  v1::QueryExchangeLogRequest request;
  request.set_page_size(500);
  std::vector<int64_t> all;
  for (int page = 0; page < 10; ++page) {
    v1::QueryExchangeLogResponse response;
    ASSERT_TRUE(QueryExchangeLog(log, request, &response).ok());
    for (int64_t seq : Seqs(response)) all.push_back(seq);
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  ASSERT_EQ(all.size(), 2400u);
  EXPECT_EQ(all.front(), 2500);
  EXPECT_EQ(all.back(), 101);
  for (size_t i = 1; i < all.size(); ++i) ASSERT_EQ(all[i], all[i - 1] - 1);
}

TEST(ExchangeLogQueryTest, OnePageExaminesABoundedNumberOfEntries) {
  FakeLog log = MakeLog(kMaxExaminedPerPage + 5000);
  v1::QueryExchangeLogRequest request;
  request.set_record("dossier:nowhere");
  v1::QueryExchangeLogResponse response;
  ASSERT_TRUE(QueryExchangeLog(log, request, &response).ok());
  EXPECT_EQ(response.entries_size(), 0);
  EXPECT_GE(response.examined(), kMaxExaminedPerPage);
  EXPECT_LT(response.examined(), kMaxExaminedPerPage + 1000);
  ASSERT_FALSE(response.next_page_token().empty());
  request.set_page_token(response.next_page_token());
  v1::QueryExchangeLogResponse rest;
  ASSERT_TRUE(QueryExchangeLog(log, request, &rest).ok());
  EXPECT_EQ(response.examined() + rest.examined(), kMaxExaminedPerPage + 5000);
  EXPECT_TRUE(rest.next_page_token().empty());
}

// Retention removed entries while the page was read (the ends read first are stale): the page
// still ends, having looked at what was left.
class ShrinkingLog : public FakeLog {
 public:
  absl::StatusOr<std::vector<store::ExchangeLogEntry>> ReadExchangeLog(int64_t after, int limit) override {
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [](const store::ExchangeLogEntry& e) { return e.seq <= 4000; }),
                  entries.end());
    return FakeLog::ReadExchangeLog(after, limit);
  }
};

TEST(ExchangeLogQueryTest, APageEndsWhenRetentionRemovesEntriesUnderIt) {
  ShrinkingLog log;
  static_cast<FakeLog&>(log) = MakeLog(5000);
  v1::QueryExchangeLogRequest request;
  request.set_record("dossier:nowhere");
  v1::QueryExchangeLogResponse response;
  ASSERT_TRUE(QueryExchangeLog(log, request, &response).ok());
  EXPECT_EQ(response.entries_size(), 0);
  EXPECT_EQ(response.examined(), 1000);  // 4001..5000: what retention left
  EXPECT_LT(log.reads, 200);
}

TEST(ExchangeLogQueryTest, BadFiltersAreNamedAndNothingIsRead) {
  FakeLog log = MakeLog(10);
  v1::QueryExchangeLogRequest request;
  request.set_status("DENIED");
  request.set_record("dossier");
  request.set_method("lienthong.v1.AdminService/GetStatus");
  request.set_page_size(501);
  ToProtoTimestamp(absl::FromUnixSeconds(20), request.mutable_from());
  ToProtoTimestamp(absl::FromUnixSeconds(10), request.mutable_to());
  request.set_page_token("garbage");
  v1::QueryExchangeLogResponse response;
  const absl::Status status = QueryExchangeLog(log, request, &response);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  google::rpc::BadRequest bad;
  ASSERT_TRUE(GetBadRequest(status, &bad));
  std::vector<std::string> fields;
  for (const auto& v : bad.field_violations()) fields.push_back(v.field());
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("status", "record", "method", "to", "page_size",
                                                      "page_token"));
  EXPECT_EQ(log.reads, 0);

  // A token of another query is refused too.
  v1::QueryExchangeLogRequest first;
  first.set_page_size(2);
  v1::QueryExchangeLogResponse page;
  ASSERT_TRUE(QueryExchangeLog(log, first, &page).ok());
  v1::QueryExchangeLogRequest other;
  other.set_member("A");
  other.set_page_token(page.next_page_token());
  EXPECT_EQ(QueryExchangeLog(log, other, &response).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lienthong::admin
