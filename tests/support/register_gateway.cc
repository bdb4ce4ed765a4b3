// Gateway settings and startup for the register tests.
#include "tests/support/register_gateway.h"

#include <utility>

#include "absl/time/civil_time.h"
#include "services/common/rpc_status.h"
#include "services/common/status_macros.h"
#include "tests/support/test_gateway.h"

namespace lienthong::test {
namespace {

struct YearDays {
  const char* year;
  std::vector<std::string> holidays;
  std::vector<std::string> extra_working_days;
};

// config/lienthong.dev.yaml, calendar.years.
const YearDays kDevCalendar[] = {
    {"2025",
     {"2025-01-01", "2025-01-25", "2025-01-26", "2025-01-27", "2025-01-28", "2025-01-29",
      "2025-01-30", "2025-01-31", "2025-02-01", "2025-02-02", "2025-04-07", "2025-04-30",
      "2025-05-01", "2025-05-02", "2025-09-01", "2025-09-02"},
     {"2025-04-26"}},
    {"2026",
     {"2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-02-14", "2026-02-15",
      "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21",
      "2026-02-22", "2026-04-27", "2026-04-30", "2026-05-01", "2026-08-29", "2026-08-30",
      "2026-08-31", "2026-09-01", "2026-09-02"},
     {"2026-01-10", "2026-08-22"}},
    {"2027",
     {"2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09",
      "2027-02-10", "2027-02-11", "2027-04-16", "2027-04-30", "2027-05-01", "2027-05-03",
      "2027-09-02", "2027-09-03"},
     {}},
};

// The test catalog: config/lienthong.dev.yaml's procedures and the commune-level ones the
// demo's one-stop system also sends (docs/domain.md).
const std::pair<const char*, int> kDevProcedures[] = {
    {"3.000181", 10}, {"3.000182", 10}, {"2.002492", 5},
    {"2.002493", 5},  {"2.002481", 3},  {"1.008725", 20},
};

config::v1::Grant* AddGroup(config::v1::AccessPolicy* policy, const std::string& name,
                            std::vector<std::string> methods, std::vector<std::string> write,
                            std::vector<std::string> read, std::vector<std::string> subscribe) {
  config::v1::Grant& grant = (*policy->mutable_groups())[name];
  for (auto& m : methods) grant.add_methods(std::move(m));
  for (auto& t : write) grant.add_write_record_types(std::move(t));
  for (auto& t : read) grant.add_read_record_types(std::move(t));
  for (auto& t : subscribe) grant.add_subscribe_record_types(std::move(t));
  grant.add_agencies("*");
  return &grant;
}

void AddMember(config::v1::AccessPolicy* policy, const char* agency, const char* group) {
  auto* member = policy->add_members();
  member->set_agency_code(agency);
  member->add_groups(group);
}

}  // namespace

void AddRegisterSettings(config::v1::GatewayConfig* config) {
  for (const YearDays& year : kDevCalendar) {
    auto& days = (*config->mutable_calendar()->mutable_years())[year.year];
    for (const auto& day : year.holidays) days.add_holidays(day);
    for (const auto& day : year.extra_working_days) days.add_extra_working_days(day);
  }
  // config/lienthong.dev.yaml, diploma_register_keepers.
  auto* keeper = config->add_diploma_register_keepers();
  keeper->set_former_issuer_code("000.31.27.H49");
  keeper->set_keeper_code("000.00.31.H49");
  for (const auto& [code, processing_days] : kDevProcedures) {
    auto* procedure = config->add_procedures();
    procedure->set_code(code);
    procedure->set_processing_days(processing_days);
  }
  // The groups of config/lienthong.dev.yaml, in place of whatever policy `config` had.
  config->clear_access_policy();
  auto* policy = config->mutable_access_policy();
  AddGroup(policy, "one_stop",
           {"lienthong.v1.DossierService/*", "lienthong.v1.EducationRecordService/GetRecord",
            "lienthong.v1.EducationRecordService/VerifyDiploma", "grpc.health.v1.Health/*"},
           {"dossier"}, {"dossier", "diploma", "school"}, {});
  AddGroup(policy, "education_consumer",
           {"lienthong.v1.ChangeFeedService/*", "lienthong.v1.EducationRecordService/*",
            "grpc.health.v1.Health/*"},
           {"school", "student", "diploma"}, {"school", "student", "diploma"},
           {"school", "student", "diploma", "dossier"});
  AddGroup(policy, "admin", {"*"}, {}, {"*"}, {"*"});
  AddMember(policy, kOneStopMember, "one_stop");
  AddMember(policy, kEducationMember, "education_consumer");
  AddMember(policy, kAdminMember, "admin");
}

absl::StatusOr<std::unique_ptr<RegisterGateway>> RegisterGateway::Start(const std::string& dir,
                                                                         StoreEngine engine) {
  std::unique_ptr<RegisterGateway> gateway(new RegisterGateway());
  ASSIGN_OR_RETURN(auto pki, TestPki::Create(dir + "/pki"));
  gateway->pki_ = std::make_unique<TestPki>(std::move(pki));
  for (const char* member : {kOneStopMember, kEducationMember, kAdminMember, kUnlistedMember}) {
    ASSIGN_OR_RETURN(auto issued, gateway->pki_->IssueMember(member));
    gateway->members_.push_back(std::move(issued));
  }
  config::v1::GatewayConfig config = MinimalGatewayConfig(*gateway->pki_, dir);
  config.mutable_logging()->set_access_log(false);
  if (engine == StoreEngine::kPostgres) {
    ASSIGN_OR_RETURN(gateway->store_harness_, StoreHarness::Make(StoreEngine::kPostgres));
    config.mutable_store()->set_kind(config::v1::STORE_KIND_POSTGRES);
    config.mutable_store()->clear_sqlite_file();
    config.mutable_store()->mutable_postgres()->set_conninfo(gateway->store_harness_->conninfo());
  }
  AddRegisterSettings(&config);
  ASSIGN_OR_RETURN(gateway->app_, StartTestGateway(config));
  return gateway;
}

std::shared_ptr<grpc::Channel> RegisterGateway::Channel(const std::string& member) const {
  for (const auto& issued : members_) {
    if (issued.agency_code == member) return MakeClientChannel(app_->port(), issued.pem);
  }
  return nullptr;
}

std::vector<std::string> ViolatedFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::BadRequest bad_request;
  if (!GetBadRequest(FromGrpcStatus(status), &bad_request)) return fields;
  for (const auto& violation : bad_request.field_violations()) fields.push_back(violation.field());
  return fields;
}

absl::Time VietnamTime(int year, int month, int day, int hour, int minute) {
  return absl::FromCivil(absl::CivilMinute(year, month, day, hour, minute),
                         absl::FixedTimeZone(7 * 3600));
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  const int64_t micros = absl::ToUnixMicros(time);
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(micros / 1000000);
  timestamp.set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  return timestamp;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

}  // namespace lienthong::test
