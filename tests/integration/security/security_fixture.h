// Shared pieces of the security integration tests: access-policy grants, a client that records
// the serial of every server certificate it is shown, gateway certificates, metric values, a
// gateway with an admin member, SQL on a stopped gateway's database.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "lienthong/config/v1/config.pb.h"
#include "gtest/gtest.h"
#include "services/security/client_credentials.h"
#include "services/security/pki.h"
#include "services/server/gateway_app.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace lienthong::test {

// A grant of every method, every record type (write, read, subscribe) and every agency.
config::v1::Grant FullGrant();
// A grant of the listed methods only ("pkg.Service/Method", "pkg.Service/*", "*").
config::v1::Grant MethodsGrant(const std::vector<std::string>& methods);

// Adds a member with `grant` (and `groups`) to the config's access policy.
void AddMember(config::v1::GatewayConfig* config, const std::string& agency_code,
               const config::v1::Grant& grant, const std::vector<std::string>& groups = {});

// Sets listener.tls.watch_interval, which paces TLS and config-file polling.
void SetWatchInterval(config::v1::GatewayConfig* config, absl::Duration interval);

// The serial (upper-case hex) of the server certificate of each TLS handshake made by the
// channels it creates: a client-side view of which material the gateway serves.
class ServerCertificateRecorder {
 public:
  // A mutual-TLS channel to 127.0.0.1:`port` with its own connection, presenting `client`,
  // verifying the server against client.ca_pem; every handshake's server serial is recorded.
  std::shared_ptr<grpc::Channel> Channel(int port, const security::ClientTlsPem& client);

  // The serial of the most recent handshake; empty before the first.
  std::string last_serial() const;
  // Every serial seen, in order.
  std::vector<std::string> serials() const;
  void Record(const std::string& serial);

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> serials_ ABSL_GUARDED_BY(mu_);
};

// The serial (upper-case hex, as CertificateInfo shows it) of a PEM certificate.
std::string SerialOf(const std::string& cert_pem);

// A gateway server certificate (localhost, 127.0.0.1) from `ca`, valid over the interval.
absl::StatusOr<security::KeyAndCert> IssueGatewayCertificate(
    const security::KeyAndCert& ca, absl::Time not_before = absl::Now() - absl::Minutes(5),
    absl::Time not_after = absl::Now() + absl::Hours(24 * 30));

// Replaces the key and certificate files as docs/security.md tells admins to: both new files
// written beside the old ones, then renamed into place, key first.
absl::Status ReplaceKeyAndCert(const std::string& key_file, const std::string& cert_file,
                               const security::KeyAndCert& pair);

// The value of the Prometheus sample whose line starts with `name_and_labels_prefix` in the
// metrics text of the admin endpoint at `port`; NOT_FOUND when absent.
absl::StatusOr<double> MetricValue(int port, const std::string& name_and_labels_prefix);

// A gateway in this process (port 0, SQLite in a temporary folder) with a PKI of its own and one
// member, the admin, granted everything; a test changes config_ before Start.
class AdminGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override { Stop(); }
  void Start();
  void Stop();
  // `count` GetStatus calls of the admin, each an exchange-log entry; each must succeed.
  void MakeCalls(int count);

  TempDir dir_;
  std::unique_ptr<TestPki> pki_;
  TestMember admin_;
  config::v1::GatewayConfig config_;
  std::unique_ptr<server::GatewayApp> app_;
};

// Runs `sql` on the SQLite database file `db` with SQLite itself, as someone with write access
// to the file would (the gateway stopped); a failure fails the test.
void TamperWith(const std::string& db, const std::string& sql);
// Rewrites the exchange-log archive `name` in `dir` through `edit` of its lines.
void EditArchive(const std::string& dir, const std::string& name,
                 const std::function<void(std::vector<std::string>&)>& edit);
// `bytes` as an SQLite blob literal, X'..'.
std::string SqlBlob(const std::string& bytes);

}  // namespace lienthong::test
