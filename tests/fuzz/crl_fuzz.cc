// Fuzz target: a CRL file as RevocationList::LoadDirectory reads it (PEM with one or more CRLs,
// or DER), checked against a CA made at start-up. Answers: OK, INVALID_ARGUMENT (does not
// parse) or FAILED_PRECONDITION (no CA of the bundle signed it), never a crash or a leak.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "services/security/pki.h"
#include "services/security/revocation.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

struct Fixture {
  std::string dir;
  std::string file;
  lienthong::security::KeyAndCert ca;
  absl::Time now;  // the CA's validity is judged at this fixed time
};

// One CA and one folder (under $TMPDIR, /dev/shm when it exists: a write per input) per run.
const Fixture& TheFixture() {
  static const Fixture* fixture = [] {
    auto* f = new Fixture();
    const char* tmp = std::getenv("TMPDIR");
    std::string base = tmp != nullptr ? tmp : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    std::string pattern = base + "/lienthong_crl_fuzz.XXXXXX";
    LIENTHONG_FUZZ_CHECK(mkdtemp(pattern.data()) != nullptr, "a temporary folder");
    f->dir = pattern;
    f->file = f->dir + "/fuzz.crl";
    lienthong::security::CaSpec spec;
    spec.subject.common_name = "lienthong fuzz CA";
    auto ca = lienthong::security::CreateCertificateAuthority(spec);
    LIENTHONG_FUZZ_CHECK(ca.ok(), "the fuzz CA is made");
    f->ca = *std::move(ca);
    f->now = absl::Now();
    return f;
  }();
  return *fixture;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& f = TheFixture();
  const int fd = ::open(f.file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  LIENTHONG_FUZZ_CHECK(fd >= 0, "the CRL file opens");
  LIENTHONG_FUZZ_CHECK(::write(fd, data, size) == static_cast<ssize_t>(size), "the CRL is written");
  ::close(fd);
  std::vector<std::string> warnings;
  auto list = lienthong::security::RevocationList::LoadDirectory(
      f.dir, f.ca.cert_pem, f.now, &warnings);
  if (list.ok()) {
    (void)(*list)->CheckChainPem(f.ca.cert_pem);
  } else {
    const absl::StatusCode code = list.status().code();
    LIENTHONG_FUZZ_CHECK(code == absl::StatusCode::kInvalidArgument ||
                             code == absl::StatusCode::kFailedPrecondition,
                         "a refused CRL is INVALID_ARGUMENT or FAILED_PRECONDITION");
  }
  return 0;
}
