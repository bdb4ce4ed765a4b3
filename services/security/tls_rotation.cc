// Rotating TLS material: candidate checks, the private active folder, polling, publishing.
#include "services/security/tls_rotation.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace lienthong::security {
namespace {

absl::Status Prefixed(const absl::Status& status, absl::string_view prefix) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(prefix, ": ", status.message()));
}

// "<path>|<inode>|<size>|<mtime ns>;" or "<path>|missing;".
std::string FileStamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return absl::StrCat(path, "|missing;");
  return absl::StrCat(path, "|", st.st_ino, "|", st.st_size, "|", st.st_mtim.tv_sec, ".",
                      st.st_mtim.tv_nsec, ";");
}

std::string SourcesStamp(const TlsSources& sources) {
  std::string stamp = absl::StrCat(FileStamp(sources.key_file), FileStamp(sources.cert_file),
                                   FileStamp(sources.ca_file));
  if (sources.crl_dir.empty()) return stamp;
  absl::StrAppend(&stamp, FileStamp(sources.crl_dir));
  std::vector<std::string> entries;
  std::error_code error;
  for (std::filesystem::directory_iterator it(sources.crl_dir, error), end; !error && it != end;
       it.increment(error)) {
    entries.push_back(it->path().string());
  }
  std::sort(entries.begin(), entries.end());
  for (const std::string& entry : entries) absl::StrAppend(&stamp, FileStamp(entry));
  return stamp;
}

// The key matches the leaf and the leaf is valid at `now`, without a chain check.
absl::Status ValidateKeyAndLeaf(absl::string_view key_pem, absl::string_view cert_pem,
                                absl::Time now) {
  ASSIGN_OR_RETURN(EvpPkeyPtr key, ParsePrivateKey(key_pem));
  ASSIGN_OR_RETURN(std::vector<X509Ptr> chain, ParseCertificates(cert_pem, "certificate chain PEM"));
  OpenSslErrorScope scope;
  const X509& leaf = *chain.front();
  const EVP_PKEY* leaf_key = X509_get0_pubkey(&leaf);
  if (leaf_key == nullptr || EVP_PKEY_eq(key.get(), leaf_key) != 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("private key does not match certificate (subject ", SubjectOf(leaf), ")"));
  }
  ASSIGN_OR_RETURN(const absl::Time not_before, CertificateNotBefore(leaf));
  ASSIGN_OR_RETURN(const absl::Time not_after, CertificateNotAfter(leaf));
  if (now < not_before) {
    return absl::FailedPreconditionError(absl::StrCat(
        "certificate not yet valid: valid from ", FormatUtc(not_before), " (now ", FormatUtc(now),
        ", subject ", SubjectOf(leaf), ")"));
  }
  if (now > not_after) {
    return absl::FailedPreconditionError(absl::StrCat("certificate expired at ",
                                                      FormatUtc(not_after), " (now ",
                                                      FormatUtc(now), ", subject ",
                                                      SubjectOf(leaf), ")"));
  }
  return absl::OkStatus();
}

std::string DefaultActiveParent() {
  for (const char* name : {"RUNTIME_DIRECTORY", "TMPDIR"}) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') continue;
    // systemd may list several folders separated by ':'; the first is ours.
    std::string dir(value);
    return dir.substr(0, dir.find(':'));
  }
  return "/tmp";
}

bool SameRevocations(const TlsCandidate& a, const TlsCandidate& b) {
  if (a.revocations == nullptr || b.revocations == nullptr) {
    return a.revocations == b.revocations;
  }
  return a.revocations->SameRevocations(*b.revocations);
}

}  // namespace

int64_t DaysLeft(absl::Time not_after, absl::Time now) {
  return static_cast<int64_t>(std::floor(absl::FDivDuration(not_after - now, absl::Hours(24))));
}

absl::StatusOr<TlsCandidate> LoadTlsCandidate(const TlsSources& sources, absl::Time now,
                                              const CandidateChecks& checks) {
  TlsCandidate candidate;
  candidate.sources = sources;
  candidate.source_stamp = SourcesStamp(sources);
  ASSIGN_OR_RETURN(candidate.key_pem, ReadFileToString(sources.key_file));
  ASSIGN_OR_RETURN(candidate.cert_pem, ReadFileToString(sources.cert_file));
  ASSIGN_OR_RETURN(candidate.ca_pem, ReadFileToString(sources.ca_file));

  RETURN_IF_ERROR(Prefixed(ValidateCaBundle(candidate.ca_pem, now, &candidate.warnings),
                           sources.ca_file));
  const std::string pair_files = absl::StrCat(sources.cert_file, " / ", sources.key_file);
  if (checks.chain_verifies_against_ca) {
    RETURN_IF_ERROR(Prefixed(
        ValidateKeyCertPair(candidate.key_pem, candidate.cert_pem, candidate.ca_pem, now),
        pair_files));
  } else {
    RETURN_IF_ERROR(
        Prefixed(ValidateKeyAndLeaf(candidate.key_pem, candidate.cert_pem, now), pair_files));
  }
  ASSIGN_OR_RETURN(std::vector<X509Ptr> chain,
                   ParseCertificates(candidate.cert_pem, "certificate chain PEM"));
  ASSIGN_OR_RETURN(candidate.leaf, InspectCertificate(*chain.front()));

  if (!sources.crl_dir.empty()) {
    ASSIGN_OR_RETURN(candidate.revocations,
                     RevocationList::LoadDirectory(sources.crl_dir, candidate.ca_pem, now,
                                                   &candidate.warnings));
    if (candidate.revocations->IsRevoked(*chain.front())) {
      return absl::FailedPreconditionError(
          absl::StrCat(sources.cert_file, ": certificate serial ", candidate.leaf.serial_hex,
                       " is revoked by a CRL of ", sources.crl_dir));
    }
  }
  return candidate;
}

RotatingTlsMaterial::RotatingTlsMaterial(Options options, std::string active_dir)
    : options_(std::move(options)), active_dir_(std::move(active_dir)) {}

absl::StatusOr<std::unique_ptr<RotatingTlsMaterial>> RotatingTlsMaterial::Create(
    const TlsSources& sources, Options options) {
  auto candidate = LoadTlsCandidate(sources, absl::Now(), options.checks);
  if (!candidate.ok()) return Prefixed(candidate.status(), absl::StrCat(options.role, " TLS"));

  const std::string parent =
      options.active_dir_parent.empty() ? DefaultActiveParent() : options.active_dir_parent;
  std::string pattern = absl::StrCat(parent, "/lienthongd-tls.XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot create the active TLS folder in ",
                                                   parent));
  }
  std::unique_ptr<RotatingTlsMaterial> material(
      new RotatingTlsMaterial(std::move(options), pattern));
  {
    absl::MutexLock lock(&material->mu_);
    material->sources_ = sources;
    material->seen_stamp_ = material->validated_stamp_ = candidate->source_stamp;
    RETURN_IF_ERROR(material->Publish(*candidate));
  }
  for (const std::string& warning : candidate->warnings) {
    LogLine(LogLevel::kWarning, "TLS material warning")
        .Str("role", material->options_.role).Str("warning", warning);
  }
  {
    LogLine line(LogLevel::kInfo, "TLS material in force");
    line.Str("role", material->options_.role).Str("subject", candidate->leaf.subject)
        .Str("serial", candidate->leaf.serial_hex)
        .Str("not_after", FormatUtc(candidate->leaf.not_after))
        .Str("cert_file", sources.cert_file).Str("active_dir", material->active_dir_);
    if (candidate->revocations != nullptr) {
      line.Str("crl_dir", sources.crl_dir).Int("crls", candidate->revocations->crl_count())
          .Int("revoked", candidate->revocations->revoked_count());
    }
  }
  material->active_ =
      std::make_shared<ActiveTls>(std::make_shared<const TlsCandidate>(std::move(*candidate)));
  const std::string identity = absl::StrCat(material->active_dir_, "/", kActiveIdentityFile);
  // The shortest refresh gRPC offers: a published version serves within a second.
  material->provider_ = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      identity, identity, absl::StrCat(material->active_dir_, "/", kActiveCaFile), 1);
  if (material->options_.poll_interval > absl::ZeroDuration()) {
    material->poller_ = std::thread([m = material.get()] { m->PollLoop(); });
  }
  return material;
}

RotatingTlsMaterial::~RotatingTlsMaterial() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (poller_.joinable()) poller_.join();
  std::error_code ignored;
  std::filesystem::remove_all(active_dir_, ignored);
}

TlsSources RotatingTlsMaterial::sources() const {
  absl::MutexLock lock(&mu_);
  return sources_;
}

void RotatingTlsMaterial::PollLoop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.poll_interval)) return;
    }
    Poll();
  }
}

void RotatingTlsMaterial::Poll() {
  absl::MutexLock lock(&mu_);
  const std::string stamp = SourcesStamp(sources_);
  if (stamp == validated_stamp_) {
    seen_stamp_ = stamp;
    return;
  }
  if (stamp != seen_stamp_) {
    seen_stamp_ = stamp;  // changed since the last look: let it settle for one step
    return;
  }
  validated_stamp_ = stamp;
  auto candidate = LoadTlsCandidate(sources_, absl::Now(), options_.checks);
  if (!candidate.ok()) {
    Refused(candidate.status());
    return;
  }
  (void)ApplyLocked(std::move(*candidate));
}

absl::StatusOr<TlsCandidate> RotatingTlsMaterial::Check(const TlsSources& sources) const {
  return LoadTlsCandidate(sources, absl::Now(), options_.checks);
}

absl::Status RotatingTlsMaterial::Apply(TlsCandidate candidate) {
  absl::MutexLock lock(&mu_);
  return ApplyLocked(std::move(candidate));
}

absl::Status RotatingTlsMaterial::Reload(const TlsSources& sources) {
  absl::MutexLock lock(&mu_);
  auto candidate = LoadTlsCandidate(sources, absl::Now(), options_.checks);
  if (!candidate.ok()) {
    Refused(candidate.status());
    if (sources == sources_) validated_stamp_ = seen_stamp_ = SourcesStamp(sources_);
    return candidate.status();
  }
  return ApplyLocked(std::move(*candidate));
}

absl::Status RotatingTlsMaterial::ApplyLocked(TlsCandidate candidate) {
  const std::shared_ptr<const TlsCandidate> current = active_->Get();
  const bool files_changed = !candidate.SameFiles(*current);
  const bool crls_changed = !SameRevocations(candidate, *current);
  const bool paths_changed = candidate.sources != sources_;
  if (files_changed) {
    absl::Status published = Publish(candidate);
    if (!published.ok()) {
      Refused(published);
      return published;
    }
  }
  sources_ = candidate.sources;
  validated_stamp_ = seen_stamp_ = candidate.source_stamp;
  if (!files_changed && !crls_changed) {
    if (paths_changed) {
      LogLine(LogLevel::kInfo, "TLS files now read from new paths (same material)")
          .Str("role", options_.role).Str("cert_file", sources_.cert_file);
    }
    return absl::OkStatus();
  }
  for (const std::string& warning : candidate.warnings) {
    LogLine(LogLevel::kWarning, "TLS material warning")
        .Str("role", options_.role).Str("warning", warning);
  }
  LogLine line(LogLevel::kInfo, files_changed ? "TLS material rotated" : "CRLs reloaded");
  line.Str("role", options_.role).Str("subject", candidate.leaf.subject)
      .Str("serial", candidate.leaf.serial_hex).Str("previous_serial", current->leaf.serial_hex)
      .Str("not_after", FormatUtc(candidate.leaf.not_after))
      .Str("cert_file", candidate.sources.cert_file);
  if (candidate.revocations != nullptr) {
    line.Int("crls", candidate.revocations->crl_count())
        .Int("revoked", candidate.revocations->revoked_count());
  }
  auto serving = std::make_shared<const TlsCandidate>(std::move(candidate));
  active_->Set(serving);
  if (options_.observer != nullptr) options_.observer->OnRotated(options_.role, *serving);
  return absl::OkStatus();
}

void RotatingTlsMaterial::Refused(const absl::Status& why) const {
  LogLine(LogLevel::kWarning, "TLS candidate refused; the material in force keeps serving")
      .Str("role", options_.role).Str("reason", why.message());
  if (options_.observer != nullptr) options_.observer->OnRefused(options_.role, why);
}

absl::Status RotatingTlsMaterial::Publish(const TlsCandidate& candidate) {
  std::string identity = candidate.key_pem;
  if (!identity.empty() && identity.back() != '\n') identity.push_back('\n');
  identity += candidate.cert_pem;
  RETURN_IF_ERROR(WriteActiveFile(kActiveCaFile, candidate.ca_pem));
  return WriteActiveFile(kActiveIdentityFile, identity);
}

absl::Status RotatingTlsMaterial::WriteActiveFile(const std::string& name,
                                                  absl::string_view contents) {
  const std::string path = absl::StrCat(active_dir_, "/", name);
  const std::string temp = absl::StrCat(active_dir_, "/.", name, ".new");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot write ", temp));
  absl::string_view rest = contents;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      return absl::ErrnoToStatus(error, absl::StrCat("cannot write ", temp));
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  // Each version of a file gets a later whole-second mtime than the last (the key/cert race).
  const int64_t now_s = absl::ToUnixSeconds(absl::Now());
  int64_t& last = last_mtime_s_[name];
  const int64_t mtime_s = std::max(now_s, last + 1);
  const struct timespec times[2] = {{static_cast<time_t>(now_s), 0},
                                    {static_cast<time_t>(mtime_s), 0}};
  const int times_rc = ::futimens(fd, times);
  const int times_errno = errno;
  const int close_rc = ::close(fd);
  if (times_rc != 0 || close_rc != 0) {
    const int error = times_rc != 0 ? times_errno : errno;
    ::unlink(temp.c_str());
    return absl::ErrnoToStatus(error, absl::StrCat("cannot finish ", temp));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    return absl::ErrnoToStatus(error, absl::StrCat("cannot publish ", path));
  }
  last = mtime_s;
  return absl::OkStatus();
}

std::shared_ptr<grpc::ChannelCredentials> RotatingChannelCredentials(
    const RotatingTlsMaterial& material) {
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(material.provider());
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace lienthong::security
