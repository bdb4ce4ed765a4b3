// Security test fixtures: grants, server-certificate recording clients, certificates, metrics.
#include "tests/integration/security/security_fixture.h"

#include <stdio.h>

#include <cerrno>
#include <utility>

#include <sqlite3.h>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "grpc/grpc.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "gtest/gtest.h"
#include "services/common/files.h"
#include "services/common/status_macros.h"
#include "services/security/tls_material.h"
#include "lienthong/v1/admin_service.grpc.pb.h"
#include "tests/support/loopback.h"
#include "tests/support/test_gateway.h"

namespace lienthong::test {
namespace {

// Accepts what gRPC's chain verification accepted, noting the server certificate's serial.
class RecordingVerifier : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit RecordingVerifier(ServerCertificateRecorder* recorder) : recorder_(recorder) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)>, grpc::Status* sync_status) override {
    const grpc::string_ref pem = request->peer_cert();
    recorder_->Record(SerialOf(std::string(pem.data(), pem.size())));
    *sync_status = grpc::Status::OK;
    return true;
  }
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  ServerCertificateRecorder* recorder_;
};

}  // namespace

config::v1::Grant FullGrant() {
  config::v1::Grant grant;
  grant.add_methods("*");
  grant.add_write_record_types("*");
  grant.add_read_record_types("*");
  grant.add_subscribe_record_types("*");
  grant.add_agencies("*");
  return grant;
}

config::v1::Grant MethodsGrant(const std::vector<std::string>& methods) {
  config::v1::Grant grant;
  for (const std::string& method : methods) grant.add_methods(method);
  return grant;
}

void AddMember(config::v1::GatewayConfig* config, const std::string& agency_code,
               const config::v1::Grant& grant, const std::vector<std::string>& groups) {
  config::v1::Member* member = config->mutable_access_policy()->add_members();
  member->set_agency_code(agency_code);
  member->set_display_name("test member");
  *member->mutable_grant() = grant;
  for (const std::string& group : groups) member->add_groups(group);
}

void SetWatchInterval(config::v1::GatewayConfig* config, absl::Duration interval) {
  auto* watch = config->mutable_listener()->mutable_tls()->mutable_watch_interval();
  const int64_t nanos = absl::ToInt64Nanoseconds(interval);
  watch->set_seconds(nanos / 1000000000);
  watch->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

std::shared_ptr<grpc::Channel> ServerCertificateRecorder::Channel(
    int port, const security::ClientTlsPem& client) {
  auto provider = std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
      client.ca_pem,
      std::vector<grpc::experimental::IdentityKeyCertPair>{{client.key_pem, client.cert_pem}});
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  options.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<RecordingVerifier>(this));
  grpc::ChannelArguments args = PrivateConnectionArgs();
  return grpc::CreateCustomChannel(LoopbackTarget(port),
                                   grpc::experimental::TlsCredentials(options), args);
}

void ServerCertificateRecorder::Record(const std::string& serial) {
  absl::MutexLock lock(&mu_);
  serials_.push_back(serial);
}

std::string ServerCertificateRecorder::last_serial() const {
  absl::MutexLock lock(&mu_);
  return serials_.empty() ? std::string() : serials_.back();
}

std::vector<std::string> ServerCertificateRecorder::serials() const {
  absl::MutexLock lock(&mu_);
  return serials_;
}

std::string SerialOf(const std::string& cert_pem) {
  auto infos = security::InspectCertificates(cert_pem);
  return infos.ok() && !infos->empty() ? infos->front().serial_hex : std::string();
}

absl::StatusOr<security::KeyAndCert> IssueGatewayCertificate(const security::KeyAndCert& ca,
                                                             absl::Time not_before,
                                                             absl::Time not_after) {
  security::LeafSpec spec;
  spec.subject.common_name = "lienthong-gateway";
  spec.subject.organization = "lienthong tests";
  spec.dns_sans = {"localhost"};
  spec.ip_sans = {"127.0.0.1", "::1"};
  spec.not_before = not_before;
  spec.not_after = not_after;
  spec.usage = security::CertificateUsage::kServerAndClient;
  return security::IssueCertificate(ca, spec);
}

absl::Status ReplaceKeyAndCert(const std::string& key_file, const std::string& cert_file,
                               const security::KeyAndCert& pair) {
  // Both new files are written (and synced) first, then renamed one right after the other, so
  // the key and the certificate disagree for microseconds, not for two fsyncs: a poll that lands
  // in a longer gap on a slow disk would refuse the mismatched pair and count a failure.
  const std::string key_next = key_file + ".new";
  const std::string cert_next = cert_file + ".new";
  RETURN_IF_ERROR(security::WritePrivateFile(key_next, pair.key_pem, security::kPrivateKeyMode));
  RETURN_IF_ERROR(
      security::WritePrivateFile(cert_next, pair.cert_pem, security::kCertificateMode));
  for (const auto& [from, to] : {std::pair(key_next, key_file), std::pair(cert_next, cert_file)}) {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot rename ", from, " to ", to));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<double> MetricValue(int port, const std::string& name_and_labels_prefix) {
  ASSIGN_OR_RETURN(HttpResponse response, HttpGet(port, "/metrics"));
  for (absl::string_view line : absl::StrSplit(response.body, '\n')) {
    if (!absl::StartsWith(line, name_and_labels_prefix)) continue;
    const size_t space = line.rfind(' ');
    double value = 0;
    if (space != absl::string_view::npos && absl::SimpleAtod(line.substr(space + 1), &value)) {
      return value;
    }
  }
  return absl::NotFoundError(name_and_labels_prefix);
}

void AdminGatewayTest::SetUp() {
  auto pki = TestPki::Create(dir_.Path("pki"));
  ASSERT_TRUE(pki.ok()) << pki.status();
  pki_ = std::make_unique<TestPki>(std::move(*pki));
  auto admin = pki_->IssueMember(kAdminMember);
  ASSERT_TRUE(admin.ok()) << admin.status();
  admin_ = std::move(*admin);
  config_ = MinimalGatewayConfig(*pki_, dir_.path());
  config_.clear_access_policy();  // each test writes the policy it needs
  AddMember(&config_, kAdminMember, FullGrant());
}

void AdminGatewayTest::Start() {
  auto app = StartTestGateway(config_);
  ASSERT_TRUE(app.ok()) << app.status();
  app_ = std::move(*app);
}

void AdminGatewayTest::Stop() {
  if (app_ == nullptr) return;
  app_->Shutdown(absl::Seconds(1));
  app_.reset();
}

void AdminGatewayTest::MakeCalls(int count) {
  auto stub = v1::AdminService::NewStub(MakeClientChannel(app_->port(), admin_.pem));
  for (int i = 0; i < count; ++i) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::GetStatusResponse response;
    const grpc::Status status = stub->GetStatus(&context, v1::GetStatusRequest(), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
}

void TamperWith(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(handle);
  ASSERT_EQ(rc, SQLITE_OK) << message << "\n" << sql;
}

void EditArchive(const std::string& dir, const std::string& name,
                 const std::function<void(std::vector<std::string>&)>& edit) {
  const std::string path = absl::StrCat(dir, "/", name);
  auto text = ReadFileToString(path);
  ASSERT_TRUE(text.ok()) << text.status();
  std::vector<std::string> lines = absl::StrSplit(*text, '\n', absl::SkipEmpty());
  edit(lines);
  ASSERT_TRUE(WritePrivateFile(path, absl::StrCat(absl::StrJoin(lines, "\n"), "\n"), 0640).ok());
}

std::string SqlBlob(const std::string& bytes) {
  return absl::StrCat("X'", absl::BytesToHexString(bytes), "'");
}

}  // namespace lienthong::test
