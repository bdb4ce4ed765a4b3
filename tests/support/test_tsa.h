// TestTsa: a real RFC 3161 Time-Stamp Authority for tests, an HTTP server on loopback
// (cpp-httplib) that answers TimeStampReqs with OpenSSL's TS_RESP_CTX, signing with a TSA
// certificate (extendedKeyUsage timeStamping, critical) issued by a CA of its own. It counts
// what it answered, goes down and comes back on the same port, and misbehaves on demand: a
// reply whose token was altered after signing, or one signed by a TSA of another CA.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/security/pki.h"

namespace httplib {
class Server;
}

namespace lienthong::test {

class TestTsa {
 public:
  enum class Mode {
    kGood,
    kTampered,       // one byte of the signed TSTInfo changed after signing
    kForeignSigner,  // signed by a TSA certificate of another CA
  };

  // Writes tsa-ca.crt (the CA that verifies its tokens), tsa.crt and tsa.key into `dir`.
  static absl::StatusOr<std::unique_ptr<TestTsa>> Create(const std::string& dir);
  ~TestTsa();

  // Listens on 127.0.0.1 (port 0: a free one; after Stop, the same one again).
  absl::Status Start(int port = 0);
  // Stops listening: connections are refused until Start.
  void Stop();

  std::string url() const;
  const std::string& ca_file() const { return ca_file_; }
  const security::KeyAndCert& ca() const { return ca_; }
  void SetMode(Mode mode);
  // Requests answered with a token.
  int answered();
  // The DER TimeStampResp to `query` per the mode, without HTTP; empty when it cannot be made.
  std::string Answer(const std::string& query);

 private:
  TestTsa() = default;

  std::string ca_file_;
  security::KeyAndCert ca_;
  security::KeyAndCert tsa_;
  security::KeyAndCert foreign_tsa_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  absl::Mutex mu_;
  Mode mode_ ABSL_GUARDED_BY(mu_) = Mode::kGood;
  int answered_ ABSL_GUARDED_BY(mu_) = 0;
  long serial_ ABSL_GUARDED_BY(mu_) = 0x4000;  // two DER bytes, for kTampered to find
};

}  // namespace lienthong::test
