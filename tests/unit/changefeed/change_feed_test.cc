// The change feed through real mTLS streams: order and no gaps under concurrent writers, resume
// by cursor and by subscription name, retention, progress marks, filters, slow consumers. Every
// test runs on both stores: SQLite and PostgreSQL (whose cursors are not consecutive numbers).
#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lienthong/v1/change_feed_service.grpc.pb.h"
#include "lienthong/v1/education_record_service.grpc.pb.h"
#include "services/common/rpc_status.h"
#include "services/store/change_cursor.h"
#include "tests/support/sample_dossiers.h"
#include "tests/support/status_assertions.h"
#include "tests/support/store_engines.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong::test {
namespace {

int64_t SeqOf(const std::string& cursor) {
  auto decoded = store::DecodeCursor(cursor);
  return decoded.ok() ? decoded->seq : -1;
}

// One Subscribe call read synchronously with a deadline.
class FeedReader {
 public:
  FeedReader(v1::ChangeFeedService::Stub* stub, const v1::SubscribeRequest& request,
             absl::Duration timeout = absl::Seconds(30)) {
    SetDeadline(&context_, timeout);
    reader_ = stub->Subscribe(&context_, request);
  }
  ~FeedReader() {
    if (finished_) return;
    context_.TryCancel();
    v1::SubscribeResponse ignored;
    while (reader_->Read(&ignored)) {
    }
    reader_->Finish();
  }
  // The next event (single or from a batch), skipping progress marks; false when the stream
  // ended.
  bool NextEvent(v1::ChangeEvent* event) {
    v1::SubscribeResponse response;
    while (pending_.empty()) {
      if (!reader_->Read(&response)) return false;
      if (response.has_event()) {
        pending_.push_back(response.event());
      } else if (response.has_events()) {
        EXPECT_GT(response.events().events_size(), 0) << "an empty batch";
        largest_batch_ = std::max(largest_batch_, response.events().events_size());
        ++batches_;
        for (const auto& e : response.events().events()) pending_.push_back(e);
      } else {
        last_progress_ = response.progress().cursor();
      }
    }
    *event = std::move(pending_.front());
    pending_.pop_front();
    return true;
  }
  int largest_batch() const { return largest_batch_; }
  int batches() const { return batches_; }
  bool Next(v1::SubscribeResponse* response) { return reader_->Read(response); }
  absl::Status Finish() {
    v1::SubscribeResponse ignored;
    while (reader_->Read(&ignored)) {
    }
    finished_ = true;
    return FromGrpcStatus(reader_->Finish());
  }
  void Cancel() { context_.TryCancel(); }
  const std::string& last_progress() const { return last_progress_; }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader_;
  std::string last_progress_;
  bool finished_ = false;
  std::deque<v1::ChangeEvent> pending_;
  int largest_batch_ = 0;
  int batches_ = 0;
};

class ChangeFeedTest : public ::testing::TestWithParam<StoreEngine> {
 protected:
  void StartGateway(const std::function<void(config::v1::GatewayConfig*)>& adjust = nullptr) {
    auto pki = TestPki::Create(dir_.Path("pki"));
    ASSERT_OK(pki.status());
    pki_ = std::make_unique<TestPki>(std::move(*pki));
    config::v1::GatewayConfig config = MinimalGatewayConfig(*pki_, dir_.path());
    if (GetParam() == StoreEngine::kPostgres) {
      ASSERT_OK_AND_ASSIGN(harness_, StoreHarness::Make(StoreEngine::kPostgres));
      config.mutable_store()->set_kind(config::v1::STORE_KIND_POSTGRES);
      config.mutable_store()->clear_sqlite_file();
      config.mutable_store()->mutable_postgres()->set_conninfo(harness_->conninfo());
    }
    GrantEverything(&config);
    if (adjust) adjust(&config);
    auto app = StartTestGateway(config);
    ASSERT_OK(app.status());
    app_ = std::move(*app);
    auto education = pki_->IssueMember(kEducationMember);
    ASSERT_OK(education.status());
    channel_ = MakeClientChannel(app_->port(), education->pem);
    feed_ = v1::ChangeFeedService::NewStub(channel_);
    records_ = v1::EducationRecordService::NewStub(channel_);
    education_member_ = std::move(*education);
  }

  // The tests are about the feed, not the policy: the member may do everything.
  static void GrantEverything(config::v1::GatewayConfig* config) {
    auto* member = config->mutable_access_policy()->add_members();
    member->set_agency_code(kEducationMember);
    member->mutable_grant()->add_methods("*");
    for (const char* type : {"*"}) {
      member->mutable_grant()->add_write_record_types(type);
      member->mutable_grant()->add_read_record_types(type);
      member->mutable_grant()->add_subscribe_record_types(type);
    }
    member->mutable_grant()->add_agencies("*");
  }

  // Upserts `count` new schools (one change event each); returns their keys in order.
  std::vector<std::string> WriteSchools(int count, const std::string& agency = "") {
    std::vector<std::string> keys;
    v1::UpsertRecordsRequest request;
    for (int i = 0; i < count; ++i) {
      v1::EducationRecord school = demo::MakeSampleSchool(next_index_++);
      if (!agency.empty()) school.mutable_school()->set_managing_agency_code(agency);
      keys.push_back(school.school().school_code());
      *request.add_records() = std::move(school);
    }
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::UpsertRecordsResponse response;
    grpc::Status status = records_->UpsertRecords(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    absl::MutexLock lock(&written_mu_);
    for (const auto& outcome : response.outcomes()) written_.push_back(SeqOf(outcome.cursor()));
    return keys;
  }

  // The cursor of the n-th change the test wrote (from 1), in cursor order: cursors grow but
  // need not be consecutive numbers (PostgreSQL's are not).
  int64_t Written(int n) {
    absl::MutexLock lock(&written_mu_);
    std::vector<int64_t> sorted = written_;
    std::sort(sorted.begin(), sorted.end());
    return n >= 1 && n <= static_cast<int>(sorted.size()) ? sorted[n - 1] : -1;
  }
  // The cursor of the change after `after` in the store (-1 when none is readable).
  int64_t StoredAfter(int64_t after) {
    auto rows = app_->store()->ReadChanges(store::ChangeCursor{after}, 1);
    return rows.ok() && !rows->empty() ? rows->front().cursor.seq : -1;
  }

  static v1::SubscribeRequest FromOldest() {
    v1::SubscribeRequest request;
    request.set_from_oldest(true);
    return request;
  }

  std::unique_ptr<StoreHarness> harness_;  // PostgreSQL: a schema of its own
  TempDir dir_{"feed_test"};
  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<server::GatewayApp> app_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ChangeFeedService::Stub> feed_;
  std::unique_ptr<v1::EducationRecordService::Stub> records_;
  TestMember education_member_;
  std::atomic<uint64_t> next_index_{100};
  absl::Mutex written_mu_;
  std::vector<int64_t> written_ ABSL_GUARDED_BY(written_mu_);
};

TEST_P(ChangeFeedTest, EverySubscriberSeesEveryChangeOnceInCommitOrderUnderConcurrentWriters) {
  StartGateway();
  constexpr int kWriters = 4, kBatches = 25, kPerBatch = 2;
  constexpr int kTotal = kWriters * kBatches * kPerBatch;
  std::vector<std::unique_ptr<FeedReader>> readers;
  // More streams than ChangeFeed::kParallelWakeMin, so the helper thread wakes half of them.
  for (int i = 0; i < 24; ++i) {
    readers.push_back(std::make_unique<FeedReader>(feed_.get(), FromOldest()));
  }

  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      for (int b = 0; b < kBatches; ++b) WriteSchools(kPerBatch);
    });
  }
  std::vector<std::vector<std::string>> seen(readers.size());
  std::vector<std::thread> consumers;
  for (size_t r = 0; r < readers.size(); ++r) {
    consumers.emplace_back([&, r] {
      v1::ChangeEvent event;
      while (static_cast<int>(seen[r].size()) < kTotal && readers[r]->NextEvent(&event)) {
        seen[r].push_back(absl::StrCat(event.cursor(), " ", event.event_id()));
      }
    });
  }
  for (auto& t : writers) t.join();
  for (auto& t : consumers) t.join();

  for (size_t r = 0; r < readers.size(); ++r) {
    ASSERT_EQ(static_cast<int>(seen[r].size()), kTotal) << "subscriber " << r;
    std::set<std::string> event_ids;
    for (int i = 0; i < kTotal; ++i) {
      const std::string cursor = seen[r][i].substr(0, seen[r][i].find(' '));
      EXPECT_EQ(SeqOf(cursor), Written(i + 1))
          << "subscriber " << r << " event " << i << ": a gap or a reorder";
      event_ids.insert(seen[r][i].substr(seen[r][i].find(' ') + 1));
    }
    EXPECT_EQ(static_cast<int>(event_ids.size()), kTotal) << "duplicate event ids";
    EXPECT_EQ(seen[r], seen[0]) << "subscribers disagree";
  }
}

TEST_P(ChangeFeedTest, ResumesFromAStoredCursorWithoutGapOrRepeat) {
  StartGateway();
  WriteSchools(40);
  std::string cursor15;
  {
    FeedReader reader(feed_.get(), FromOldest());
    v1::ChangeEvent event;
    for (int i = 0; i < 15; ++i) ASSERT_TRUE(reader.NextEvent(&event));
    cursor15 = event.cursor();
  }
  v1::SubscribeRequest resume;
  resume.set_from_cursor(cursor15);
  FeedReader reader(feed_.get(), resume);
  v1::ChangeEvent event;
  for (int i = 16; i <= 40; ++i) {
    ASSERT_TRUE(reader.NextEvent(&event));
    EXPECT_EQ(SeqOf(event.cursor()), Written(i));
  }
  // Live events keep coming after the backlog.
  WriteSchools(1);
  ASSERT_TRUE(reader.NextEvent(&event));
  EXPECT_EQ(SeqOf(event.cursor()), Written(41));
}

// With no stream registered the tail skips reading commits; a stream that registers while
// writers run (racing that skip) must still get every change after its cursor.
TEST_P(ChangeFeedTest, StreamsThatComeAndGoWhileWritersRunMissNothing) {
  StartGateway();
  constexpr int kWrites = 120;
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) WriteSchools(1);
  });
  int64_t last = 0;
  int received = 0;
  int rounds = 0;
  while (received < kWrites) {
    v1::SubscribeRequest request;
    if (last == 0) {
      request.set_from_oldest(true);
    } else {
      request.set_from_cursor(store::EncodeCursor(store::ChangeCursor{last}));
    }
    FeedReader reader(feed_.get(), request);
    v1::ChangeEvent event;
    for (int i = 0; i < 3 && received < kWrites; ++i) {
      ASSERT_TRUE(reader.NextEvent(&event)) << "after seq " << last;
      // The change after `last` in the store is readable now (it was delivered): it must be
      // the one delivered.
      ASSERT_EQ(SeqOf(event.cursor()), StoredAfter(last))
          << "a gap or a repeat in round " << rounds;
      last = SeqOf(event.cursor());
      ++received;
    }
    ++rounds;
    // The reader is cancelled and unregistered here: the tail goes back to skipping.
  }
  writer.join();
  EXPECT_GT(rounds, 1);
}

TEST_P(ChangeFeedTest, DurableSubscriptionResumesWhereItAcknowledged) {
  StartGateway();
  WriteSchools(30);
  std::string cursor5, cursor10;
  {
    v1::SubscribeRequest request = FromOldest();
    request.set_subscription_name("sgd-sync");
    FeedReader reader(feed_.get(), request);
    v1::ChangeEvent event;
    for (int i = 1; i <= 10; ++i) {
      ASSERT_TRUE(reader.NextEvent(&event));
      if (i == 5) cursor5 = event.cursor();
    }
    cursor10 = event.cursor();
  }
  auto ack = [&](const std::string& name, const std::string& cursor, v1::AckResponse* response) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::AckRequest request;
    request.set_subscription_name(name);
    request.set_cursor(cursor);
    return FromGrpcStatus(feed_->Ack(&context, request, response));
  };
  v1::AckResponse acked;
  ASSERT_OK(ack("sgd-sync", cursor10, &acked));
  EXPECT_EQ(acked.acknowledged_cursor(), cursor10);
  ASSERT_OK(ack("sgd-sync", cursor5, &acked));
  EXPECT_EQ(acked.acknowledged_cursor(), cursor10) << "an older ack moved the position back";
  EXPECT_EQ(ack("no-such-subscription", cursor5, &acked).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ack("sgd-sync", "not-a-cursor", &acked).code(), absl::StatusCode::kInvalidArgument);

  v1::SubscribeRequest again;
  again.set_subscription_name("sgd-sync");
  again.set_from_oldest(true);  // ignored: the subscription exists
  FeedReader reader(feed_.get(), again);
  v1::ChangeEvent event;
  ASSERT_TRUE(reader.NextEvent(&event));
  EXPECT_EQ(SeqOf(event.cursor()), Written(11));
}

TEST_P(ChangeFeedTest, ExpiredCursorIsOutOfRangeWithTheOldestCursor) {
  StartGateway([](config::v1::GatewayConfig* config) {
    config->mutable_retention()->set_change_events_max_count(10);
  });
  WriteSchools(30);
  auto pruned = app_->change_feed()->PruneOnce(absl::Now());
  ASSERT_OK(pruned.status());
  EXPECT_EQ(*pruned, 20);

  v1::SubscribeRequest request;
  request.set_from_cursor(store::EncodeCursor(store::ChangeCursor{1}));
  FeedReader reader(feed_.get(), request);
  absl::Status status = reader.Finish();
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange) << status;
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetErrorInfo(status, &info));
  EXPECT_EQ(info.reason(), "CURSOR_EXPIRED");
  EXPECT_EQ(info.metadata().at("oldest_cursor"),
            store::EncodeCursor(store::ChangeCursor{Written(21)}));

  // From the oldest cursor still kept, the stream starts exactly there.
  v1::SubscribeRequest from_oldest = FromOldest();
  FeedReader oldest(feed_.get(), from_oldest);
  v1::ChangeEvent event;
  ASSERT_TRUE(oldest.NextEvent(&event));
  EXPECT_EQ(SeqOf(event.cursor()), Written(21));
}

TEST_P(ChangeFeedTest, DurableSubscriptionHoldsBackPruning) {
  StartGateway([](config::v1::GatewayConfig* config) {
    config->mutable_retention()->set_change_events_max_count(5);
  });
  WriteSchools(10);
  {
    v1::SubscribeRequest request = FromOldest();
    request.set_subscription_name("slow-school-db");
    FeedReader reader(feed_.get(), request);
    v1::ChangeEvent event;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(reader.NextEvent(&event));
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::AckRequest ack;
    ack.set_subscription_name("slow-school-db");
    ack.set_cursor(event.cursor());
    v1::AckResponse acked;
    ASSERT_TRUE(feed_->Ack(&context, ack, &acked).ok());
  }
  WriteSchools(10);
  auto pruned = app_->change_feed()->PruneOnce(absl::Now());
  ASSERT_OK(pruned.status());
  EXPECT_EQ(*pruned, 3) << "pruning went past what the subscription acknowledged (cursor 3)";
  v1::SubscribeRequest resume;
  resume.set_subscription_name("slow-school-db");
  FeedReader reader(feed_.get(), resume);
  v1::ChangeEvent event;
  ASSERT_TRUE(reader.NextEvent(&event));
  EXPECT_EQ(SeqOf(event.cursor()), Written(4));
}

TEST_P(ChangeFeedTest, AnAdapterThatHasNotAppliedChangesHoldsBackPruning) {
  StartGateway([this](config::v1::GatewayConfig* config) {
    config->mutable_retention()->set_change_events_max_count(5);
    auto* adapter = config->add_adapters();
    adapter->set_name("files");
    adapter->mutable_jsonl()->set_output_file(dir_.Path("changes.jsonl"));
  });
  ASSERT_NE(app_->sync(), nullptr);
  ASSERT_OK(app_->sync()->Pause("files"));
  WriteSchools(20);
  auto pruned = app_->change_feed()->PruneOnce(absl::Now());
  ASSERT_OK(pruned.status());
  EXPECT_EQ(*pruned, 0) << "retention removed changes the paused adapter has not applied";

  ASSERT_OK(app_->sync()->Resume("files"));
  ASSERT_TRUE(PollUntil(
      [&] {
        auto checkpoint = app_->store()->GetCheckpoint("files");
        return checkpoint.ok() && checkpoint->has_value() && (*checkpoint)->seq == Written(20);
      },
      absl::Seconds(20)));
  pruned = app_->change_feed()->PruneOnce(absl::Now());
  ASSERT_OK(pruned.status());
  EXPECT_EQ(*pruned, 15);
}

TEST_P(ChangeFeedTest, QuietOrFilteredStreamGetsProgressMarksCarryingTheCursor) {
  StartGateway([](config::v1::GatewayConfig* config) {
    config->mutable_change_feed()->mutable_progress_interval()->set_nanos(200'000'000);
  });
  v1::SubscribeRequest request;
  request.add_record_types(v1::RECORD_TYPE_DIPLOMA);  // schools will be filtered out
  FeedReader reader(feed_.get(), request, absl::Seconds(10));
  WriteSchools(5);
  // Marks arrive on their own; the last one must carry the cursor past the filtered schools.
  bool reached = false;
  for (int i = 0; i < 40 && !reached; ++i) {
    v1::SubscribeResponse response;
    ASSERT_TRUE(reader.Next(&response));
    ASSERT_FALSE(response.has_event()) << "a filtered-out school was delivered";
    reached = SeqOf(response.progress().cursor()) == Written(5);
  }
  EXPECT_TRUE(reached) << "no progress mark reached cursor 5";
}

TEST_P(ChangeFeedTest, FiltersByAgencyAndRecordType) {
  StartGateway();
  // From the oldest change of the empty store, not "from now": the writes below could commit
  // before the server has placed a "from now" stream, which would then never see them.
  v1::SubscribeRequest request = FromOldest();
  request.add_record_types(v1::RECORD_TYPE_SCHOOL);
  request.add_agency_codes("000.00.32.H49");
  FeedReader reader(feed_.get(), request);
  WriteSchools(3, "000.00.31.H49");
  auto wanted = WriteSchools(2, "000.00.32.H49");
  v1::ChangeEvent event;
  for (const std::string& key : wanted) {
    ASSERT_TRUE(reader.NextEvent(&event));
    EXPECT_EQ(event.key().key(), key);
    EXPECT_EQ(event.agency_code(), "000.00.32.H49");
  }
}

// max_events_per_message: batched streams see exactly what one-per-message streams see, in
// the same order, each batch within the bound, filters applied inside batches.
TEST_P(ChangeFeedTest, BatchedStreamsCarryTheSameEventsInTheSameOrder) {
  StartGateway();
  FeedReader single(feed_.get(), FromOldest());
  v1::SubscribeRequest batched_request = FromOldest();
  batched_request.set_max_events_per_message(7);
  FeedReader batched(feed_.get(), batched_request);
  v1::SubscribeRequest filtered_request = FromOldest();
  filtered_request.set_max_events_per_message(1000);
  filtered_request.add_agency_codes("000.00.32.H49");
  FeedReader filtered(feed_.get(), filtered_request);

  constexpr int kWriters = 3, kBatches = 10, kPerBatch = 20;
  constexpr int kTotal = kWriters * kBatches * kPerBatch;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int b = 0; b < kBatches; ++b) {
        WriteSchools(kPerBatch, w == 0 ? "000.00.32.H49" : "000.00.31.H49");
      }
    });
  }
  for (auto& t : writers) t.join();

  std::vector<std::string> from_single, from_batched, wanted_by_filter;
  v1::ChangeEvent event;
  for (int i = 0; i < kTotal; ++i) {
    ASSERT_TRUE(single.NextEvent(&event));
    from_single.push_back(event.SerializeAsString());
    if (event.agency_code() == "000.00.32.H49") wanted_by_filter.push_back(event.event_id());
    ASSERT_TRUE(batched.NextEvent(&event));
    from_batched.push_back(event.SerializeAsString());
  }
  EXPECT_EQ(from_batched, from_single) << "batched delivery differs";
  EXPECT_LE(batched.largest_batch(), 7);
  EXPECT_GT(batched.largest_batch(), 1) << "200 committed events never went out together";
  EXPECT_EQ(single.batches(), 0) << "a stream that did not ask for batches got one";

  ASSERT_EQ(static_cast<int>(wanted_by_filter.size()), kBatches * kPerBatch);
  for (const std::string& id : wanted_by_filter) {
    ASSERT_TRUE(filtered.NextEvent(&event));
    EXPECT_EQ(event.event_id(), id);
  }
  // Live events after the backlog still come batched and in order.
  WriteSchools(3, "000.00.32.H49");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(filtered.NextEvent(&event));
    EXPECT_EQ(SeqOf(event.cursor()), Written(kTotal + 1 + i));
  }
}

TEST_P(ChangeFeedTest, TooLargeABatchIsRefusedNamingTheField) {
  StartGateway();
  v1::SubscribeRequest request;
  request.set_max_events_per_message(1001);
  FeedReader reader(feed_.get(), request);
  absl::Status status = reader.Finish();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  google::rpc::BadRequest bad;
  ASSERT_TRUE(GetBadRequest(status, &bad));
  ASSERT_EQ(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).field(), "max_events_per_message");
}

TEST_P(ChangeFeedTest, BadRequestsAreRefusedWithTheirFields) {
  StartGateway();
  v1::SubscribeRequest request;
  request.set_from_cursor("garbage");
  request.add_record_types(static_cast<v1::RecordType>(42));
  request.add_agency_codes("not an agency");
  request.set_subscription_name("bad name!");
  FeedReader reader(feed_.get(), request);
  absl::Status status = reader.Finish();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  google::rpc::BadRequest bad;
  ASSERT_TRUE(GetBadRequest(status, &bad));
  std::set<std::string> fields;
  for (const auto& v : bad.field_violations()) fields.insert(v.field());
  EXPECT_EQ(fields, (std::set<std::string>{"from_cursor", "record_types[0]", "agency_codes[0]",
                                           "subscription_name"}));

  v1::SubscribeRequest ahead;
  ahead.set_from_cursor(store::EncodeCursor(store::ChangeCursor{StoredAfter(0) + 999}));
  FeedReader ahead_reader(feed_.get(), ahead);
  EXPECT_EQ(ahead_reader.Finish().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(ChangeFeedTest, ConsumerThatStopsReadingIsCutOffWhileOthersKeepPace) {
  StartGateway([](config::v1::GatewayConfig* config) {
    // Larger than one commit (a batch of 100 schools), far smaller than the whole load.
    config->mutable_change_feed()->set_max_buffered_events(1000);
  });
  // The stuck consumer's connection gets a small flow-control window, so the server's writes to
  // it stop completing once it stops reading.
  grpc::ChannelArguments args = PrivateConnectionArgs();
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 8192);
  auto stuck_channel = security::MakeMutualTlsChannel(LoopbackTarget(app_->port()),
                                                      education_member_.pem, "", args);
  auto stuck_stub = v1::ChangeFeedService::NewStub(stuck_channel);
  // From the oldest change of the empty store: a "from now" stream placed after the first write
  // committed would never see it.
  const v1::SubscribeRequest request = FromOldest();
  FeedReader stuck(stuck_stub.get(), request, absl::Seconds(60));
  FeedReader healthy(feed_.get(), request, absl::Seconds(60));
  // Make sure both streams are registered before the writes.
  WriteSchools(1);
  v1::SubscribeResponse first;
  ASSERT_TRUE(stuck.Next(&first));
  v1::ChangeEvent event;
  ASSERT_TRUE(healthy.NextEvent(&event));

  constexpr int kBatches = 30, kPerBatch = 100;
  std::thread writer([&] {
    for (int b = 0; b < kBatches; ++b) WriteSchools(kPerBatch);
  });
  int delivered = 0;
  while (delivered < kBatches * kPerBatch && healthy.NextEvent(&event)) ++delivered;
  writer.join();
  EXPECT_EQ(delivered, kBatches * kPerBatch) << "the healthy consumer was held back";

  // The stuck consumer now reads what was buffered for it, then learns it was cut off.
  absl::Status status = stuck.Finish();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetErrorInfo(status, &info));
  EXPECT_EQ(info.reason(), "CONSUMER_TOO_SLOW");
  EXPECT_GT(SeqOf(info.metadata().at("resume_cursor")), 0);
}

INSTANTIATE_TEST_SUITE_P(Stores, ChangeFeedTest,
                         ::testing::Values(StoreEngine::kSqlite, StoreEngine::kPostgres),
                         [](const ::testing::TestParamInfo<StoreEngine>& info) {
                           return EngineName(info.param);
                         });

}  // namespace
}  // namespace lienthong::test
