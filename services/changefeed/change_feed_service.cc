// Subscribe streams (one write in flight, catch-up from the store, then live from the cache)
// and durable-subscription acknowledgements.
#include "services/changefeed/change_feed_service.h"

#include <deque>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "services/common/proto_time.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/exchange/malformed_request.h"
#include "services/exchange/unary_call.h"
#include "services/store/write_and_wait.h"
#include "services/validation/subscribe_validation.h"

namespace lienthong::changefeed {
namespace {

constexpr char kSubscribe[] = "/lienthong.v1.ChangeFeedService/Subscribe";
constexpr char kAck[] = "/lienthong.v1.ChangeFeedService/Ack";
// What a valid Subscribe request asks for: its record types (all when none is named) and
// agencies.
FeedFilter FilterOf(const v1::SubscribeRequest& request) {
  FeedFilter filter;
  for (int type : request.record_types()) filter.record_types |= 1u << type;
  if (request.record_types().empty()) {
    for (int type = v1::RECORD_TYPE_DOSSIER; type <= v1::RECORD_TYPE_DIPLOMA; ++type) {
      filter.record_types |= 1u << type;
    }
  }
  filter.agencies.insert(request.agency_codes().begin(), request.agency_codes().end());
  return filter;
}

absl::Status CursorExpired(int64_t oldest_seq) {
  return WithErrorInfo(
      absl::OutOfRangeError("the cursor is older than the oldest change this gateway keeps: "
                            "re-read a snapshot (ListRecords) and subscribe from its cursor"),
      "CURSOR_EXPIRED", {{"oldest_cursor", store::EncodeCursor(store::ChangeCursor{oldest_seq})}});
}

// One Subscribe call.
class FeedStream final : public grpc::ServerWriteReactor<grpc::ByteBuffer>, public FeedSubscriber {
 public:
  FeedStream(ChangeFeed* feed, const exchange::GatewayContext* gateway,
             grpc::CallbackServerContext* context)
      : feed_(feed), gateway_(gateway), context_(context) {}

  // Fails the call at once (before it is registered with the feed).
  void Refuse(absl::Status status) {
    finished_ = true;
    Finish(ToGrpcStatus(status));
  }

  void Begin(exchange::ExchangeCall call, FeedFilter filter, int64_t position,
             uint32_t max_events_per_message) {
    call_ = std::move(call);
    call_.request_wire.clear();  // held for the stream's life otherwise
    filter_ = std::move(filter);
    max_events_per_message_ = max_events_per_message;
    position_ = position;
    last_write_ = absl::Now();
    feed_->Register(this);
    registered_ = true;
    Pump();
  }

  void Wake() override {
    {
      absl::MutexLock lock(&mu_);
      // A write that does not complete means the consumer stopped reading. Finish may not be
      // called with a write outstanding, so the cut-off is carried out in OnWriteDone.
      if (in_flight_ && live_ && !cut_off_ &&
          feed_->EventsAfter(position_) > feed_->options().max_lag_events) {
        cut_off_ = true;
        cut_off_at_ = absl::Now();
      }
    }
    Pump();
  }

  void Tick(absl::Time now) override {
    grpc::ByteBuffer* mark = nullptr;
    {
      absl::MutexLock lock(&mu_);
      if (cut_off_ && in_flight_ && !cancelled_ && now - cut_off_at_ > kStuckConsumerGrace) {
        // Still not reading long after the cut-off: free the call (the client sees CANCELLED).
        cancelled_ = true;
        context_->TryCancel();
        return;
      }
      if (finished_ || in_flight_ || now - last_write_ < feed_->options().progress_interval) return;
      v1::SubscribeResponse response;
      response.mutable_progress()->set_cursor(store::EncodeCursor(store::ChangeCursor{position_}));
      ToProtoTimestamp(position_time_, response.mutable_progress()->mutable_as_of());
      const std::string bytes = response.SerializeAsString();
      grpc::Slice slice(bytes);
      out_ = grpc::ByteBuffer(&slice, 1);
      in_flight_ = true;
      last_write_ = now;
      sent_digest_.Add(bytes);
      mark = &out_;
    }
    StartWrite(mark);
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      in_flight_ = false;
      if (ok && cut_off_ && !finished_) {
        FinishTooSlow();
        return;
      }
      if (!ok) {
        // The client went away; OnDone follows.
        if (!finished_) {
          finished_ = true;
          final_status_ = absl::CancelledError("subscriber disconnected");
          Finish(grpc::Status(grpc::StatusCode::CANCELLED, "subscriber disconnected"));
        }
        return;
      }
    }
    Pump();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    finished_ = true;
    final_status_ = absl::CancelledError("cancelled by the subscriber");
    Finish(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    if (registered_) {
      feed_->Unregister(this);
      call_.log.status_code = static_cast<int>(final_status_.code());
      call_.log.response_bytes = bytes_sent_;
      {
        absl::MutexLock lock(&mu_);
        call_.log.response_digest = sent_digest_.Finish();
      }
      gateway_->store->LogExchange(std::move(call_.log));
    }
    delete this;
  }

 private:
  // Starts the next write if none is in flight, or goes idle until Wake()/Tick().
  void Pump() {
    grpc::ByteBuffer* next = nullptr;
    {
      absl::MutexLock lock(&mu_);
      if (finished_ || in_flight_) return;
      FeedEventPtr event = NextEvent();
      if (finished_ || event == nullptr) return;
      if (max_events_per_message_ > 1) {
        out_ = BatchStartingWith(std::move(event));
      } else {
        grpc::Slice slice = event->bytes;
        out_ = grpc::ByteBuffer(&slice, 1);
      }
      bytes_sent_ += static_cast<int64_t>(out_.Length());
      sent_digest_.Add(out_);
      in_flight_ = true;
      last_write_ = absl::Now();
      next = &out_;
    }
    StartWrite(next);  // outside the lock: reactions must never run under it
  }

  // The next event this stream must send, skipping what its filter excludes (the position
  // still moves, so progress marks carry it). Null when caught up. mu_ held.
  FeedEventPtr NextEvent() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (;;) {
      FeedEventPtr event;
      if (!backlog_.empty()) {
        event = std::move(backlog_.front());
        backlog_.pop_front();
      } else {
        bool covered = false;
        event = feed_->NextAfter(position_, &covered);
        if (!covered) {
          if (!ReadPage()) return nullptr;
          continue;
        }
        if (event == nullptr) {
          live_ = true;
          return nullptr;
        }
        if (live_ && feed_->EventsAfter(position_) > feed_->options().max_lag_events) {
          FinishTooSlow();
          return nullptr;
        }
      }
      position_ = event->seq;
      position_time_ = event->commit_time;
      if (filter_.Matches(*event)) return event;
    }
  }

  // One SubscribeResponse{events} holding `first` and what else is ready right now (backlog
  // or cache; never a store read, never waiting), up to the stream's count and kMaxBatchBytes.
  // No copy: each cached event is SubscribeResponse{event = 1}, and its bytes are exactly one
  // ChangeEventBatch.events (= 1) entry, so the message is a header plus the shared slices.
  grpc::ByteBuffer BatchStartingWith(FeedEventPtr first) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    static_assert(static_cast<int>(v1::SubscribeResponse::kEventFieldNumber) ==
                      static_cast<int>(v1::ChangeEventBatch::kEventsFieldNumber),
                  "cached events double as batch entries only with equal field numbers");
    std::vector<grpc::Slice> slices;
    slices.reserve(std::min<uint32_t>(max_events_per_message_, 64) + 1);
    slices.emplace_back();  // the header, below
    size_t body = first->bytes.size();
    slices.push_back(first->bytes);
    while (slices.size() - 1 < max_events_per_message_) {
      FeedEventPtr more = NextReadyEvent(kMaxBatchBytes - std::min(body, kMaxBatchBytes));
      if (more == nullptr) break;
      body += more->bytes.size();
      slices.push_back(more->bytes);
    }
    uint8_t header[1 + 5];  // a tag byte and a varint32
    header[0] = static_cast<uint8_t>(google::protobuf::internal::WireFormatLite::MakeTag(
        v1::SubscribeResponse::kEventsFieldNumber,
        google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
        static_cast<uint32_t>(body), header + 1);
    slices[0] = grpc::Slice(header, static_cast<size_t>(end - header));
    return grpc::ByteBuffer(slices.data(), slices.size());
  }

  // The next event that can go in the current batch without waiting: from the backlog or the
  // cache, skipping (and passing) what the filter excludes. Null when none is ready, or when
  // the next one is larger than `room` (left in place for the next message). mu_ held.
  FeedEventPtr NextReadyEvent(size_t room) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (;;) {
      const bool from_backlog = !backlog_.empty();
      FeedEventPtr event;
      if (from_backlog) {
        event = backlog_.front();
      } else {
        bool covered = false;
        event = feed_->NextAfter(position_, &covered);
        if (!covered || event == nullptr) return nullptr;
      }
      const bool wanted = filter_.Matches(*event);
      if (wanted && event->bytes.size() > room) return nullptr;
      if (from_backlog) backlog_.pop_front();
      position_ = event->seq;
      position_time_ = event->commit_time;
      if (wanted) return event;
    }
  }

  void FinishTooSlow() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    finished_ = true;
    final_status_ = WithErrorInfo(
        absl::ResourceExhaustedError(absl::StrCat("subscriber fell more than ",
                                                  feed_->options().max_lag_events,
                                                  " events behind; resume from your last cursor")),
        "CONSUMER_TOO_SLOW",
        {{"resume_cursor", store::EncodeCursor(store::ChangeCursor{position_})}});
    Finish(ToGrpcStatus(final_status_));
  }

  // Catch-up: reads the next page after position_ from the store. False when the stream ended.
  bool ReadPage() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    live_ = false;
    auto rows = feed_->store()->ReadChanges(store::ChangeCursor{position_},
                                            feed_->options().catch_up_page);
    if (rows.ok() && !rows->empty() && rows->front().cursor.seq != position_ + 1) {
      // Retention pruned what this stream still needed while it was reading.
      auto bounds = feed_->store()->GetChangeBounds();
      if (bounds.ok() && position_ < bounds->pruned_through.seq) {
        finished_ = true;
        final_status_ = CursorExpired(bounds->oldest.seq);
        Finish(ToGrpcStatus(final_status_));
        return false;
      }
    }
    if (!rows.ok()) {
      finished_ = true;
      final_status_ = rows.status();
      Finish(ToGrpcStatus(final_status_));
      return false;
    }
    if (rows->empty()) {
      // Nothing newer in the store yet: wait for the tail cache to catch up with us.
      live_ = true;
      return false;
    }
    for (const auto& row : *rows) {
      auto event = ChangeFeed::MakeEvent(row);
      if (!event.ok()) {
        finished_ = true;
        final_status_ = event.status();
        Finish(ToGrpcStatus(final_status_));
        return false;
      }
      backlog_.push_back(std::move(*event));
    }
    return true;
  }

  // How long a cut-off consumer may keep a write stuck before its call is cancelled.
  static constexpr absl::Duration kStuckConsumerGrace = absl::Seconds(30);
  // A batch stays well under gRPC's default 4 MiB receive limit of clients.
  static constexpr size_t kMaxBatchBytes = 1 << 20;

  ChangeFeed* feed_;
  const exchange::GatewayContext* gateway_;
  grpc::CallbackServerContext* context_;
  exchange::ExchangeCall call_;
  FeedFilter filter_;
  uint32_t max_events_per_message_ = 1;
  bool registered_ = false;

  absl::Mutex mu_;
  int64_t position_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time position_time_ ABSL_GUARDED_BY(mu_);
  bool live_ ABSL_GUARDED_BY(mu_) = false;
  bool in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool cut_off_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time cut_off_at_ ABSL_GUARDED_BY(mu_);
  absl::Status final_status_ ABSL_GUARDED_BY(mu_);
  absl::Time last_write_ ABSL_GUARDED_BY(mu_);
  int64_t bytes_sent_ = 0;
  // The response digest of the stream: every message handed to gRPC, in order.
  exchange::StreamDigest sent_digest_ ABSL_GUARDED_BY(mu_);
  std::deque<FeedEventPtr> backlog_ ABSL_GUARDED_BY(mu_);
  grpc::ByteBuffer out_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* ChangeFeedServiceImpl::Subscribe(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request) {
  auto* stream = new FeedStream(feed_, gateway_, context);
  v1::SubscribeRequest request;
  {
    grpc::ByteBuffer copy(*raw_request);
    grpc::ProtoBufferReader reader(&copy);
    if (!request.ParseFromZeroCopyStream(&reader)) {
      // Counted, logged and written to the exchange log by the listener, as for every method.
      stream->Refuse(exchange::MalformedRequestError(request.GetDescriptor()->full_name()));
      return stream;
    }
  }
  auto call = exchange::ExchangeCall::Begin(*gateway_, context, kSubscribe, request);
  if (!call.ok()) {
    stream->Refuse(call.status());
    return stream;
  }

  FieldViolations violations;
  store::ChangeCursor from;
  validation::ValidateSubscribe(request, &from, &violations);
  auto fail = [&](absl::Status status) {
    exchange::LogReadOnlyCall(*gateway_, std::move(*call), status, 0);
    stream->Refuse(std::move(status));
    return stream;
  };
  if (!violations.empty()) return fail(violations.ToStatus());
  FeedFilter filter = FilterOf(request);

  // A member only sees the record types its access policy lets it subscribe to; a request for
  // more is refused rather than silently narrowed, so the consumer knows what it will miss.
  if (may_subscribe_) {
    for (int type = v1::RECORD_TYPE_DOSSIER; type <= v1::RECORD_TYPE_DIPLOMA; ++type) {
      if ((filter.record_types & (1u << type)) == 0) continue;
      if (may_subscribe_(call->member, static_cast<v1::RecordType>(type))) continue;
      if (request.record_types().empty()) {
        filter.record_types &= ~(1u << type);  // "all I may see"
      } else {
        return fail(absl::PermissionDeniedError(
            absl::StrCat("member ", call->member, " may not subscribe to ",
                         v1::RecordType_Name(static_cast<v1::RecordType>(type)))));
      }
    }
  }

  auto bounds = feed_->store()->GetChangeBounds();
  if (!bounds.ok()) return fail(bounds.status());
  int64_t position = bounds->head.seq;  // "from now"
  if (request.start_case() == v1::SubscribeRequest::kFromOldest && request.from_oldest()) {
    position = bounds->oldest.seq > 0 ? bounds->oldest.seq - 1 : bounds->head.seq;
  } else if (request.start_case() == v1::SubscribeRequest::kFromCursor &&
             !request.from_cursor().empty()) {
    position = from.seq;
  }

  if (!request.subscription_name().empty()) {
    auto existing = feed_->store()->GetSubscription(call->member, request.subscription_name());
    if (!existing.ok()) return fail(existing.status());
    if (existing->has_value()) {
      position = (*existing)->acked.seq;
    } else {
      store::ExchangeLogEntry entry = call->log;
      entry.method = "/lienthong.v1.ChangeFeedService/Subscribe#create";
      const std::string member = call->member;
      const std::string name = request.subscription_name();
      absl::Status created = store::WriteAndWait(
          feed_->store(), std::move(entry),
          [member, name, position](store::WriteTransaction& txn) -> absl::Status {
            ASSIGN_OR_RETURN(auto found, txn.FindSubscription(member, name));
            if (found.has_value()) return absl::OkStatus();  // a concurrent subscribe made it
            return txn.PutSubscription(store::SubscriptionRow{member, name,
                                                              store::ChangeCursor{position},
                                                              txn.now(), txn.now()});
          });
      if (!created.ok()) return fail(created);
    }
  }
  // A cursor a writer was given may not be readable yet (an older transaction still open on
  // PostgreSQL): the stream then starts when it is. Only one no commit produced is refused.
  if (position > bounds->newest.seq) {
    FieldViolations v;
    v.Add("from_cursor", "is ahead of the newest change this gateway has committed");
    return fail(v.ToStatus());
  }
  if (position < bounds->pruned_through.seq) {
    return fail(CursorExpired(bounds->oldest.seq));
  }
  stream->Begin(std::move(*call), std::move(filter), position,
                std::max<uint32_t>(1, request.max_events_per_message()));
  return stream;
}

grpc::ServerUnaryReactor* ChangeFeedServiceImpl::Ack(grpc::CallbackServerContext* context,
                                                     const v1::AckRequest* request,
                                                     v1::AckResponse* response) {
  return exchange::ServeWrite(
      *gateway_, context, kAck, *request,
      [&](const exchange::ExchangeCall&) {
        FieldViolations violations;
        validation::ValidateAck(*request, &violations);
        return violations.ToStatus();
      },
      [&](exchange::ExchangeCall call, exchange::WriteDone done) {
        const store::ChangeCursor cursor = *store::DecodeCursor(request->cursor());
        auto bounds = feed_->store()->GetChangeBounds();
        if (!bounds.ok()) {  // still logged, with its outcome
          feed_->store()->Write(std::move(call.log),
                                [failed = bounds.status()](store::WriteTransaction&) {
                                  return failed;
                                },
                                std::move(done));
          return;
        }
        const int64_t head = bounds->newest.seq;
        auto fn = [request, response, member = call.member, cursor,
                   head](store::WriteTransaction& txn) -> absl::Status {
          ASSIGN_OR_RETURN(auto found, txn.FindSubscription(member, request->subscription_name()));
          if (!found.has_value()) {
            return absl::NotFoundError(absl::StrCat("no subscription named ",
                                                    request->subscription_name(),
                                                    " for member ", member, ": Subscribe first"));
          }
          if (cursor.seq > head) {
            FieldViolations v;
            v.Add("cursor", "is ahead of the newest change this gateway has committed");
            return v.ToStatus();
          }
          // An older cursor (a replayed ack) does not move the position back.
          if (cursor.seq > found->acked.seq) {
            found->acked = cursor;
            found->acked_at = txn.now();
            RETURN_IF_ERROR(txn.PutSubscription(*found));
          }
          response->set_acknowledged_cursor(store::EncodeCursor(found->acked));
          return absl::OkStatus();
        };
        feed_->store()->Write(std::move(call.log), std::move(fn), std::move(done));
      });
}

}  // namespace lienthong::changefeed
