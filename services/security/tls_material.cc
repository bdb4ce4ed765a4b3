// Parsing, inspection and validation of X.509 TLS material with the OpenSSL 3.0 C API.
#include "services/security/tls_material.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>
#include <climits>
#include <ctime>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/status_macros.h"

namespace lienthong::security {
namespace {

using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<&X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<&X509_STORE_CTX_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<&GENERAL_NAMES_free>>;
using BasicConstraintsPtr =
    std::unique_ptr<BASIC_CONSTRAINTS, OpenSslDeleter<&BASIC_CONSTRAINTS_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_free>>;

// sk_X509_free is a macro in OpenSSL 3.0; the stack does not own its certificates here.
struct X509StackDeleter {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

// Frees a string that OpenSSL allocated (OPENSSL_free is a macro).
struct OpenSslStringDeleter {
  void operator()(void* p) const { OPENSSL_free(p); }
};

absl::StatusOr<BioPtr> MemoryBio(absl::string_view data, absl::string_view what) {
  if (data.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is too large"));
  }
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (bio == nullptr) {
    return absl::InternalError(absl::StrCat("cannot read ", what, ": ", DrainOpenSslErrors()));
  }
  return bio;
}

// True when the last error says only that no further PEM block was found (end of input).
bool OnlyNoStartLine() {
  const unsigned long err = ERR_peek_last_error();
  return err == 0 ||
         (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE);
}

absl::StatusOr<absl::Time> Asn1TimeToAbsl(const ASN1_TIME* t, absl::string_view field) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat("certificate ", field, " does not parse"));
  }
  return absl::FromTM(tm, absl::UTCTimeZone());
}

std::string NameToString(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || name == nullptr) return "";
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "";
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

std::string SerialHex(const X509& cert) {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(&cert), nullptr));
  if (bn == nullptr) return "";
  std::unique_ptr<char, OpenSslStringDeleter> hex(BN_bn2hex(bn.get()));
  return hex == nullptr ? std::string() : std::string(hex.get());
}

std::string Asn1StringView(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

std::string IpToString(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  const unsigned char* bytes = ASN1_STRING_get0_data(ip);
  const int len = ASN1_STRING_length(ip);
  const int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : AF_UNSPEC;
  if (family == AF_UNSPEC || inet_ntop(family, bytes, buf, sizeof(buf)) == nullptr) {
    return absl::StrCat("<", len, "-byte address>");
  }
  return buf;
}

struct SubjectAltNames {
  std::vector<std::string> dns;
  std::vector<std::string> ip;
  std::vector<std::string> uri;
};

SubjectAltNames ReadSubjectAltNames(const X509& cert) {
  SubjectAltNames out;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(&cert, NID_subject_alt_name, nullptr, nullptr)));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
    switch (gn->type) {
      case GEN_DNS:
        out.dns.push_back(Asn1StringView(gn->d.dNSName));
        break;
      case GEN_IPADD:
        out.ip.push_back(IpToString(gn->d.iPAddress));
        break;
      case GEN_URI:
        out.uri.push_back(Asn1StringView(gn->d.uniformResourceIdentifier));
        break;
      default:
        break;
    }
  }
  return out;
}

// The subject's common names, as UTF-8. FAILED_PRECONDITION for a CN with an embedded NUL.
absl::StatusOr<std::vector<std::string>> CommonNames(const X509& cert) {
  std::vector<std::string> out;
  const X509_NAME* name = X509_get_subject_name(&cert);
  for (int pos = X509_NAME_get_index_by_NID(name, NID_commonName, -1); pos >= 0;
       pos = X509_NAME_get_index_by_NID(name, NID_commonName, pos)) {
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, pos));
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, value);
    if (len < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("certificate subject common name does not decode: ", DrainOpenSslErrors()));
    }
    std::unique_ptr<unsigned char, OpenSslStringDeleter> owned(utf8);
    std::string cn(reinterpret_cast<const char*>(utf8), static_cast<size_t>(len));
    if (cn.find('\0') != std::string::npos) {
      return absl::FailedPreconditionError("certificate subject common name holds a NUL byte");
    }
    out.push_back(std::move(cn));
  }
  return out;
}

// Refuses a certificate that is not valid at `now`, naming when it was or will be.
absl::Status CheckValidAt(const X509& cert, absl::Time now) {
  ASSIGN_OR_RETURN(const absl::Time not_before, CertificateNotBefore(cert));
  ASSIGN_OR_RETURN(const absl::Time not_after, CertificateNotAfter(cert));
  if (now < not_before) {
    return absl::FailedPreconditionError(
        absl::StrCat("certificate not yet valid: valid from ", FormatUtc(not_before), " (now ",
                     FormatUtc(now), ", subject ", SubjectOf(cert), ")"));
  }
  if (now > not_after) {
    return absl::FailedPreconditionError(
        absl::StrCat("certificate expired at ", FormatUtc(not_after), " (now ", FormatUtc(now),
                     ", subject ", SubjectOf(cert), ")"));
  }
  return absl::OkStatus();
}

// Verifies chain[0] with chain[1..] as untrusted intermediates against `roots` at `now`.
absl::Status VerifyChain(const std::vector<X509Ptr>& chain, const std::vector<X509Ptr>& roots,
                         absl::Time now) {
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509StackPtr untrusted(sk_X509_new_null());
  if (store == nullptr || ctx == nullptr || untrusted == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot set up certificate verification: ", DrainOpenSslErrors()));
  }
  for (const X509Ptr& root : roots) {
    if (X509_STORE_add_cert(store.get(), root.get()) != 1) {
      return absl::InternalError(
          absl::StrCat("cannot add CA certificate to trust store: ", DrainOpenSslErrors()));
    }
  }
  for (size_t i = 1; i < chain.size(); ++i) {
    if (sk_X509_push(untrusted.get(), chain[i].get()) <= 0) {
      return absl::InternalError("cannot build the intermediate certificate list");
    }
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().get(), untrusted.get()) != 1) {
    return absl::InternalError(
        absl::StrCat("cannot set up certificate verification: ", DrainOpenSslErrors()));
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, absl::ToTimeT(now));
  if (X509_verify_cert(ctx.get()) == 1) return absl::OkStatus();
  const int err = X509_STORE_CTX_get_error(ctx.get());
  const X509* current = X509_STORE_CTX_get_current_cert(ctx.get());
  return absl::FailedPreconditionError(absl::StrCat(
      "certificate chain does not verify against CA bundle: ", X509_verify_cert_error_string(err),
      " (depth ", X509_STORE_CTX_get_error_depth(ctx.get()), ", subject ",
      current == nullptr ? std::string("unknown") : SubjectOf(*current), ")"));
}

// PEM passphrase callback: the gateway holds no passphrase; records that one was asked for.
int RefusePassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* asked) {
  *static_cast<bool*>(asked) = true;
  return -1;
}

}  // namespace

std::string DrainOpenSslErrors() {
  std::vector<std::string> reasons;
  for (unsigned long err = ERR_get_error(); err != 0; err = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(err);
    std::string text;
    if (reason != nullptr) {
      text = reason;
    } else {
      char buf[256];
      ERR_error_string_n(err, buf, sizeof(buf));
      text = buf;
    }
    if (reasons.empty() || reasons.back() != text) reasons.push_back(std::move(text));
  }
  return reasons.empty() ? std::string("unknown OpenSSL error") : absl::StrJoin(reasons, "; ");
}

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string SubjectOf(const X509& cert) { return NameToString(X509_get_subject_name(&cert)); }

absl::StatusOr<std::vector<X509Ptr>> ParseCertificates(absl::string_view pem,
                                                       absl::string_view what) {
  OpenSslErrorScope scope;
  if (pem.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  ASSIGN_OR_RETURN(BioPtr bio, MemoryBio(pem, what));
  std::vector<X509Ptr> certs;
  for (;;) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (cert == nullptr) break;
    certs.push_back(std::move(cert));
  }
  if (!OnlyNoStartLine()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " does not parse (certificate ",
                                                   certs.size() + 1, "): ", DrainOpenSslErrors()));
  }
  if (certs.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " holds no certificate"));
  }
  return certs;
}

absl::StatusOr<EvpPkeyPtr> ParsePrivateKey(absl::string_view pem) {
  OpenSslErrorScope scope;
  if (pem.empty()) return absl::InvalidArgumentError("private key PEM is empty");
  ASSIGN_OR_RETURN(BioPtr bio, MemoryBio(pem, "private key PEM"));
  bool passphrase_asked = false;
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, &RefusePassphrase, &passphrase_asked));
  if (key != nullptr) return key;
  if (passphrase_asked) {
    return absl::InvalidArgumentError(
        "private key PEM is encrypted; the gateway needs an unencrypted key (protect the file "
        "with mode 0600 instead)");
  }
  // OpenSSL 3's decoders report input without a key block in several ways; look for one.
  if (!absl::StrContains(pem, "PRIVATE KEY-----")) {
    return absl::InvalidArgumentError("private key PEM holds no private key");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("private key PEM does not parse: ", DrainOpenSslErrors()));
}

absl::StatusOr<absl::Time> CertificateNotBefore(const X509& cert) {
  return Asn1TimeToAbsl(X509_get0_notBefore(&cert), "notBefore");
}

absl::StatusOr<absl::Time> CertificateNotAfter(const X509& cert) {
  return Asn1TimeToAbsl(X509_get0_notAfter(&cert), "notAfter");
}

absl::StatusOr<CertificateInfo> InspectCertificate(const X509& cert) {
  OpenSslErrorScope scope;
  CertificateInfo info;
  info.subject = SubjectOf(cert);
  info.issuer = NameToString(X509_get_issuer_name(&cert));
  info.serial_hex = SerialHex(cert);
  SubjectAltNames sans = ReadSubjectAltNames(cert);
  info.dns_sans = std::move(sans.dns);
  info.ip_sans = std::move(sans.ip);
  info.uri_sans = std::move(sans.uri);
  ASSIGN_OR_RETURN(info.not_before, CertificateNotBefore(cert));
  ASSIGN_OR_RETURN(info.not_after, CertificateNotAfter(cert));
  ASSIGN_OR_RETURN(std::vector<std::string> cns, CommonNames(cert));
  if (!cns.empty()) info.common_name = cns.back();
  BasicConstraintsPtr bc(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(&cert, NID_basic_constraints, nullptr, nullptr)));
  info.is_ca = bc != nullptr && bc->ca != 0;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(&cert, EVP_sha256(), md, &md_len) != 1) {
    return absl::InternalError(
        absl::StrCat("cannot compute certificate fingerprint: ", DrainOpenSslErrors()));
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < md_len; ++i) {
    info.sha256_fingerprint.push_back(kHex[md[i] >> 4]);
    info.sha256_fingerprint.push_back(kHex[md[i] & 0x0f]);
  }
  return info;
}

absl::StatusOr<std::vector<CertificateInfo>> InspectCertificates(absl::string_view pem) {
  ASSIGN_OR_RETURN(std::vector<X509Ptr> certs, ParseCertificates(pem));
  std::vector<CertificateInfo> infos;
  infos.reserve(certs.size());
  for (const X509Ptr& cert : certs) {
    ASSIGN_OR_RETURN(CertificateInfo info, InspectCertificate(*cert));
    infos.push_back(std::move(info));
  }
  return infos;
}

absl::Status ValidateKeyCertPair(absl::string_view key_pem, absl::string_view cert_chain_pem,
                                 absl::string_view ca_bundle_pem, absl::Time now) {
  ASSIGN_OR_RETURN(EvpPkeyPtr key, ParsePrivateKey(key_pem));
  ASSIGN_OR_RETURN(std::vector<X509Ptr> chain,
                   ParseCertificates(cert_chain_pem, "certificate chain PEM"));
  ASSIGN_OR_RETURN(std::vector<X509Ptr> roots, ParseCertificates(ca_bundle_pem, "CA bundle PEM"));
  OpenSslErrorScope scope;
  const X509& leaf = *chain.front();
  const EVP_PKEY* leaf_key = X509_get0_pubkey(&leaf);
  if (leaf_key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate public key does not parse (subject ", SubjectOf(leaf), ")"));
  }
  if (EVP_PKEY_eq(key.get(), leaf_key) != 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("private key does not match certificate (subject ", SubjectOf(leaf), ")"));
  }
  RETURN_IF_ERROR(CheckValidAt(leaf, now));
  return VerifyChain(chain, roots, now);
}

absl::Status ValidateCaBundle(absl::string_view pem, absl::Time now,
                              std::vector<std::string>* warnings) {
  ASSIGN_OR_RETURN(std::vector<X509Ptr> certs, ParseCertificates(pem, "CA bundle PEM"));
  OpenSslErrorScope scope;
  size_t valid = 0;
  size_t expired = 0;
  absl::Time latest_expiry = absl::InfinitePast();
  for (size_t i = 0; i < certs.size(); ++i) {
    X509& cert = *certs[i];
    if (X509_check_ca(&cert) == 0) {
      return absl::FailedPreconditionError(absl::StrCat("CA bundle certificate ", i + 1,
                                                        " (subject ", SubjectOf(cert),
                                                        ") is not a CA certificate"));
    }
    ASSIGN_OR_RETURN(const absl::Time not_after, CertificateNotAfter(cert));
    latest_expiry = std::max(latest_expiry, not_after);
    if (now > not_after) ++expired;
    const absl::Status valid_now = CheckValidAt(cert, now);
    if (valid_now.ok()) {
      ++valid;
    } else if (warnings != nullptr) {
      warnings->push_back(absl::StrCat("CA bundle certificate ", i + 1, ": ", valid_now.message()));
    }
  }
  if (valid > 0) return absl::OkStatus();
  if (expired == certs.size()) {
    return absl::FailedPreconditionError(
        absl::StrCat("every certificate of the CA bundle has expired (the latest at ",
                     FormatUtc(latest_expiry), ")"));
  }
  return absl::FailedPreconditionError(absl::StrCat("no certificate of the CA bundle is valid at ",
                                                    FormatUtc(now), " (some are not yet valid)"));
}

absl::StatusOr<std::string> MemberIdFromCertificate(const X509& cert, MemberIdSource source) {
  OpenSslErrorScope scope;
  if (source == MemberIdSource::kSubjectCommonName) {
    ASSIGN_OR_RETURN(std::vector<std::string> cns, CommonNames(cert));
    if (cns.empty()) {
      return absl::NotFoundError("certificate subject has no common name (member identity)");
    }
    if (cns.size() > 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("certificate subject has ", cns.size(),
                       " common names; the member identity is ambiguous"));
    }
    if (cns.front().empty()) {
      return absl::FailedPreconditionError("certificate subject common name is empty");
    }
    return cns.front();
  }
  std::vector<std::string> ids;
  for (const std::string& uri : ReadSubjectAltNames(cert).uri) {
    if (absl::StartsWith(uri, kMemberUriPrefix)) ids.push_back(uri.substr(kMemberUriPrefix.size()));
  }
  if (ids.empty()) {
    return absl::NotFoundError(
        absl::StrCat("certificate has no URI SAN starting with ", kMemberUriPrefix));
  }
  if (ids.size() > 1) {
    return absl::FailedPreconditionError(absl::StrCat("certificate has ", ids.size(),
                                                      " URI SANs starting with ", kMemberUriPrefix,
                                                      "; the member identity is ambiguous"));
  }
  if (ids.front().empty() || ids.front().find('\0') != std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat("certificate URI SAN ", kMemberUriPrefix, " names no member"));
  }
  return ids.front();
}

absl::StatusOr<std::string> MemberIdFromCertificate(absl::string_view cert_pem,
                                                    MemberIdSource source) {
  ASSIGN_OR_RETURN(std::vector<X509Ptr> certs, ParseCertificates(cert_pem));
  return MemberIdFromCertificate(*certs.front(), source);
}

}  // namespace lienthong::security
