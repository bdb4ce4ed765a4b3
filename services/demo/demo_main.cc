// lienthong_demo: a one-stop client and an education-sector client exercising the gateway, so a
// newcomer sees dossiers and records flow within a minute (the README's run command runs it).
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "lienthong/v1/dossier_service.grpc.pb.h"
#include "lienthong/v1/education_record_service.grpc.pb.h"
#include "services/common/rpc_status.h"
#include "services/demo/sample_dossiers.h"
#include "services/security/client_credentials.h"

ABSL_FLAG(std::string, target, "127.0.0.1:7443", "Gateway address.");
ABSL_FLAG(std::string, pki, "var/pki", "Development PKI folder (lienthongctl pki init).");
ABSL_FLAG(int, dossiers, 12, "Dossiers to submit.");

namespace lienthong::demo {
namespace {

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
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixSeconds(ts.seconds()),
                          absl::FixedTimeZone(7 * 3600));
}

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

bool Check(const grpc::Status& status, const char* what) {
  if (status.ok()) return true;
  std::printf("  %s failed\n", what);
  PrintError(status);
  return false;
}

int Run() {
  auto one_stop = v1::DossierService::NewStub(ChannelFor("motcua"));
  auto one_stop_records = v1::EducationRecordService::NewStub(ChannelFor("motcua"));
  auto education = v1::EducationRecordService::NewStub(ChannelFor("giaoduc"));
  const uint64_t base = static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now()) % 100000) * 50;
  int failures = 0;

  std::printf("\n== Education database (Sở GD&ĐT) upserts schools, students and diplomas ==\n");
  v1::UpsertRecordsRequest upsert;
  std::string first_school;
  for (int i = 0; i < 2; ++i) {
    *upsert.add_records() = MakeSampleSchool(base + i);
    if (i == 0) first_school = upsert.records(0).school().school_code();
  }
  for (int i = 0; i < 4; ++i) *upsert.add_records() = MakeSampleStudent(base + i, first_school);
  for (int i = 0; i < 3; ++i) *upsert.add_records() = MakeSampleDiploma(base + i);
  v1::UpsertRecordsResponse upserted;
  if (Check(education->UpsertRecords(Deadline().get(), upsert, &upserted), "UpsertRecords")) {
    for (const auto& outcome : upserted.outcomes()) {
      std::printf("  %-8s %-28s version %lld  cursor %s\n",
                  v1::RecordType_Name(outcome.key().type()).substr(12).c_str(),
                  outcome.key().key().c_str(), static_cast<long long>(outcome.version()),
                  outcome.cursor().c_str());
    }
  } else {
    ++failures;
  }

  std::printf("\n== One-stop desk (Một cửa) submits %d dossiers ==\n", absl::GetFlag(FLAGS_dossiers));
  std::vector<v1::Dossier> stored;
  const absl::Time now = absl::Now();
  for (int i = 0; i < absl::GetFlag(FLAGS_dossiers); ++i) {
    v1::SubmitDossierRequest request;
    *request.mutable_dossier() = MakeSampleDossier(base + i, now);
    v1::SubmitDossierResponse response;
    if (!Check(one_stop->SubmitDossier(Deadline().get(), request, &response), "SubmitDossier")) {
      ++failures;
      continue;
    }
    const v1::Dossier& d = response.dossier();
    std::printf("  %s  %s %s  due %s\n", d.code().c_str(), d.procedure_code().c_str(),
                d.applicant().full_name().c_str(), Local(d.due_at()).c_str());
    stored.push_back(d);
  }
  if (stored.empty()) return 1;

  std::printf("\n== The same dossier again is idempotent ==\n");
  {
    v1::SubmitDossierRequest request;
    *request.mutable_dossier() = MakeSampleDossier(base, now);
    v1::SubmitDossierResponse response;
    if (Check(one_stop->SubmitDossier(Deadline().get(), request, &response), "resubmit")) {
      std::printf("  %s already_existed=%s version=%lld\n", response.dossier().code().c_str(),
                  response.already_existed() ? "true" : "false",
                  static_cast<long long>(response.dossier().version()));
    }
  }

  std::printf("\n== Processing: accepted -> in process -> finished -> result returned ==\n");
  auto move = [&](v1::Dossier& d, v1::DossierStatus to, const std::string& content) {
    v1::UpdateDossierStatusRequest request;
    request.set_code(d.code());
    request.set_expected_version(d.version());
    request.set_new_status(to);
    request.set_from_unit(d.receiving_agency_code());
    request.set_to_unit(d.receiving_agency_code());
    request.set_handler("Nguyễn Thị Lan (chuyên viên)");
    request.set_content(content);
    if (to == v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED) {
      request.set_supplement_request("Bổ sung bản sao giấy khai sinh");
    }
    v1::Dossier updated;
    grpc::Status status = one_stop->UpdateDossierStatus(Deadline().get(), request, &updated);
    if (status.ok()) {
      d = updated;
      std::printf("  %s  -> %-36s version %lld\n", d.code().c_str(),
                  v1::DossierStatus_Name(to).c_str(), static_cast<long long>(d.version()));
    }
    return status;
  };
  for (size_t i = 0; i < stored.size(); ++i) {
    v1::Dossier& d = stored[i];
    if (!Check(move(d, v1::DOSSIER_STATUS_IN_PROCESS, "Chuyển phòng chuyên môn xử lý"), "move")) {
      ++failures;
      continue;
    }
    if (i % 4 == 1) {
      Check(move(d, v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED, "Yêu cầu bổ sung hồ sơ"), "move");
      Check(move(d, v1::DOSSIER_STATUS_IN_PROCESS, "Đã nhận hồ sơ bổ sung, tính lại thời hạn"),
            "move");
      std::printf("    clock restarted after the supplement: due %s\n", Local(d.due_at()).c_str());
    }
    if (i % 3 != 2) {
      Check(move(d, v1::DOSSIER_STATUS_FINISHED, "Đã có kết quả"), "move");
      if (i % 2 == 0) Check(move(d, v1::DOSSIER_STATUS_RESULT_RETURNED, "Đã trả kết quả"), "move");
    }
  }

  std::printf("\n== Refused: an impossible move and a stale version ==\n");
  {
    v1::Dossier d = stored.front();
    std::printf("  %s (%s) -> IN_PROCESS:\n", d.code().c_str(),
                v1::DossierStatus_Name(d.status()).c_str());
    PrintError(move(d, v1::DOSSIER_STATUS_IN_PROCESS, "thử lại"));
    d.set_version(1);
    std::printf("  %s with expected_version 1:\n", d.code().c_str());
    PrintError(move(d, v1::DOSSIER_STATUS_FINISHED, "thử lại"));
  }

  std::printf("\n== Refused: bad input changes nothing and names every bad field ==\n");
  {
    v1::SubmitDossierRequest request;
    *request.mutable_dossier() = MakeSampleDossier(base + 999, now);
    request.mutable_dossier()->set_code("000.00.00.H49-991399-12");
    request.mutable_dossier()->mutable_applicant()->set_id_number("003123456789");
    request.mutable_dossier()->set_procedure_code("2002481");
    v1::SubmitDossierResponse response;
    PrintError(one_stop->SubmitDossier(Deadline().get(), request, &response));
  }

  std::printf("\n== One-stop verifies a diploma during a \"copy of diploma\" procedure ==\n");
  {
    const v1::Diploma& diploma = upsert.records(upsert.records_size() - 1).diploma();
    v1::VerifyDiplomaRequest request;
    request.set_serial_number(diploma.serial_number());
    *request.mutable_holder() = diploma.holder();
    v1::VerifyDiplomaResponse response;
    if (Check(one_stop_records->VerifyDiploma(Deadline().get(), request, &response), "Verify")) {
      std::printf("  serial %s as presented: %s\n", diploma.serial_number().c_str(),
                  v1::VerifyDiplomaResponse::Verdict_Name(response.verdict()).c_str());
    }
    request.mutable_holder()->set_date_of_birth("2001-01-01");
    response.Clear();
    if (Check(one_stop_records->VerifyDiploma(Deadline().get(), request, &response), "Verify")) {
      std::printf("  with a wrong date of birth: %s (fields:",
                  v1::VerifyDiplomaResponse::Verdict_Name(response.verdict()).c_str());
      for (const auto& f : response.mismatched_fields()) std::printf(" %s", f.c_str());
      std::printf(")\n");
    }
  }

  std::printf("\n== KPI report for today (GetDossierStats) ==\n");
  {
    v1::GetDossierStatsRequest request;
    const absl::TimeZone vn = absl::FixedTimeZone(7 * 3600);
    const absl::Time day_start = absl::FromCivil(absl::ToCivilDay(now, vn), vn);
    request.mutable_from()->set_seconds(absl::ToUnixSeconds(day_start - absl::Hours(24 * 7)));
    request.mutable_to()->set_seconds(absl::ToUnixSeconds(day_start + absl::Hours(24)));
    v1::GetDossierStatsResponse stats;
    if (Check(one_stop->GetDossierStats(Deadline().get(), request, &stats), "GetDossierStats")) {
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
    } else {
      ++failures;
    }
  }
  std::printf("\ndemo finished: %d unexpected failures\n", failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace lienthong::demo

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return lienthong::demo::Run();
}
