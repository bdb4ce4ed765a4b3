// CRL folders: loading (parse, signature, coverage of the CA bundle) and chain checks.
#include "services/security/revocation.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace lienthong::security {
namespace {

using X509CrlPtr = std::unique_ptr<X509_CRL, OpenSslDeleter<&X509_CRL_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_free>>;

struct OpenSslStringDeleter {
  void operator()(char* p) const { OPENSSL_free(p); }
};

// Upper-case hex without leading zero bytes, the form CertificateInfo::serial_hex uses.
std::string SerialHex(const ASN1_INTEGER* serial) {
  BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (bn == nullptr) return "";
  std::unique_ptr<char, OpenSslStringDeleter> hex(BN_bn2hex(bn.get()));
  return hex == nullptr ? std::string() : std::string(hex.get());
}

std::string NameDer(const X509_NAME* name) {
  unsigned char* der = nullptr;
  const int len = i2d_X509_NAME(name, &der);
  if (len <= 0) return "";
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

// The bytes of a key identifier extension; empty when the certificate has none.
std::string KeyIdBytes(const ASN1_OCTET_STRING* id) {
  if (id == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(id)),
                     static_cast<size_t>(ASN1_STRING_length(id)));
}

std::string NameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "";
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

// Every CRL of a file: PEM (one or more blocks) or a single DER CRL.
absl::StatusOr<std::vector<X509CrlPtr>> ParseCrls(const std::string& contents,
                                                  const std::string& file) {
  OpenSslErrorScope scope;
  std::vector<X509CrlPtr> crls;
  BioPtr bio(BIO_new_mem_buf(contents.data(), static_cast<int>(contents.size())));
  if (bio == nullptr) return absl::InternalError(absl::StrCat("cannot read ", file));
  if (absl::StrContains(contents, "-----BEGIN X509 CRL-----")) {
    for (;;) {
      X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
      if (crl == nullptr) break;
      crls.push_back(std::move(crl));
    }
    const unsigned long err = ERR_peek_last_error();
    const bool end_of_input =
        err == 0 || (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE);
    if (!end_of_input || crls.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": CRL PEM does not parse: ", DrainOpenSslErrors()));
    }
    return crls;
  }
  X509CrlPtr crl(d2i_X509_CRL_bio(bio.get(), nullptr));
  if (crl == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": not a CRL (neither PEM nor DER): ", DrainOpenSslErrors()));
  }
  crls.push_back(std::move(crl));
  return crls;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const RevocationList>> RevocationList::LoadDirectory(
    const std::string& dir, absl::string_view ca_bundle_pem, absl::Time now,
    std::vector<std::string>* warnings) {
  ASSIGN_OR_RETURN(std::vector<X509Ptr> cas, ParseCertificates(ca_bundle_pem, "CA bundle PEM"));
  std::vector<std::string> files;
  std::error_code error;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (absl::StartsWith(name, ".")) continue;
    std::error_code type_error;
    if (!std::filesystem::is_regular_file(it->path(), type_error)) continue;
    files.push_back(it->path().string());
  }
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot list CRL folder ", dir, ": ", error.message()));
  }
  std::sort(files.begin(), files.end());

  std::shared_ptr<RevocationList> list(new RevocationList());
  for (const std::string& file : files) {
    ASSIGN_OR_RETURN(const std::string contents, ReadFileToString(file));
    ASSIGN_OR_RETURN(std::vector<X509CrlPtr> crls, ParseCrls(contents, file));
    for (const X509CrlPtr& crl : crls) {
      OpenSslErrorScope scope;
      const X509_NAME* issuer = X509_CRL_get_issuer(crl.get());
      bool signed_by_bundle = false;
      for (const X509Ptr& ca : cas) {
        if (X509_NAME_cmp(issuer, X509_get_subject_name(ca.get())) != 0) continue;
        EVP_PKEY* key = X509_get0_pubkey(ca.get());
        if (key != nullptr && X509_CRL_verify(crl.get(), key) == 1) {
          signed_by_bundle = true;
          break;
        }
      }
      if (!signed_by_bundle) {
        return absl::FailedPreconditionError(absl::StrCat(
            file, ": CRL of issuer ", NameText(issuer),
            " is not signed by any CA of the CA bundle (a forged or foreign CRL is refused; if it"
            " is the CRL of an issuing CA, add that CA's certificate to the CA bundle)"));
      }
      const ASN1_TIME* next_update = X509_CRL_get0_nextUpdate(crl.get());
      time_t now_t = absl::ToTimeT(now);
      if (next_update != nullptr && warnings != nullptr &&
          X509_cmp_time(next_update, &now_t) < 0) {
        warnings->push_back(absl::StrCat(file, ": CRL of ", NameText(issuer),
                                         " is past its nextUpdate; publish a fresh one"));
      }
      IssuerCrl& entry = list->issuers_[NameDer(issuer)];
      entry.issuer = NameText(issuer);
      entry.file = file;
      STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
      for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
        entry.revoked_serials.insert(
            SerialHex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
      }
    }
  }

  // Fail closed: a CA whose certificates could not be checked would let revoked ones in.
  for (size_t i = 0; i < cas.size(); ++i) {
    const X509& ca = *cas[i];
    auto not_before = CertificateNotBefore(ca);
    auto not_after = CertificateNotAfter(ca);
    const bool valid_now = not_before.ok() && not_after.ok() && *not_before <= now &&
                           now <= *not_after;
    if (!valid_now) continue;
    if (!list->issuers_.contains(NameDer(X509_get_subject_name(&ca)))) {
      return absl::FailedPreconditionError(absl::StrCat(
          "CRL folder ", dir, " has no CRL of CA ", SubjectOf(ca), " (CA bundle certificate ",
          i + 1, "): with a CRL folder configured, every CA must publish one"));
    }
  }
  // An issuing CA of the bundle that its own issuer has revoked. Clients usually send only their
  // own certificate, so the handshake would not see that CA: the certificates it issued are
  // refused by their issuer instead. (Refusing the whole folder would also hold back every other
  // revocation published with it, at the moment a PKI revokes a CA.)
  for (size_t i = 0; i < cas.size(); ++i) {
    X509* ca = cas[i].get();
    if (X509_check_issued(ca, ca) == X509_V_OK) continue;  // a root
    if (!list->IsRevoked(*ca)) continue;
    const IssuerCrl* crl = list->CrlOfIssuer(*ca);
    RevokedCa revoked;
    revoked.name_der = NameDer(X509_get_subject_name(ca));
    revoked.key_id = KeyIdBytes(X509_get0_subject_key_id(ca));
    revoked.description =
        absl::StrCat(SubjectOf(*ca), ", serial ", SerialHex(X509_get0_serialNumber(ca)),
                     ", revoked by the CRL of ", crl->issuer, " in ", crl->file);
    if (warnings != nullptr) {
      warnings->push_back(absl::StrCat("CA bundle certificate ", i + 1, " (",
                                       revoked.description,
                                       "): certificates it issued are refused; remove it from "
                                       "the CA bundle"));
    }
    list->revoked_cas_.push_back(std::move(revoked));
  }
  return std::shared_ptr<const RevocationList>(std::move(list));
}

int RevocationList::revoked_count() const {
  int count = 0;
  for (const auto& [key, entry] : issuers_) count += static_cast<int>(entry.revoked_serials.size());
  return count;
}

const RevocationList::IssuerCrl* RevocationList::CrlOfIssuer(const X509& cert) const {
  auto it = issuers_.find(NameDer(X509_get_issuer_name(&cert)));
  return it == issuers_.end() ? nullptr : &it->second;
}

const RevocationList::RevokedCa* RevocationList::RevokedIssuerOf(X509* cert) const {
  if (revoked_cas_.empty()) return nullptr;
  const std::string issuer = NameDer(X509_get_issuer_name(cert));
  const std::string authority_key_id = KeyIdBytes(X509_get0_authority_key_id(cert));
  for (const RevokedCa& ca : revoked_cas_) {
    if (ca.name_der != issuer) continue;
    // A CA renewed under the same name has another key: told apart by the key identifiers.
    if (!ca.key_id.empty() && !authority_key_id.empty() && ca.key_id != authority_key_id) {
      continue;
    }
    return &ca;
  }
  return nullptr;
}

bool RevocationList::IsRevoked(const X509& cert) const {
  const IssuerCrl* crl = CrlOfIssuer(cert);
  return crl != nullptr &&
         crl->revoked_serials.contains(SerialHex(X509_get0_serialNumber(&cert)));
}

bool RevocationList::SameRevocations(const RevocationList& other) const {
  if (issuers_.size() != other.issuers_.size()) return false;
  for (const auto& [issuer, crl] : issuers_) {
    auto it = other.issuers_.find(issuer);
    if (it == other.issuers_.end() || it->second.revoked_serials != crl.revoked_serials) {
      return false;
    }
  }
  return true;
}

absl::Status RevocationList::CheckChain(const std::vector<X509Ptr>& chain) const {
  OpenSslErrorScope scope;
  for (const X509Ptr& cert : chain) {
    if (X509_check_issued(cert.get(), cert.get()) == X509_V_OK) continue;  // a root
    if (const RevokedCa* revoked = RevokedIssuerOf(cert.get()); revoked != nullptr) {
      return absl::PermissionDeniedError(absl::StrCat(
          "certificate serial ", SerialHex(X509_get0_serialNumber(cert.get())), " (subject ",
          SubjectOf(*cert), ") was issued by a revoked CA: ", revoked->description));
    }
    const IssuerCrl* crl = CrlOfIssuer(*cert);
    if (crl == nullptr) {
      return absl::PermissionDeniedError(
          absl::StrCat("no CRL of issuer ", NameText(X509_get_issuer_name(cert.get())),
                       ": revocation status of ", SubjectOf(*cert), " unknown"));
    }
    const std::string serial = SerialHex(X509_get0_serialNumber(cert.get()));
    if (crl->revoked_serials.contains(serial)) {
      return absl::PermissionDeniedError(absl::StrCat("certificate serial ", serial, " (subject ",
                                                      SubjectOf(*cert),
                                                      ") is revoked by the CRL of ", crl->issuer));
    }
  }
  return absl::OkStatus();
}

absl::Status RevocationList::CheckChainPem(absl::string_view chain_pem) const {
  ASSIGN_OR_RETURN(std::vector<X509Ptr> chain, ParseCertificates(chain_pem, "peer certificate"));
  return CheckChain(chain);
}

}  // namespace lienthong::security
