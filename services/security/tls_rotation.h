// Certificate rotation without restart (docs/architecture.md, guarantee 8), for the gateway's listener
// and for outbound channels (the grpc adapter): a candidate is validated first and only then
// served to new handshakes; a bad one is refused and the material in force keeps serving.
//
// How. gRPC's FileWatcherCertificateProvider re-reads files every second but checks nothing (a
// mismatched key would make every new handshake fail). So it never watches the admin's files:
// it watches a private "active" folder that only this process writes, and only with material
// that passed LoadTlsCandidate. The admin's files (the config paths) are polled here; a changed
// and valid candidate is published into the active folder by atomic renames; a bad one is
// refused with a log line and an observer call (metrics), and the active files stay as they are.
//
// The key/cert race. The provider reads the private key and the certificate chain as two
// files, one after the other, so two renames could let it pair a new key with an old
// certificate. The active identity is therefore ONE file holding the key and the chain (OpenSSL's
// PEM readers skip blocks of other types), given to the provider as both paths, and each
// published version gets a modification time at least one second after the previous one: the
// provider compares the file's mtime (whole seconds) before and after its two reads and reads
// again when it changed, so both reads of one refresh come from the same version.
//
// Typical use (the listener, see server_credentials.h; an adapter channel the same way):
//   ASSIGN_OR_RETURN(auto tls, RotatingTlsMaterial::Create(sources, options));
//   auto creds = RotatingChannelCredentials(*tls);   // or MakeServerCredentials(*tls, ...)
//   ... tls->Reload(new_sources) on a config reload; polling runs on its own thread.
// The RotatingTlsMaterial must outlive every server or channel using its provider.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "services/security/revocation.h"
#include "services/security/tls_material.h"

namespace lienthong::security {

// The files an admin names in the config.
struct TlsSources {
  std::string key_file;   // PEM private key, unencrypted
  std::string cert_file;  // PEM chain, leaf first
  std::string ca_file;    // PEM CA bundle: verifies the peers (and our own chain, see below)
  std::string crl_dir;    // optional folder of CRLs (revocation.h); empty: no revocation checks

  bool operator==(const TlsSources& other) const {
    return key_file == other.key_file && cert_file == other.cert_file &&
           ca_file == other.ca_file && crl_dir == other.crl_dir;
  }
  bool operator!=(const TlsSources& other) const { return !(*this == other); }
};

struct CandidateChecks {
  // Our own chain must verify against ca_file. True for the listener (the deployments we know
  // use one CA for both sides); an adapter whose sink trusts another CA than the one that signs
  // the sink's certificate sets it false (the key match and validity checks still apply).
  bool chain_verifies_against_ca = true;
};

// Material that passed every check, ready to serve. Immutable once made.
struct TlsCandidate {
  TlsSources sources;
  std::string key_pem;
  std::string cert_pem;
  std::string ca_pem;
  std::shared_ptr<const RevocationList> revocations;  // null without crl_dir
  CertificateInfo leaf;                               // the first certificate of cert_pem
  std::vector<std::string> warnings;                  // e.g. an expired CA next to a valid one
  // The files' identities (inode, size, mtime) just before they were read: polling compares
  // it with the files' current state to tell whether they changed since.
  std::string source_stamp;

  // Same key, chain and CA bundle (the files the provider serves).
  bool SameFiles(const TlsCandidate& other) const {
    return key_pem == other.key_pem && cert_pem == other.cert_pem && ca_pem == other.ca_pem;
  }
};

// The candidate check of guarantee 8, with every error naming the file and what is wrong:
// the files read; the CA bundle parses and holds a CA valid at `now` (ValidateCaBundle); the key
// matches the leaf, the leaf is valid at `now`, and the chain verifies against the bundle
// (ValidateKeyCertPair, or without the last step per `checks`); the CRL folder, when given,
// loads (RevocationList::LoadDirectory) and does not list our own certificate.
absl::StatusOr<TlsCandidate> LoadTlsCandidate(const TlsSources& sources, absl::Time now,
                                              const CandidateChecks& checks = {});

// Told about every rotation outcome (metrics). Called from the polling or reloading thread.
class TlsRotationObserver {
 public:
  virtual ~TlsRotationObserver() = default;
  // New material is in force (new files, or new CRLs only).
  virtual void OnRotated(absl::string_view role, const TlsCandidate& serving) = 0;
  // A candidate was refused; the material in force stays.
  virtual void OnRefused(absl::string_view role, const absl::Status& why) = 0;
};

// The material in force, shared with the handshake verifier (which reads its CRLs).
class ActiveTls {
 public:
  explicit ActiveTls(std::shared_ptr<const TlsCandidate> initial) : active_(std::move(initial)) {}
  std::shared_ptr<const TlsCandidate> Get() const {
    absl::MutexLock lock(&mu_);
    return active_;
  }
  void Set(std::shared_ptr<const TlsCandidate> candidate) {
    absl::MutexLock lock(&mu_);
    active_ = std::move(candidate);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const TlsCandidate> active_ ABSL_GUARDED_BY(mu_);
};

class RotatingTlsMaterial {
 public:
  struct Options {
    // What the material is for, in logs and metrics: "server", "adapter:<name>".
    std::string role = "server";
    CandidateChecks checks;
    // How often the admin's files are looked at; zero: no polling thread (Poll() by hand).
    absl::Duration poll_interval = absl::Seconds(5);
    // Where the private active folder is made (mode 0700, removed on destruction); empty:
    // $RUNTIME_DIRECTORY (systemd), else $TMPDIR, else /tmp.
    std::string active_dir_parent;
    TlsRotationObserver* observer = nullptr;  // not owned; may be null
  };

  // Validates `sources` (bad material is an error: nothing starts on it), publishes it into a
  // fresh active folder, and starts the provider and the polling thread.
  static absl::StatusOr<std::unique_ptr<RotatingTlsMaterial>> Create(const TlsSources& sources,
                                                                     Options options);
  // Stops polling and removes the active folder.
  ~RotatingTlsMaterial();
  RotatingTlsMaterial(const RotatingTlsMaterial&) = delete;
  RotatingTlsMaterial& operator=(const RotatingTlsMaterial&) = delete;

  // The provider serving the active folder (watch identity and roots with it).
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider() const {
    return provider_;
  }
  // The material in force and its holder (for the handshake verifier).
  std::shared_ptr<const TlsCandidate> active() const { return active_->Get(); }
  std::shared_ptr<ActiveTls> active_holder() const { return active_; }
  const std::string& role() const { return options_.role; }
  const std::string& active_dir() const { return active_dir_; }
  // The files being polled.
  TlsSources sources() const;

  // One polling step (the thread's body; public for tests). When the admin's files changed and
  // then stayed unchanged for one more step (a file copied in two writes is not validated half
  // done), they are validated and, when good and different, published. A refused candidate is
  // not tried again until the files change again.
  void Poll();
  // Validates `sources` now, publishing nothing (a config reload checks everything first).
  absl::StatusOr<TlsCandidate> Check(const TlsSources& sources) const;
  // Puts a checked candidate in force: its files are published when they differ from the
  // active ones (CRLs alone take effect at once); its sources become the files polled.
  absl::Status Apply(TlsCandidate candidate);
  // Check, then Apply; a refusal is logged and reported to the observer.
  absl::Status Reload(const TlsSources& sources);

 private:
  RotatingTlsMaterial(Options options, std::string active_dir);
  absl::Status ApplyLocked(TlsCandidate candidate) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Publish(const TlsCandidate& candidate) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteActiveFile(const std::string& name, absl::string_view contents)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Refused(const absl::Status& why) const;
  void PollLoop();

  const Options options_;
  const std::string active_dir_;
  std::shared_ptr<ActiveTls> active_;
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider_;

  mutable absl::Mutex mu_;  // serializes polling and reloads
  TlsSources sources_ ABSL_GUARDED_BY(mu_);
  std::string seen_stamp_ ABSL_GUARDED_BY(mu_);       // files as last seen by Poll
  std::string validated_stamp_ ABSL_GUARDED_BY(mu_);  // files as last validated
  // Per active file, the mtime (s) of the last version published (see the key/cert race).
  std::map<std::string, int64_t> last_mtime_s_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread poller_;
};

// The active folder's file names: key and chain in one file, and the CA bundle.
inline constexpr char kActiveIdentityFile[] = "identity.pem";
inline constexpr char kActiveCaFile[] = "ca.pem";

// Outbound mutual-TLS channel credentials presenting `material`'s identity and verifying the
// server against its CA bundle and the target host name (or the name set with
// ChannelArguments::SetSslTargetNameOverride). They follow every rotation of `material`.
std::shared_ptr<grpc::ChannelCredentials> RotatingChannelCredentials(
    const RotatingTlsMaterial& material);

// Whole days from `now` until `not_after`, rounded down (negative once expired).
int64_t DaysLeft(absl::Time not_after, absl::Time now);

}  // namespace lienthong::security
