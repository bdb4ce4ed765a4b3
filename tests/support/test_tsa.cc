// TestTsa over cpp-httplib and OpenSSL's TS_RESP_CTX.
#include "tests/support/test_tsa.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "services/common/files.h"

namespace lienthong::test {
namespace {

constexpr char kPolicy[] = "1.3.6.1.4.1.58920.15.1";

template <typename T, typename F>
std::unique_ptr<T, F> Own(T* p, F free) {
  return std::unique_ptr<T, F>(p, free);
}

absl::StatusOr<security::KeyAndCert> IssueTsa(const security::KeyAndCert& ca,
                                              const std::string& name) {
  security::LeafSpec spec;
  spec.subject.common_name = name;
  spec.subject.organization = "lienthong tests";
  spec.usage = security::CertificateUsage::kTimeStamping;
  return security::IssueCertificate(ca, spec);
}

ASN1_INTEGER* NextSerial(TS_RESP_CTX*, void* data) {
  auto* serial = static_cast<long*>(data);
  ASN1_INTEGER* out = ASN1_INTEGER_new();
  ASN1_INTEGER_set(out, *serial);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TestTsa>> TestTsa::Create(const std::string& dir) {
  std::unique_ptr<TestTsa> tsa(new TestTsa());
  security::CaSpec ca_spec;
  ca_spec.subject.common_name = "lienthong test TSA CA";
  auto ca = security::CreateCertificateAuthority(ca_spec);
  if (!ca.ok()) return ca.status();
  tsa->ca_ = *ca;
  auto leaf = IssueTsa(tsa->ca_, "lienthong test TSA");
  if (!leaf.ok()) return leaf.status();
  tsa->tsa_ = *leaf;
  ca_spec.subject.common_name = "another TSA CA";
  auto other_ca = security::CreateCertificateAuthority(ca_spec);
  if (!other_ca.ok()) return other_ca.status();
  auto foreign = IssueTsa(*other_ca, "lienthong test TSA");  // the same name, another CA
  if (!foreign.ok()) return foreign.status();
  tsa->foreign_tsa_ = *foreign;
  tsa->ca_file_ = absl::StrCat(dir, "/tsa-ca.crt");
  if (auto written = WritePrivateFile(tsa->ca_file_, tsa->ca_.cert_pem, 0644); !written.ok()) {
    return written;
  }
  if (auto written = WritePrivateFile(absl::StrCat(dir, "/tsa.crt"), tsa->tsa_.cert_pem, 0644);
      !written.ok()) {
    return written;
  }
  if (auto written = WritePrivateFile(absl::StrCat(dir, "/tsa.key"), tsa->tsa_.key_pem, 0600);
      !written.ok()) {
    return written;
  }
  return tsa;
}

TestTsa::~TestTsa() { Stop(); }

absl::Status TestTsa::Start(int port) {
  Stop();
  server_ = std::make_unique<httplib::Server>();
  server_->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Content-Type") != "application/timestamp-query") {
      res.status = 415;
      return;
    }
    const std::string answer = Answer(req.body);
    if (answer.empty()) {
      res.status = 500;
      return;
    }
    res.status = 200;
    res.set_content(answer, "application/timestamp-reply");
  });
  if (port == 0) port = port_;
  if (port == 0) {
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ < 0) return absl::UnavailableError("test TSA: cannot bind 127.0.0.1");
  } else if (!server_->bind_to_port("127.0.0.1", port)) {
    return absl::UnavailableError(absl::StrCat("test TSA: cannot bind port ", port));
  } else {
    port_ = port;
  }
  thread_ = std::thread([server = server_.get()] { server->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return absl::OkStatus();
}

void TestTsa::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

std::string TestTsa::url() const { return absl::StrCat("http://127.0.0.1:", port_, "/tsa"); }

void TestTsa::SetMode(Mode mode) {
  absl::MutexLock lock(&mu_);
  mode_ = mode;
}

int TestTsa::answered() {
  absl::MutexLock lock(&mu_);
  return answered_;
}

std::string TestTsa::Answer(const std::string& query) {
  absl::MutexLock lock(&mu_);
  const security::KeyAndCert& signer = mode_ == Mode::kForeignSigner ? foreign_tsa_ : tsa_;
  auto cert_bio = Own(BIO_new_mem_buf(signer.cert_pem.data(), static_cast<int>(signer.cert_pem.size())),
                      BIO_free);
  auto cert = Own(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), X509_free);
  auto key_bio = Own(BIO_new_mem_buf(signer.key_pem.data(), static_cast<int>(signer.key_pem.size())),
                     BIO_free);
  auto key = Own(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  auto policy = Own(OBJ_txt2obj(kPolicy, 1), ASN1_OBJECT_free);
  auto ctx = Own(TS_RESP_CTX_new(), TS_RESP_CTX_free);
  if (!cert || !key || !policy || !ctx || !TS_RESP_CTX_set_signer_cert(ctx.get(), cert.get()) ||
      !TS_RESP_CTX_set_signer_key(ctx.get(), key.get()) ||
      !TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256()) ||
      !TS_RESP_CTX_set_def_policy(ctx.get(), policy.get()) ||
      !TS_RESP_CTX_add_md(ctx.get(), EVP_sha256())) {
    ERR_clear_error();
    return "";
  }
  ++serial_;
  TS_RESP_CTX_set_serial_cb(ctx.get(), &NextSerial, &serial_);
  auto in = Own(BIO_new_mem_buf(query.data(), static_cast<int>(query.size())), BIO_free);
  auto reply = Own(TS_RESP_create_response(ctx.get(), in.get()), TS_RESP_free);
  if (!reply) {
    ERR_clear_error();
    return "";
  }
  unsigned char* der = nullptr;
  const int length = i2d_TS_RESP(reply.get(), &der);
  if (length <= 0) return "";
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  if (mode_ == Mode::kTampered) {
    // The serial number inside the signed TSTInfo (the first thing the SignedData holds after
    // its algorithms): its last byte changed, so the signature no longer covers the content.
    const std::string serial_der = {'\x02', '\x02', static_cast<char>((serial_ >> 8) & 0xff),
                                    static_cast<char>(serial_ & 0xff)};
    const size_t at = out.find(serial_der);
    if (at == std::string::npos) return "";
    out[at + 3] = static_cast<char>(out[at + 3] ^ 0x01);
  }
  ++answered_;
  return out;
}

}  // namespace lienthong::test
