// Certificate issuance with the OpenSSL 3.0 C API: CAs, leaves and CRLs.
#include "services/security/pki.h"

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace lienthong::security {
namespace {

using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OpenSslDeleter<&ASN1_INTEGER_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, OpenSslDeleter<&ASN1_TIME_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpenSslDeleter<&GENERAL_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<&GENERAL_NAMES_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, OpenSslDeleter<&X509_CRL_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<&X509_EXTENSION_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpenSslDeleter<&X509_NAME_free>>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, OpenSslDeleter<&X509_REVOKED_free>>;

constexpr int kRandomSerialBytes = 16;      // 128 bits
constexpr size_t kMaxSerialHexDigits = 40;  // RFC 5280: at most 20 octets
constexpr size_t kMaxAgencyCodeLength = 35;

absl::Status OpenSslFailure(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", DrainOpenSslErrors()));
}

// Serialises an OpenSSL object with one of the PEM_write_bio_* functions.
template <typename WriteFn>
absl::StatusOr<std::string> ToPem(absl::string_view what, WriteFn write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || write(bio.get()) != 1) {
    return OpenSslFailure(absl::StrCat("cannot write ", what, " as PEM"));
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0) return OpenSslFailure(absl::StrCat("cannot write ", what, " as PEM"));
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<EvpPkeyPtr> NewP256Key() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (key == nullptr) return OpenSslFailure("cannot generate an ECDSA P-256 key");
  return key;
}

absl::StatusOr<Asn1IntegerPtr> BignumToAsn1(const BIGNUM* bn) {
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn, nullptr));
  if (serial == nullptr) return OpenSslFailure("cannot encode serial number");
  return serial;
}

// A positive serial from hex digits (either case). INVALID_ARGUMENT when malformed or zero.
absl::StatusOr<Asn1IntegerPtr> SerialFromHex(absl::string_view hex) {
  const bool all_hex = !hex.empty() && std::all_of(hex.begin(), hex.end(), [](char c) {
    return absl::ascii_isxdigit(static_cast<unsigned char>(c));
  });
  if (!all_hex || hex.size() > kMaxSerialHexDigits) {
    return absl::InvalidArgumentError(
        absl::StrCat("serial \"", hex, "\" is not 1 to ", kMaxSerialHexDigits, " hex digits"));
  }
  const std::string digits(hex);
  BIGNUM* raw = nullptr;
  if (BN_hex2bn(&raw, digits.c_str()) != static_cast<int>(digits.size())) {
    BN_free(raw);
    return OpenSslFailure(absl::StrCat("cannot decode serial ", hex));
  }
  BignumPtr bn(raw);
  if (BN_is_zero(bn.get())) {
    return absl::InvalidArgumentError("serial must not be zero (RFC 5280 asks for a positive one)");
  }
  return BignumToAsn1(bn.get());
}

// `hex` when given, else a random positive 128-bit serial.
absl::StatusOr<Asn1IntegerPtr> SerialFor(absl::string_view hex) {
  if (!hex.empty()) return SerialFromHex(hex);
  unsigned char bytes[kRandomSerialBytes];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return OpenSslFailure("cannot draw a random serial");
  bytes[0] &= 0x7f;                  // positive in DER without a padding byte
  bytes[sizeof(bytes) - 1] |= 0x01;  // never zero
  BignumPtr bn(BN_bin2bn(bytes, sizeof(bytes), nullptr));
  if (bn == nullptr) return OpenSslFailure("cannot build a random serial");
  return BignumToAsn1(bn.get());
}

absl::StatusOr<X509NamePtr> BuildName(const SubjectName& subject) {
  X509NamePtr name(X509_NAME_new());
  if (name == nullptr) return OpenSslFailure("cannot allocate a subject name");
  const std::pair<int, const std::string*> fields[] = {
      {NID_countryName, &subject.country},
      {NID_organizationName, &subject.organization},
      {NID_organizationalUnitName, &subject.organizational_unit},
      {NID_commonName, &subject.common_name},
  };
  for (const auto& [nid, value] : fields) {
    if (value->empty()) continue;
    if (value->size() > static_cast<size_t>(INT_MAX) ||
        X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value->data()),
                                   static_cast<int>(value->size()), -1, 0) != 1) {
      return absl::InvalidArgumentError(absl::StrCat("subject ", OBJ_nid2sn(nid), " \"", *value,
                                                     "\" is not accepted: ", DrainOpenSslErrors()));
    }
  }
  return name;
}

absl::Status SetTime(ASN1_TIME* field, absl::Time t, absl::string_view what) {
  if (ASN1_TIME_set(field, absl::ToTimeT(t)) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", FormatUtc(t), " cannot be encoded: ", DrainOpenSslErrors()));
  }
  return absl::OkStatus();
}

// A version 3 certificate for `key` with subject, validity and serial; issued by `issuer`, or
// self-issued when `issuer` is null. Not yet signed, no extensions.
absl::StatusOr<X509Ptr> NewCertificate(const SubjectName& subject, absl::Time not_before,
                                       absl::Time not_after, absl::string_view serial_hex,
                                       EVP_PKEY* key, const X509* issuer) {
  if (not_after <= not_before) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not_after ", FormatUtc(not_after), " is not after not_before ", FormatUtc(not_before)));
  }
  ASSIGN_OR_RETURN(X509NamePtr name, BuildName(subject));
  ASSIGN_OR_RETURN(Asn1IntegerPtr serial, SerialFor(serial_hex));
  X509Ptr cert(X509_new());
  if (cert == nullptr) return OpenSslFailure("cannot allocate a certificate");
  const X509_NAME* issuer_name = issuer == nullptr ? name.get() : X509_get_subject_name(issuer);
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      X509_set_serialNumber(cert.get(), serial.get()) != 1 ||
      X509_set_subject_name(cert.get(), name.get()) != 1 ||
      X509_set_issuer_name(cert.get(), issuer_name) != 1 || X509_set_pubkey(cert.get(), key) != 1) {
    return OpenSslFailure("cannot fill in the certificate");
  }
  RETURN_IF_ERROR(SetTime(X509_getm_notBefore(cert.get()), not_before, "not_before"));
  RETURN_IF_ERROR(SetTime(X509_getm_notAfter(cert.get()), not_after, "not_after"));
  return cert;
}

// Adds an extension written in OpenSSL's configuration syntax ("critical,CA:TRUE").
absl::Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx{};
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslFailure(absl::StrCat("cannot add extension ", OBJ_nid2sn(nid), "=", value));
  }
  return absl::OkStatus();
}

absl::StatusOr<GeneralNamePtr> Ia5Name(int type, const std::string& value) {
  GeneralNamePtr gn(GENERAL_NAME_new());
  ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
  if (gn == nullptr || ia5 == nullptr ||
      ASN1_STRING_set(ia5, value.data(), static_cast<int>(value.size())) != 1) {
    ASN1_IA5STRING_free(ia5);
    return OpenSslFailure(absl::StrCat("cannot encode subject alternative name ", value));
  }
  GENERAL_NAME_set0_value(gn.get(), type, ia5);
  return gn;
}

absl::StatusOr<GeneralNamePtr> IpName(const std::string& value) {
  ASN1_OCTET_STRING* ip = a2i_IPADDRESS(value.c_str());
  if (ip == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat("IP SAN \"", value, "\" is not an IP address"));
  }
  GeneralNamePtr gn(GENERAL_NAME_new());
  if (gn == nullptr) {
    ASN1_OCTET_STRING_free(ip);
    return OpenSslFailure("cannot allocate a subject alternative name");
  }
  GENERAL_NAME_set0_value(gn.get(), GEN_IPADD, ip);
  return gn;
}

absl::Status AddSubjectAltNames(X509* cert, const LeafSpec& spec) {
  GeneralNamesPtr names(GENERAL_NAMES_new());
  if (names == nullptr) return OpenSslFailure("cannot allocate subject alternative names");
  std::vector<GeneralNamePtr> built;
  for (const std::string& dns : spec.dns_sans) {
    ASSIGN_OR_RETURN(GeneralNamePtr gn, Ia5Name(GEN_DNS, dns));
    built.push_back(std::move(gn));
  }
  for (const std::string& ip : spec.ip_sans) {
    ASSIGN_OR_RETURN(GeneralNamePtr gn, IpName(ip));
    built.push_back(std::move(gn));
  }
  for (const std::string& uri : spec.uri_sans) {
    ASSIGN_OR_RETURN(GeneralNamePtr gn, Ia5Name(GEN_URI, uri));
    built.push_back(std::move(gn));
  }
  if (built.empty()) return absl::OkStatus();
  for (GeneralNamePtr& gn : built) {
    if (sk_GENERAL_NAME_push(names.get(), gn.get()) <= 0) {
      return OpenSslFailure("cannot collect subject alternative names");
    }
    gn.release();  // now owned by `names`
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslFailure("cannot add subject alternative names");
  }
  return absl::OkStatus();
}

// An issuer's certificate and key, checked to belong together and to be a CA.
struct Issuer {
  X509Ptr cert;
  EvpPkeyPtr key;
};

absl::StatusOr<Issuer> LoadIssuer(const KeyAndCert& material) {
  Issuer issuer;
  ASSIGN_OR_RETURN(issuer.key, ParsePrivateKey(material.key_pem));
  ASSIGN_OR_RETURN(std::vector<X509Ptr> certs,
                   ParseCertificates(material.cert_pem, "issuer certificate PEM"));
  issuer.cert = std::move(certs.front());
  OpenSslErrorScope scope;
  if (X509_check_private_key(issuer.cert.get(), issuer.key.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("issuer private key does not match issuer certificate (subject ",
                     SubjectOf(*issuer.cert), ")"));
  }
  if (X509_check_ca(issuer.cert.get()) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "issuer certificate (subject ", SubjectOf(*issuer.cert), ") is not a CA certificate"));
  }
  return issuer;
}

absl::StatusOr<KeyAndCert> SignAndEncode(X509* cert, EVP_PKEY* signer, EVP_PKEY* subject_key) {
  if (X509_sign(cert, signer, EVP_sha256()) <= 0) return OpenSslFailure("cannot sign certificate");
  KeyAndCert out;
  ASSIGN_OR_RETURN(out.key_pem, ToPem("private key", [&](BIO* bio) {
                     return PEM_write_bio_PrivateKey(bio, subject_key, nullptr, nullptr, 0, nullptr,
                                                     nullptr);
                   }));
  ASSIGN_OR_RETURN(out.cert_pem,
                   ToPem("certificate", [&](BIO* bio) { return PEM_write_bio_X509(bio, cert); }));
  return out;
}

// A CA certificate, self-signed when `issuer` is null.
absl::StatusOr<KeyAndCert> MakeAuthority(const Issuer* issuer, const CaSpec& spec) {
  OpenSslErrorScope scope;
  if (spec.subject.common_name.empty()) {
    return absl::InvalidArgumentError("CA subject needs a common name");
  }
  ASSIGN_OR_RETURN(EvpPkeyPtr key, NewP256Key());
  ASSIGN_OR_RETURN(X509Ptr cert,
                   NewCertificate(spec.subject, spec.not_before, spec.not_after, spec.serial_hex,
                                  key.get(), issuer == nullptr ? nullptr : issuer->cert.get()));
  X509* signer_cert = issuer == nullptr ? cert.get() : issuer->cert.get();
  RETURN_IF_ERROR(AddExtension(cert.get(), signer_cert, NID_basic_constraints, "critical,CA:TRUE"));
  RETURN_IF_ERROR(
      AddExtension(cert.get(), signer_cert, NID_key_usage, "critical,keyCertSign,cRLSign"));
  RETURN_IF_ERROR(AddExtension(cert.get(), signer_cert, NID_subject_key_identifier, "hash"));
  if (issuer != nullptr) {
    RETURN_IF_ERROR(
        AddExtension(cert.get(), signer_cert, NID_authority_key_identifier, "keyid:always"));
  }
  return SignAndEncode(cert.get(), issuer == nullptr ? key.get() : issuer->key.get(), key.get());
}

const char* ExtendedKeyUsage(CertificateUsage usage) {
  switch (usage) {
    case CertificateUsage::kServer:
      return "serverAuth";
    case CertificateUsage::kClient:
      return "clientAuth";
    case CertificateUsage::kTimeStamping:
      return "critical,timeStamping";
    case CertificateUsage::kServerAndClient:
      break;
  }
  return "serverAuth,clientAuth";
}

bool IsAgencyCodeChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '.';
}

}  // namespace

absl::StatusOr<KeyAndCert> CreateCertificateAuthority(const CaSpec& spec) {
  return MakeAuthority(nullptr, spec);
}

absl::StatusOr<KeyAndCert> IssueIntermediateAuthority(const KeyAndCert& issuer,
                                                      const CaSpec& spec) {
  ASSIGN_OR_RETURN(const Issuer loaded, LoadIssuer(issuer));
  return MakeAuthority(&loaded, spec);
}

absl::StatusOr<KeyAndCert> IssueCertificate(const KeyAndCert& issuer, const LeafSpec& spec) {
  ASSIGN_OR_RETURN(const Issuer loaded, LoadIssuer(issuer));
  OpenSslErrorScope scope;
  if (spec.subject.common_name.empty() && spec.dns_sans.empty() && spec.ip_sans.empty() &&
      spec.uri_sans.empty()) {
    return absl::InvalidArgumentError(
        "certificate needs a common name or a subject alternative name");
  }
  ASSIGN_OR_RETURN(EvpPkeyPtr key, NewP256Key());
  ASSIGN_OR_RETURN(X509Ptr cert, NewCertificate(spec.subject, spec.not_before, spec.not_after,
                                                spec.serial_hex, key.get(), loaded.cert.get()));
  X509* issuer_cert = loaded.cert.get();
  RETURN_IF_ERROR(
      AddExtension(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:FALSE"));
  RETURN_IF_ERROR(
      AddExtension(cert.get(), issuer_cert, NID_key_usage, "critical,digitalSignature"));
  RETURN_IF_ERROR(
      AddExtension(cert.get(), issuer_cert, NID_ext_key_usage, ExtendedKeyUsage(spec.usage)));
  RETURN_IF_ERROR(AddExtension(cert.get(), issuer_cert, NID_subject_key_identifier, "hash"));
  RETURN_IF_ERROR(
      AddExtension(cert.get(), issuer_cert, NID_authority_key_identifier, "keyid:always"));
  RETURN_IF_ERROR(AddSubjectAltNames(cert.get(), spec));
  return SignAndEncode(cert.get(), loaded.key.get(), key.get());
}

absl::StatusOr<LeafSpec> MemberCertificateSpec(absl::string_view agency_code,
                                               absl::string_view organization) {
  if (agency_code.empty() || agency_code.size() > kMaxAgencyCodeLength ||
      !std::all_of(agency_code.begin(), agency_code.end(), IsAgencyCodeChar)) {
    return absl::InvalidArgumentError(
        absl::StrCat("agency code \"", agency_code, "\" is not 1 to 35 characters of [0-9A-Z.]"));
  }
  LeafSpec spec;
  spec.subject.common_name = std::string(agency_code);
  spec.subject.organization = std::string(organization);
  spec.uri_sans.push_back(absl::StrCat(kMemberUriPrefix, agency_code));
  spec.usage = CertificateUsage::kClient;
  return spec;
}

absl::StatusOr<std::string> CreateCrl(const KeyAndCert& ca,
                                      const std::vector<std::string>& revoked_serials_hex,
                                      absl::Time this_update, absl::Time next_update) {
  ASSIGN_OR_RETURN(const Issuer issuer, LoadIssuer(ca));
  OpenSslErrorScope scope;
  if (next_update <= this_update) {
    return absl::InvalidArgumentError(absl::StrCat("CRL next_update ", FormatUtc(next_update),
                                                   " is not after this_update ",
                                                   FormatUtc(this_update)));
  }
  X509CrlPtr crl(X509_CRL_new());
  Asn1TimePtr last(ASN1_TIME_set(nullptr, absl::ToTimeT(this_update)));
  Asn1TimePtr next(ASN1_TIME_set(nullptr, absl::ToTimeT(next_update)));
  if (crl == nullptr || last == nullptr || next == nullptr ||
      X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.cert.get())) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1) {
    return OpenSslFailure("cannot fill in the CRL");
  }
  std::set<std::string> seen;
  for (const std::string& hex : revoked_serials_hex) {
    if (!seen.insert(absl::AsciiStrToUpper(hex)).second) {
      return absl::InvalidArgumentError(absl::StrCat("serial ", hex, " is listed twice"));
    }
    ASSIGN_OR_RETURN(Asn1IntegerPtr serial, SerialFromHex(hex));
    X509RevokedPtr revoked(X509_REVOKED_new());
    if (revoked == nullptr || X509_REVOKED_set_serialNumber(revoked.get(), serial.get()) != 1 ||
        X509_REVOKED_set_revocationDate(revoked.get(), last.get()) != 1 ||
        X509_CRL_add0_revoked(crl.get(), revoked.get()) != 1) {
      return OpenSslFailure(absl::StrCat("cannot add serial ", hex, " to the CRL"));
    }
    revoked.release();  // now owned by the CRL
  }
  X509_CRL_sort(crl.get());
  X509V3_CTX ctx{};
  X509V3_set_ctx(&ctx, issuer.cert.get(), nullptr, nullptr, crl.get(), 0);
  X509ExtensionPtr akid(
      X509V3_EXT_nconf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  Asn1IntegerPtr number(ASN1_INTEGER_new());
  if (akid == nullptr || X509_CRL_add_ext(crl.get(), akid.get(), -1) != 1 || number == nullptr ||
      ASN1_INTEGER_set_int64(number.get(), absl::ToUnixSeconds(this_update)) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslFailure("cannot add CRL extensions");
  }
  if (X509_CRL_sign(crl.get(), issuer.key.get(), EVP_sha256()) <= 0) {
    return OpenSslFailure("cannot sign the CRL");
  }
  return ToPem("CRL", [&](BIO* bio) { return PEM_write_bio_X509_CRL(bio, crl.get()); });
}

}  // namespace lienthong::security
