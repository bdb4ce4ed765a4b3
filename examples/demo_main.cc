// lienthong_demo: a one-stop client and an education-sector client exercising the gateway, so a
// newcomer sees dossiers and records flow within a minute (the README's run command runs it).
// Each scene is one function below and a compact example of calling one part of the API from
// C++ over mutual TLS; main() plays them in order.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "lienthong/v1/dossier_service.grpc.pb.h"
#include "lienthong/v1/education_record_service.grpc.pb.h"
#include "services/common/proto_time.h"
#include "services/common/rpc_status.h"
#include "services/security/client_credentials.h"
#include "tests/support/sample_dossiers.h"
#include "tests/support/sample_history.h"

ABSL_FLAG(std::string, target, "127.0.0.1:7443", "Gateway address.");
ABSL_FLAG(std::string, pki, "var/pki", "Development PKI folder (lienthongctl pki init).");
ABSL_FLAG(int, dossiers, 12, "Dossiers to submit.");
ABSL_FLAG(int, history_per_month, 15,
          "Dossiers of each of the last 12 months to submit and move along (the console's charts).");

namespace lienthong::demo {
namespace {

// --- Plumbing: channels, deadlines, how results are printed ---------------------------------

std::shared_ptr<grpc::Channel> ChannelFor(const std::string& member) {
  const std::string pki = absl::GetFlag(FLAGS_pki);
  auto pem = security::ReadClientTlsFiles({absl::StrCat(pki, "/members/", member, ".key"),
                                           absl::StrCat(pki, "/members/", member, ".crt"),
                                           absl::StrCat(pki, "/ca.crt")});
  if (!pem.ok()) {
    std::fprintf(stderr, "demo: %s\n", std::string(pem.status().message()).c_str());
    std::exit(1);
  }
  return security::MakeMutualTlsChannel(absl::GetFlag(FLAGS_target), *pem);
}

std::unique_ptr<grpc::ClientContext> Deadline() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return context;
}

std::string Local(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%d %H:%M", FromProtoTimestamp(ts),
                          absl::FixedTimeZone(7 * 3600));
}

void Scene(const char* title) { std::printf("\n== %s ==\n", title); }

// Prints a refusal the way an operator wants to read it: code, message, each bad field.
void PrintError(const grpc::Status& status) {
  absl::Status error = FromGrpcStatus(status);
  std::printf("    -> %s: %s\n", std::string(absl::StatusCodeToString(error.code())).c_str(),
              std::string(error.message()).c_str());
  google::rpc::BadRequest bad;
  if (GetBadRequest(error, &bad)) {
    for (const auto& v : bad.field_violations()) {
      std::printf("       field %-40s %s\n", v.field().c_str(), v.description().c_str());
    }
  }
}

// What every scene shares: the two members' stubs, the sample indices of this run, and the
// count of calls that failed when they should not have.
struct Demo {
  std::unique_ptr<v1::DossierService::Stub> one_stop =
      v1::DossierService::NewStub(ChannelFor("motcua"));
  std::unique_ptr<v1::EducationRecordService::Stub> one_stop_records =
      v1::EducationRecordService::NewStub(ChannelFor("motcua"));
  std::unique_ptr<v1::EducationRecordService::Stub> education =
      v1::EducationRecordService::NewStub(ChannelFor("giaoduc"));
  // Sample indices differ from one run to the next, so that the demo can run again.
  uint64_t base = static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now()) % 100000) * 50;
  absl::Time now = absl::Now();
  int failures = 0;

  // True when `status` is OK; otherwise prints it and counts a failure.
  bool Expect(const grpc::Status& status, const char* what) {
    if (status.ok()) return true;
    std::printf("  %s failed\n", what);
    PrintError(status);
    ++failures;
    return false;
  }

  // UpdateDossierStatus: appends a processing step to `dossier` (updated in place when it works).
  grpc::Status Move(v1::Dossier& dossier, v1::DossierStatus to, const std::string& content) {
    v1::UpdateDossierStatusRequest request;
    request.set_code(dossier.code());
    request.set_expected_version(dossier.version());
    request.set_new_status(to);
    request.set_from_unit(dossier.receiving_agency_code());
    request.set_to_unit(dossier.receiving_agency_code());
    request.set_handler("Nguyễn Thị Lan (chuyên viên)");
    request.set_content(content);
    if (to == v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED) {
      request.set_supplement_request("Bổ sung bản sao giấy khai sinh");
    }
    v1::Dossier updated;
    grpc::Status status = one_stop->UpdateDossierStatus(Deadline().get(), request, &updated);
    if (status.ok()) {
      dossier = updated;
      std::printf("  %s  -> %-36s version %lld\n", dossier.code().c_str(),
                  v1::DossierStatus_Name(to).c_str(), static_cast<long long>(dossier.version()));
    }
    return status;
  }
};

// --- The scenes ------------------------------------------------------------------------------

// EducationRecordService.UpsertRecords: two schools, four students, three diplomas, all or
// nothing. Returns the diplomas written.
std::vector<v1::Diploma> UpsertRecords(Demo& demo) {
  Scene("Education database (Sở GD&ĐT) upserts schools, students and diplomas");
  v1::UpsertRecordsRequest upsert;
  for (int i = 0; i < 2; ++i) *upsert.add_records() = MakeSampleSchool(demo.base + i);
  const std::string first_school = upsert.records(0).school().school_code();
  for (int i = 0; i < 4; ++i) {
    *upsert.add_records() = MakeSampleStudent(demo.base + i, first_school);
  }
  std::vector<v1::Diploma> diplomas;
  for (int i = 0; i < 3; ++i) {
    *upsert.add_records() = MakeSampleDiploma(demo.base + i);
    diplomas.push_back(upsert.records(upsert.records_size() - 1).diploma());
  }
  v1::UpsertRecordsResponse upserted;
  if (demo.Expect(demo.education->UpsertRecords(Deadline().get(), upsert, &upserted),
                  "UpsertRecords")) {
    for (const auto& outcome : upserted.outcomes()) {
      std::printf("  %-8s %-28s version %lld  cursor %s\n",
                  v1::RecordType_Name(outcome.key().type()).substr(12).c_str(),
                  outcome.key().key().c_str(), static_cast<long long>(outcome.version()),
                  outcome.cursor().c_str());
    }
  }
  return diplomas;
}

// DossierService.SubmitDossier: the gateway computes each due date from the procedure's
// processing days and the working-day calendar. Returns the dossiers as stored.
std::vector<v1::Dossier> SubmitDossiers(Demo& demo) {
  const int count = absl::GetFlag(FLAGS_dossiers);
  Scene(absl::StrCat("One-stop desk (Một cửa) submits ", count, " dossiers").c_str());
  std::vector<v1::Dossier> stored;
  for (int i = 0; i < count; ++i) {
    v1::SubmitDossierRequest request;
    *request.mutable_dossier() = MakeSampleDossier(demo.base + i, demo.now);
    v1::SubmitDossierResponse response;
    if (!demo.Expect(demo.one_stop->SubmitDossier(Deadline().get(), request, &response),
                     "SubmitDossier")) {
      continue;
    }
    const v1::Dossier& d = response.dossier();
    std::printf("  %s  %s %s  due %s\n", d.code().c_str(), d.procedure_code().c_str(),
                d.applicant().full_name().c_str(), Local(d.due_at()).c_str());
    stored.push_back(d);
  }
  return stored;
}

// Submitting the same dossier again returns the stored one and changes nothing.
void ResubmitIsIdempotent(Demo& demo) {
  Scene("The same dossier again is idempotent");
  v1::SubmitDossierRequest request;
  *request.mutable_dossier() = MakeSampleDossier(demo.base, demo.now);
  v1::SubmitDossierResponse response;
  if (demo.Expect(demo.one_stop->SubmitDossier(Deadline().get(), request, &response),
                  "resubmit")) {
    std::printf("  %s already_existed=%s version=%lld\n", response.dossier().code().c_str(),
                response.already_existed() ? "true" : "false",
                static_cast<long long>(response.dossier().version()));
  }
}

// DossierService.UpdateDossierStatus along the usual paths, one with a supplement request
// (the clock restarts when the supplement arrives).
void ProcessDossiers(Demo& demo, std::vector<v1::Dossier>& stored) {
  Scene("Processing: accepted -> in process -> finished -> result returned");
  for (size_t i = 0; i < stored.size(); ++i) {
    v1::Dossier& d = stored[i];
    if (!demo.Expect(demo.Move(d, v1::DOSSIER_STATUS_IN_PROCESS, "Chuyển phòng chuyên môn xử lý"),
                     "move")) {
      continue;
    }
    if (i % 4 == 1) {
      demo.Expect(demo.Move(d, v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED, "Yêu cầu bổ sung hồ sơ"),
                  "move");
      demo.Expect(demo.Move(d, v1::DOSSIER_STATUS_IN_PROCESS,
                            "Đã nhận hồ sơ bổ sung, tính lại thời hạn"),
                  "move");
      std::printf("    clock restarted after the supplement: due %s\n", Local(d.due_at()).c_str());
    }
    if (i % 3 != 2) {
      demo.Expect(demo.Move(d, v1::DOSSIER_STATUS_FINISHED, "Đã có kết quả"), "move");
      if (i % 2 == 0) {
        demo.Expect(demo.Move(d, v1::DOSSIER_STATUS_RESULT_RETURNED, "Đã trả kết quả"), "move");
      }
    }
  }
}

// Refusals of UpdateDossierStatus: a move the state machine does not allow
// (FAILED_PRECONDITION) and a stale expected_version (ABORTED).
void ShowRefusedMoves(Demo& demo, v1::Dossier dossier) {
  Scene("Refused: an impossible move and a stale version");
  std::printf("  %s (%s) -> IN_PROCESS:\n", dossier.code().c_str(),
              v1::DossierStatus_Name(dossier.status()).c_str());
  PrintError(demo.Move(dossier, v1::DOSSIER_STATUS_IN_PROCESS, "thử lại"));
  dossier.set_version(1);
  std::printf("  %s with expected_version 1:\n", dossier.code().c_str());
  PrintError(demo.Move(dossier, v1::DOSSIER_STATUS_FINISHED, "thử lại"));
}

// A dossier with several bad fields: INVALID_ARGUMENT naming each one, nothing stored.
void ShowRefusedInput(Demo& demo) {
  Scene("Refused: bad input changes nothing and names every bad field");
  v1::SubmitDossierRequest request;
  *request.mutable_dossier() = MakeSampleDossier(demo.base + 999, demo.now);
  request.mutable_dossier()->set_code("000.00.00.H49-991399-12");
  request.mutable_dossier()->mutable_applicant()->set_id_number("003123456789");
  request.mutable_dossier()->set_procedure_code("2002481");
  v1::SubmitDossierResponse response;
  PrintError(demo.one_stop->SubmitDossier(Deadline().get(), request, &response));
}

// EducationRecordService.VerifyDiploma: match, then mismatch naming the field, without the
// record being handed out.
void VerifyDiploma(Demo& demo, const v1::Diploma& diploma) {
  Scene("One-stop verifies a diploma during a \"copy of diploma\" procedure");
  v1::VerifyDiplomaRequest request;
  request.set_serial_number(diploma.serial_number());
  *request.mutable_holder() = diploma.holder();
  v1::VerifyDiplomaResponse response;
  if (demo.Expect(demo.one_stop_records->VerifyDiploma(Deadline().get(), request, &response),
                  "Verify")) {
    std::printf("  serial %s as presented: %s\n", diploma.serial_number().c_str(),
                v1::VerifyDiplomaResponse::Verdict_Name(response.verdict()).c_str());
  }
  request.mutable_holder()->set_date_of_birth("2001-01-01");
  response.Clear();
  if (demo.Expect(demo.one_stop_records->VerifyDiploma(Deadline().get(), request, &response),
                  "Verify")) {
    std::printf("  with a wrong date of birth: %s (fields:",
                v1::VerifyDiplomaResponse::Verdict_Name(response.verdict()).c_str());
    for (const auto& f : response.mismatched_fields()) std::printf(" %s", f.c_str());
    std::printf(")\n");
  }
}

// A year of one-stop work (sample_history.h): dossiers received in each of the last 12 months,
// moved along with the times they happened at (UpdateDossierStatusRequest.at), so that the
// operator console's indicator charts show a trend. Run again, the dossiers already exist
// (SubmitDossier is idempotent) and are left as they are.
void SubmitHistory(Demo& demo) {
  const int per_month = absl::GetFlag(FLAGS_history_per_month);
  if (per_month <= 0) return;
  Scene(absl::StrCat("A year of one-stop work: ", per_month, " dossiers a month, moved along").c_str());
  int submitted = 0, existed = 0, moves = 0;
  for (const auto& planned : MakeSampleHistory(demo.now, 12, per_month, 500000)) {
    v1::SubmitDossierRequest request;
    *request.mutable_dossier() = planned.dossier;
    v1::SubmitDossierResponse response;
    if (!demo.Expect(demo.one_stop->SubmitDossier(Deadline().get(), request, &response),
                     "SubmitDossier (history)")) {
      continue;
    }
    if (response.already_existed()) {
      ++existed;
      continue;
    }
    ++submitted;
    for (const auto& move : SampleHistoryMoves(planned, response.dossier(), demo.now)) {
      v1::Dossier moved;
      if (!demo.Expect(demo.one_stop->UpdateDossierStatus(Deadline().get(), move, &moved),
                       "UpdateDossierStatus (history)")) {
        break;
      }
      ++moves;
    }
  }
  std::printf("  %d dossiers submitted with %d status moves (%d were there already)\n", submitted,
              moves, existed);
}

// DossierService.GetDossierStats over the last week, in Vietnam's days.
void ReportKpis(Demo& demo) {
  Scene("KPI report for today (GetDossierStats)");
  v1::GetDossierStatsRequest request;
  const absl::TimeZone vn = absl::FixedTimeZone(7 * 3600);
  const absl::Time day_start = absl::FromCivil(absl::ToCivilDay(demo.now, vn), vn);
  request.mutable_from()->set_seconds(absl::ToUnixSeconds(day_start - absl::Hours(24 * 7)));
  request.mutable_to()->set_seconds(absl::ToUnixSeconds(day_start + absl::Hours(24)));
  v1::GetDossierStatsResponse stats;
  if (!demo.Expect(demo.one_stop->GetDossierStats(Deadline().get(), request, &stats),
                   "GetDossierStats")) {
    return;
  }
  const auto& t = stats.total();
  std::printf("  received %lld (online %.0f%%, postal %.0f%%), finished %lld "
              "(early %lld, on time %lld, late %lld; on-time rate %.0f%%),\n"
              "  overdue in process %lld, paid online %.0f%%, digitised %.0f%%\n",
              static_cast<long long>(t.received()), 100 * t.online_rate(), 100 * t.postal_rate(),
              static_cast<long long>(t.finished()), static_cast<long long>(t.finished_early()),
              static_cast<long long>(t.finished_on_time()),
              static_cast<long long>(t.finished_late()), 100 * t.on_time_rate(),
              static_cast<long long>(t.overdue_in_process()), 100 * t.online_payment_rate(),
              100 * t.digitisation_rate());
}

}  // namespace
}  // namespace lienthong::demo

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace lienthong::demo;  // NOLINT: the scenes above
  Demo demo;
  const std::vector<lienthong::v1::Diploma> diplomas = UpsertRecords(demo);
  std::vector<lienthong::v1::Dossier> stored = SubmitDossiers(demo);
  if (stored.empty()) return 1;
  ResubmitIsIdempotent(demo);
  ProcessDossiers(demo, stored);
  ShowRefusedMoves(demo, stored.front());
  ShowRefusedInput(demo);
  if (!diplomas.empty()) VerifyDiploma(demo, diplomas.back());
  SubmitHistory(demo);
  ReportKpis(demo);
  std::printf("\ndemo finished: %d unexpected failures\n", demo.failures);
  return demo.failures == 0 ? 0 : 1;
}
