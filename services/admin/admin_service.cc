// AdminService handlers.
#include "services/admin/admin_service.h"

#include <algorithm>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/admin/certificate_report.h"
#include "services/admin/exchange_log_audit.h"
#include "services/admin/exchange_log_timestamp_audit.h"
#include "services/admin/exchange_log_query.h"
#include "services/common/proto_time.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "services/exchange/unary_call.h"
#include "services/store/change_cursor.h"

#ifndef LIENTHONG_VERSION
#define LIENTHONG_VERSION "unknown"
#endif

namespace lienthong::admin {
namespace {

constexpr char kGetStatus[] = "/lienthong.v1.AdminService/GetStatus";
constexpr char kListCertificates[] = "/lienthong.v1.AdminService/ListCertificates";
constexpr char kReloadConfig[] = "/lienthong.v1.AdminService/ReloadConfig";
constexpr char kPauseAdapter[] = "/lienthong.v1.AdminService/PauseAdapter";
constexpr char kResumeAdapter[] = "/lienthong.v1.AdminService/ResumeAdapter";
constexpr char kListDeadLetters[] = "/lienthong.v1.AdminService/ListDeadLetters";
constexpr char kReplayDeadLetters[] = "/lienthong.v1.AdminService/ReplayDeadLetters";
constexpr char kResyncAdapter[] = "/lienthong.v1.AdminService/ResyncAdapter";
constexpr char kVerifyExchangeLog[] = "/lienthong.v1.AdminService/VerifyExchangeLog";
constexpr char kQueryExchangeLog[] = "/lienthong.v1.AdminService/QueryExchangeLog";
constexpr char kSeekAdapter[] = "/lienthong.v1.AdminService/SeekAdapter";
// The range google.protobuf.Timestamp allows (0001-01-01 to 9999-12-31).
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

absl::Status NoAdapters() {
  return absl::FailedPreconditionError("no adapter is configured in this gateway");
}

absl::Status RequireAdapterName(const std::string& adapter) {
  if (!adapter.empty()) return absl::OkStatus();
  FieldViolations violations;
  violations.Add("adapter", "required: an adapter instance name from the config");
  return violations.ToStatus();
}

// Ends the worker thread of a reactor from its OnDone, which may run on that very thread.
void JoinOrDetach(std::thread& worker) {
  if (!worker.joinable()) return;
  if (worker.get_id() == std::this_thread::get_id()) {
    worker.detach();
  } else {
    worker.join();
  }
}

// Streams the progress of a long sync-engine action (a dead-letter replay, a resync) that runs on
// a thread of its own (the action is a blocking call). One write in flight: progress that
// arrives meanwhile is coalesced into the next write, so a slow client costs one message of
// memory.
template <typename Progress>
class ProgressReactor : public grpc::ServerWriteReactor<Progress> {
 public:
  using Report = std::function<void(const Progress&)>;
  using Action = std::function<absl::Status(const Report&)>;

  explicit ProgressReactor(const exchange::GatewayContext* gateway) : gateway_(gateway) {}

  // Ends the call at once (a refusal before the action).
  void FinishNow(const absl::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    this->Finish(ToGrpcStatus(status));
  }

  void Start(exchange::ExchangeCall call, Action action) {
    // Held until worker_ is set: the worker cannot finish the call (and OnDone cannot run)
    // before then.
    std::lock_guard<std::mutex> lock(mu_);
    call_ = std::move(call);
    worker_ = std::thread([this, action = std::move(action)] {
      absl::Status status = action([this](const Progress& progress) {
        std::lock_guard<std::mutex> lock(mu_);
        latest_ = progress;
        pending_ = true;
        WriteOrFinishLocked();
      });
      std::lock_guard<std::mutex> lock(mu_);
      outcome_ = std::move(status);
      finished_ = true;
      WriteOrFinishLocked();
    });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) broken_ = true;  // the client is gone; the action still runs to its end
    WriteOrFinishLocked();
  }

  void OnDone() override {
    JoinOrDetach(worker_);
    delete this;
  }

 private:
  void WriteOrFinishLocked() {
    if (writing_ || done_) return;
    if (pending_ && !broken_) {
      sending_ = latest_;
      pending_ = false;
      writing_ = true;
      // The response side of the exchange: every progress message handed to gRPC, in order,
      // as a client that keeps them can digest them again (deterministic serialization).
      const std::string bytes = exchange::DeterministicBytes(sending_);
      bytes_sent_ += static_cast<int64_t>(bytes.size());
      sent_digest_.Add(bytes);
      this->StartWrite(&sending_);
      return;
    }
    if (!finished_) return;
    done_ = true;
    call_.log.response_digest = sent_digest_.Finish();
    exchange::LogReadOnlyCall(*gateway_, std::move(call_), outcome_, bytes_sent_);
    this->Finish(ToGrpcStatus(outcome_));
  }

  const exchange::GatewayContext* gateway_;
  exchange::ExchangeCall call_;
  std::thread worker_;
  std::mutex mu_;
  Progress latest_;
  Progress sending_;
  bool pending_ = false;
  bool writing_ = false;
  bool broken_ = false;
  bool finished_ = false;
  bool done_ = false;
  absl::Status outcome_;
  int64_t bytes_sent_ = 0;
  exchange::StreamDigest sent_digest_;
};

// Begins the exchange call `method`, runs `check` (a refusal is logged and ends the call), then
// streams `action`'s progress until it ends; the call is logged in the exchange log then.
template <typename Progress, typename Request>
grpc::ServerWriteReactor<Progress>* ServeProgress(
    const exchange::GatewayContext* gateway, grpc::CallbackServerContext* context,
    const char* method, const Request& request, const std::function<absl::Status()>& check,
    typename ProgressReactor<Progress>::Action action) {
  auto* reactor = new ProgressReactor<Progress>(gateway);
  auto call = exchange::ExchangeCall::Begin(*gateway, context, method, request);
  if (!call.ok()) {
    reactor->FinishNow(call.status());
    return reactor;
  }
  if (absl::Status refused = check(); !refused.ok()) {
    exchange::LogReadOnlyCall(*gateway, std::move(*call), refused, 0);
    reactor->FinishNow(refused);
    return reactor;
  }
  reactor->Start(std::move(*call), std::move(action));
  return reactor;
}

// A unary call whose work blocks (a seek waits for the adapter's worker and for its commit): the
// work runs on a thread of its own, never on a gRPC callback thread, and ends the call.
class BlockingUnaryReactor : public grpc::ServerUnaryReactor {
 public:
  void FinishNow(const absl::Status& status) { Finish(ToGrpcStatus(status)); }

  void Start(std::function<absl::Status()> work) {
    // Held until worker_ is set: OnDone cannot run before then.
    std::lock_guard<std::mutex> lock(mu_);
    worker_ = std::thread([this, work = std::move(work)] {
      const absl::Status status = work();
      std::lock_guard<std::mutex> lock(mu_);
      Finish(ToGrpcStatus(status));
    });
  }

  // After Finish, which the worker calls only once worker_ is set.
  void OnDone() override {
    JoinOrDetach(worker_);
    delete this;
  }

 private:
  std::mutex mu_;
  std::thread worker_;
};

// The checkpoint a SeekAdapter request asks for; INVALID_ARGUMENT naming each bad field.
absl::StatusOr<sync::SeekTarget> SeekTargetOf(const v1::SeekAdapterRequest& request) {
  FieldViolations violations;
  if (request.adapter().empty()) {
    violations.Add("adapter", "required: an adapter instance name from the config");
  }
  sync::SeekTarget target;
  switch (request.to_case()) {
    case v1::SeekAdapterRequest::kCursor: {
      auto cursor = store::DecodeCursor(request.cursor());
      if (cursor.ok()) {
        target.cursor = *cursor;
      } else {
        violations.Add("cursor", absl::StrCat("'", request.cursor(),
                                              "' is not a change cursor (\"1.<hex>\")"));
      }
      break;
    }
    case v1::SeekAdapterRequest::kTime: {
      const auto& time = request.time();
      if (time.seconds() < kMinTimestampSeconds || time.seconds() > kMaxTimestampSeconds ||
          time.nanos() < 0 || time.nanos() > 999999999) {
        violations.Add("time", "not a valid timestamp");
      } else if (FromProtoTimestamp(time) > absl::Now()) {
        violations.Add("time", "must not be in the future");
      } else {
        target.time = FromProtoTimestamp(time);
      }
      break;
    }
    case v1::SeekAdapterRequest::TO_NOT_SET:
      violations.Add("to", "required: a cursor or a time");
      break;
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return target;
}

}  // namespace

absl::Status AdminServiceImpl::FillStatus(v1::GetStatusResponse* response) const {
  const config::v1::GatewayConfig config = deps_.running_config->config();
  response->set_version(LIENTHONG_VERSION);
  ToProtoTimestamp(deps_.started_at, response->mutable_started_at());
  response->set_store(config.store().kind() == config::v1::STORE_KIND_POSTGRES ? "postgres"
                                                                                : "sqlite");
  store::Store& store = *deps_.gateway->store;
  ASSIGN_OR_RETURN(const store::ChangeBounds bounds, store.GetChangeBounds());
  response->set_head_cursor(store::EncodeCursor(bounds.head));
  ASSIGN_OR_RETURN(const std::vector<store::SubscriptionRow> subscriptions,
                   store.ListSubscriptions());
  for (const store::SubscriptionRow& row : subscriptions) {
    v1::SubscriptionStatus* status = response->add_subscriptions();
    status->set_member(row.member);
    status->set_name(row.name);
    status->set_acknowledged_cursor(store::EncodeCursor(row.acked));
    ASSIGN_OR_RETURN(const int64_t lag, store.CountChangesAfter(row.acked));
    status->set_lag_events(lag);
    // Changes it never acknowledged are gone: retention went past it.
    status->set_expired(lag > 0 && row.acked < bounds.pruned_through);
    if (lag > 0) {
      // The acknowledged change's commit, or (pruned) the first unacknowledged one's.
      const store::ChangeCursor from{row.acked.seq > 0 ? row.acked.seq - 1 : 0};
      ASSIGN_OR_RETURN(const std::vector<store::ChangeRow> first, store.ReadChanges(from, 1));
      if (!first.empty()) {
        status->set_lag_seconds(std::max(
            0.0, absl::ToDoubleSeconds(bounds.head_commit_time - first.front().commit_time)));
      }
    }
  }
  if (sync::SyncControl* control = sync(); control != nullptr) {
    for (v1::AdapterStatus& adapter : control->AdapterStatuses()) {
      *response->add_adapters() = std::move(adapter);
    }
  }
  response->set_replica(deps_.replica_name);
  ASSIGN_OR_RETURN(const std::vector<store::LeaseRow> leases, store.ListLeases());
  for (const store::LeaseRow& lease : leases) {
    v1::LeaseStatus* status = response->add_leases();
    status->set_name(lease.name);
    status->set_holder(lease.holder);
    status->set_token(lease.token);
    ToProtoTimestamp(lease.expires_at, status->mutable_expires_at());
  }
  response->set_config_file(deps_.running_config->file());
  ToProtoTimestamp(deps_.running_config->loaded_at(), response->mutable_config_loaded_at());
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AdminServiceImpl::GetStatus(grpc::CallbackServerContext* context,
                                                      const v1::GetStatusRequest* request,
                                                      v1::GetStatusResponse* response) {
  return exchange::ServeRead(*deps_.gateway, context, kGetStatus, *request, response,
                             [&](const exchange::ExchangeCall&) { return FillStatus(response); });
}

absl::Status AdminServiceImpl::ListCertificatesFor(v1::ListCertificatesResponse* response) const {
  for (v1::CertificateStatus& certificate :
       CertificatesInUse(*deps_.listener_tls->active(), deps_.running_config->config(),
                         absl::Now())) {
    *response->add_certificates() = std::move(certificate);
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AdminServiceImpl::ListCertificates(
    grpc::CallbackServerContext* context, const v1::ListCertificatesRequest* request,
    v1::ListCertificatesResponse* response) {
  return exchange::ServeRead(
      *deps_.gateway, context, kListCertificates, *request, response,
      [&](const exchange::ExchangeCall&) { return ListCertificatesFor(response); });
}

grpc::ServerUnaryReactor* AdminServiceImpl::ReloadConfig(grpc::CallbackServerContext* context,
                                                         const v1::ReloadConfigRequest* request,
                                                         v1::ReloadConfigResponse* response) {
  return exchange::ServeRead(*deps_.gateway, context, kReloadConfig, *request, response,
                             [&](const exchange::ExchangeCall&) {
                               const ReloadOutcome outcome =
                                   deps_.running_config->Reload("ReloadConfig");
                               response->set_applied(outcome.applied);
                               for (const auto& e : outcome.errors) response->add_errors(e);
                               for (const auto& c : outcome.changes) response->add_changes(c);
                               for (const auto& r : outcome.restart_required) {
                                 response->add_restart_required(r);
                               }
                               return absl::OkStatus();
                             });
}

absl::Status AdminServiceImpl::SteerAdapter(const std::string& adapter, bool pause,
                                            v1::AdapterStatus* out) const {
  RETURN_IF_ERROR(RequireAdapterName(adapter));
  sync::SyncControl* control = sync();
  if (control == nullptr) return NoAdapters();
  RETURN_IF_ERROR(pause ? control->Pause(adapter) : control->Resume(adapter));
  for (v1::AdapterStatus& status : control->AdapterStatuses()) {
    if (status.name() == adapter) {
      *out = std::move(status);
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError(absl::StrCat("no adapter named ", adapter));
}

grpc::ServerUnaryReactor* AdminServiceImpl::PauseAdapter(grpc::CallbackServerContext* context,
                                                         const v1::PauseAdapterRequest* request,
                                                         v1::AdapterStatus* response) {
  return exchange::ServeRead(*deps_.gateway, context, kPauseAdapter, *request, response,
                             [&](const exchange::ExchangeCall&) {
                               return SteerAdapter(request->adapter(), true, response);
                             });
}

grpc::ServerUnaryReactor* AdminServiceImpl::ResumeAdapter(grpc::CallbackServerContext* context,
                                                          const v1::ResumeAdapterRequest* request,
                                                          v1::AdapterStatus* response) {
  return exchange::ServeRead(*deps_.gateway, context, kResumeAdapter, *request, response,
                             [&](const exchange::ExchangeCall&) {
                               return SteerAdapter(request->adapter(), false, response);
                             });
}

absl::Status AdminServiceImpl::ListDeadLettersFor(const v1::ListDeadLettersRequest& request,
                                                  v1::ListDeadLettersResponse* response) const {
  FieldViolations violations;
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    violations.Add("page_size", absl::StrCat("must be 0 to ", kMaxPageSize));
  }
  // The token is the last id of the previous page.
  int64_t after_id = 0;
  std::string token;
  if (!request.page_token().empty() &&
      (!absl::WebSafeBase64Unescape(request.page_token(), &token) ||
       !absl::SimpleAtoi(token, &after_id) || after_id < 0)) {
    violations.Add("page_token", "not a token from a previous page of this listing");
  }
  if (!violations.empty()) return violations.ToStatus();
  const int page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  ASSIGN_OR_RETURN(std::vector<store::DeadLetterRow> rows,
                   deps_.gateway->store->ListDeadLetters(request.adapter(), after_id,
                                                         page_size + 1));
  const bool more = static_cast<int>(rows.size()) > page_size;
  if (more) rows.resize(page_size);
  for (const store::DeadLetterRow& row : rows) {
    v1::DeadLetter* letter = response->add_dead_letters();
    letter->set_id(row.id);
    letter->set_adapter(row.adapter);
    letter->set_cursor(store::EncodeCursor(row.cursor));
    letter->set_event_id(row.event_id);
    letter->set_attempts(row.attempts);
    letter->set_last_error(row.last_error);
    ToProtoTimestamp(row.dead_lettered_at, letter->mutable_dead_lettered_at());
  }
  if (more) {
    response->set_next_page_token(absl::WebSafeBase64Escape(absl::StrCat(rows.back().id)));
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AdminServiceImpl::ListDeadLetters(
    grpc::CallbackServerContext* context, const v1::ListDeadLettersRequest* request,
    v1::ListDeadLettersResponse* response) {
  return exchange::ServeRead(
      *deps_.gateway, context, kListDeadLetters, *request, response,
      [&](const exchange::ExchangeCall&) { return ListDeadLettersFor(*request, response); });
}

grpc::ServerWriteReactor<v1::ReplayProgress>* AdminServiceImpl::ReplayDeadLetters(
    grpc::CallbackServerContext* context, const v1::ReplayDeadLettersRequest* request) {
  sync::SyncControl* control = sync();
  auto check = [&]() -> absl::Status {
    RETURN_IF_ERROR(RequireAdapterName(request->adapter()));
    return control == nullptr ? NoAdapters() : absl::OkStatus();
  };
  auto replay = [control, adapter = request->adapter(),
                 ids = std::vector<int64_t>(request->ids().begin(), request->ids().end())](
                    const std::function<void(const v1::ReplayProgress&)>& report) {
    return control->ReplayDeadLetters(adapter, ids, report);
  };
  return ServeProgress<v1::ReplayProgress>(deps_.gateway, context, kReplayDeadLetters, *request,
                                           check, replay);
}

grpc::ServerWriteReactor<v1::ResyncProgress>* AdminServiceImpl::ResyncAdapter(
    grpc::CallbackServerContext* context, const v1::ResyncAdapterRequest* request) {
  sync::SyncControl* control = sync();
  const absl::Time now = absl::Now();
  const absl::Time from = FromProtoTimestamp(request->from());
  const absl::Time to = request->has_to() ? FromProtoTimestamp(request->to()) : now;
  auto check = [&]() -> absl::Status {
    RETURN_IF_ERROR(RequireAdapterName(request->adapter()));
    FieldViolations violations;
    if (!request->has_from()) violations.Add("from", "required: the start of the period");
    if (request->has_from() && request->has_to() && to <= from) {
      violations.Add("to", "must be after from");
    }
    if (request->has_from() && from > now) violations.Add("from", "must not be in the future");
    RETURN_IF_ERROR(violations.ToStatus());
    return control == nullptr ? NoAdapters() : absl::OkStatus();
  };
  auto resync = [control, adapter = request->adapter(), from,
                 to](const std::function<void(const v1::ResyncProgress&)>& report) {
    return control->Resync(adapter, from, to, report);
  };
  return ServeProgress<v1::ResyncProgress>(deps_.gateway, context, kResyncAdapter, *request,
                                           check, resync);
}

grpc::ServerUnaryReactor* AdminServiceImpl::VerifyExchangeLog(
    grpc::CallbackServerContext* context, const v1::VerifyExchangeLogRequest* request,
    v1::VerifyExchangeLogResponse* response) {
  return exchange::ServeRead(
      *deps_.gateway, context, kVerifyExchangeLog, *request, response,
      [&](const exchange::ExchangeCall&) -> absl::Status {
        // Pruning moves the anchor; it waits while the chain is walked.
        std::optional<absl::MutexLock> no_pruning;
        if (deps_.retention != nullptr) no_pruning.emplace(&deps_.retention->chain_mutex());
        // The tokens are checked with the CA the caller sends, else the configured one.
        std::optional<TsaTrust> given;
        if (!request->tsa_ca_pem().empty()) {
          auto parsed = TsaTrust::FromPem(request->tsa_ca_pem(), "tsa_ca_pem");
          if (!parsed.ok()) {
            FieldViolations violations;
            violations.Add("tsa_ca_pem", std::string(parsed.status().message()));
            return violations.ToStatus();
          }
          given = std::move(*parsed);
        }
        const TsaTrust* trust = given.has_value() ? &*given : deps_.tsa_trust;
        store::Store& store = *deps_.gateway->store;
        ASSIGN_OR_RETURN(const ExchangeLogVerdict verdict, VerifyExchangeLogChain(store));
        response->set_ok(verdict.ok);
        response->set_entries_checked(verdict.entries_checked);
        response->set_anchor_seq(verdict.anchor_seq);
        response->set_anchor_hash(verdict.anchor_hash);
        if (!verdict.ok) {
          response->set_first_bad_sequence(verdict.first_bad_sequence);
          response->set_problem(verdict.problem);
        }
        TimestampVerdict stamps;
        if (trust != nullptr) {
          ASSIGN_OR_RETURN(stamps, VerifyExchangeLogTimestamps(store, *trust));
        } else {
          ASSIGN_OR_RETURN(const auto latest, store.LatestExchangeLogTimestamp());
          if (latest.has_value()) {
            stamps.problems.push_back(TimestampProblem{
                latest->id, latest->seq,
                "unchecked: timestamp tokens are stored but no TSA certificate is at hand to "
                "check them (configure exchange_log.timestamping.tsa_ca_file or pass --tsa_ca)"});
          }
        }
        response->set_timestamps_verified(stamps.verified);
        if (stamps.verified > 0) {
          response->set_last_timestamp_seq(stamps.last_seq);
          ToProtoTimestamp(stamps.last_time, response->mutable_last_timestamp_time());
        }
        for (const TimestampProblem& problem : stamps.problems) {
          auto* out = response->add_timestamp_problems();
          out->set_token_id(problem.token_id);
          out->set_seq(problem.seq);
          out->set_problem(problem.problem);
        }
        if (verdict.ok && !stamps.ok()) {
          // The chain verifies on its own: the first token that does not is the finding.
          response->set_ok(false);
          response->set_first_bad_sequence(stamps.problems.front().seq);
          response->set_problem(stamps.problems.front().problem);
        }
        return absl::OkStatus();
      });
}

}  // namespace lienthong::admin

namespace lienthong::admin {

grpc::ServerUnaryReactor* AdminServiceImpl::SeekAdapter(grpc::CallbackServerContext* context,
                                                        const v1::SeekAdapterRequest* request,
                                                        v1::SeekAdapterResponse* response) {
  auto* reactor = new BlockingUnaryReactor();
  auto call = exchange::ExchangeCall::Begin(*deps_.gateway, context, kSeekAdapter, *request);
  if (!call.ok()) {
    reactor->FinishNow(call.status());
    return reactor;
  }
  sync::SyncControl* control = sync();
  auto target = SeekTargetOf(*request);
  absl::Status refused = target.status();
  if (refused.ok() && control == nullptr) refused = NoAdapters();
  if (!refused.ok()) {
    exchange::LogReadOnlyCall(*deps_.gateway, std::move(*call), refused, 0);
    reactor->FinishNow(refused);
    return reactor;
  }
  // The engine writes the call's exchange-log entry, with the checkpoint it moved from and to,
  // in the transaction that moves it (or with the refusal).
  reactor->Start([control, adapter = request->adapter(), target = *target,
                  entry = std::move(call->log), response]() mutable -> absl::Status {
    ASSIGN_OR_RETURN(sync::SeekOutcome outcome, control->Seek(adapter, target, std::move(entry)));
    response->set_from_checkpoint(store::EncodeCursor(outcome.from));
    response->set_to_checkpoint(store::EncodeCursor(outcome.to));
    response->set_lag_events(outcome.lag_events);
    *response->mutable_status() = std::move(outcome.status);
    return absl::OkStatus();
  });
  return reactor;
}

absl::Status AdminServiceImpl::QueryExchangeLogFor(const v1::QueryExchangeLogRequest& request,
                                                   v1::QueryExchangeLogResponse* response) const {
  return admin::QueryExchangeLog(*deps_.gateway->store, request, response);
}

grpc::ServerUnaryReactor* AdminServiceImpl::QueryExchangeLog(
    grpc::CallbackServerContext* context, const v1::QueryExchangeLogRequest* request,
    v1::QueryExchangeLogResponse* response) {
  return exchange::ServeRead(
      *deps_.gateway, context, kQueryExchangeLog, *request, response,
      [&](const exchange::ExchangeCall&) { return QueryExchangeLogFor(*request, response); });
}

absl::Status AdminServiceImpl::ReplayDeadLettersFor(
    const v1::ReplayDeadLettersRequest& request,
    const std::function<void(const v1::ReplayProgress&)>& report) const {
  RETURN_IF_ERROR(RequireAdapterName(request.adapter()));
  sync::SyncControl* control = sync();
  if (control == nullptr) return NoAdapters();
  return control->ReplayDeadLetters(
      request.adapter(), std::vector<int64_t>(request.ids().begin(), request.ids().end()), report);
}

}  // namespace lienthong::admin
