// RFC 3161 queries and token checks over OpenSSL's TS API.
#include "services/admin/timestamp_token.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/files.h"
#include "services/store/exchange_log.h"

namespace lienthong::admin {
namespace {

template <auto Free>
struct Freer {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using TsReqPtr = std::unique_ptr<TS_REQ, Freer<TS_REQ_free>>;
using TsRespPtr = std::unique_ptr<TS_RESP, Freer<TS_RESP_free>>;
using TsMsgImprintPtr = std::unique_ptr<TS_MSG_IMPRINT, Freer<TS_MSG_IMPRINT_free>>;
using TsTstInfoPtr = std::unique_ptr<TS_TST_INFO, Freer<TS_TST_INFO_free>>;
using TsVerifyCtxPtr = std::unique_ptr<TS_VERIFY_CTX, Freer<TS_VERIFY_CTX_free>>;
using Pkcs7Ptr = std::unique_ptr<PKCS7, Freer<PKCS7_free>>;
using X509AlgorPtr = std::unique_ptr<X509_ALGOR, Freer<X509_ALGOR_free>>;
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, Freer<ASN1_OBJECT_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, Freer<ASN1_INTEGER_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Freer<BN_free>>;
using BioPtr = std::unique_ptr<BIO, Freer<BIO_free>>;

// OpenSSL's error queue as one line (and emptied), e.g. "certificate verify error
// (Verify error:unable to get local issuer certificate)".
std::string OpenSslErrors() {
  std::vector<std::string> parts;
  const char* data = nullptr;
  int flags = 0;
  while (unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    const char* reason = ERR_reason_error_string(code);
    std::string part = reason != nullptr ? reason : absl::StrCat("error ", code);
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && data[0] != '\0') {
      absl::StrAppend(&part, " (", data, ")");
    }
    parts.push_back(std::move(part));
  }
  if (parts.empty()) return "no reason given";
  return absl::StrJoin(parts, "; ");
}

std::string AsString(const unsigned char* data, int length) {
  return std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(length));
}

// The TST_INFO's contents; the signer's subject from `token` when it holds the certificate.
TimestampToken Contents(TS_TST_INFO* tst, PKCS7* token) {
  TimestampToken out;
  TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(tst);
  const ASN1_OCTET_STRING* message = TS_MSG_IMPRINT_get_msg(imprint);
  out.imprint = AsString(ASN1_STRING_get0_data(message), ASN1_STRING_length(message));
  const ASN1_OBJECT* algorithm = nullptr;
  X509_ALGOR_get0(&algorithm, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(imprint));
  const int nid = OBJ_obj2nid(algorithm);
  out.hash_algorithm = nid != NID_undef ? OBJ_nid2ln(nid) : "unknown";
  struct tm tm {};
  if (ASN1_TIME_to_tm(TS_TST_INFO_get_time(tst), &tm) == 1) {
    out.gen_time = absl::FromTimeT(timegm(&tm));
  }
  if (BignumPtr serial(ASN1_INTEGER_to_BN(TS_TST_INFO_get_serial(tst), nullptr)); serial) {
    char* hex = BN_bn2hex(serial.get());
    if (hex != nullptr) out.serial_hex = hex;
    OPENSSL_free(hex);
  }
  char text[128] = {0};
  if (ASN1_OBJECT* policy = TS_TST_INFO_get_policy_id(tst); policy != nullptr) {
    OBJ_obj2txt(text, sizeof(text), policy, 1);
    out.policy_oid = text;
  }
  if (token != nullptr) {
    STACK_OF(X509)* signers = PKCS7_get0_signers(token, nullptr, 0);
    if (signers != nullptr && sk_X509_num(signers) > 0) {
      char* subject = X509_NAME_oneline(X509_get_subject_name(sk_X509_value(signers, 0)),
                                        nullptr, 0);
      if (subject != nullptr) out.tsa_name = subject;
      OPENSSL_free(subject);
    }
    sk_X509_free(signers);
    ERR_clear_error();  // a token without the certificate is no error here
  }
  unsigned char* der = nullptr;
  const int length = token != nullptr ? i2d_PKCS7(token, &der) : -1;
  if (length > 0) out.der = AsString(der, length);
  OPENSSL_free(der);
  return out;
}

}  // namespace

std::string HeadImprint(int64_t seq, absl::string_view hash) {
  std::string bytes(kHeadImprintLabel);
  for (int i = 7; i >= 0; --i) {
    bytes.push_back(static_cast<char>((static_cast<uint64_t>(seq) >> (8 * i)) & 0xff));
  }
  bytes.append(hash.data(), hash.size());
  return store::Sha256(bytes);
}

absl::StatusOr<TsaTrust> TsaTrust::FromPem(absl::string_view pem, absl::string_view origin) {
  ERR_clear_error();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  TsaTrust trust;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    trust.certs_.emplace_back(cert, X509_free);
  }
  // The loop ends at the end of the text (no further "BEGIN" line), or at a broken certificate.
  const unsigned long last = ERR_peek_last_error();
  if (last != 0 &&
      !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE)) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": a certificate in it does not parse: ", OpenSslErrors()));
  }
  ERR_clear_error();
  if (trust.certs_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, " holds no PEM certificate"));
  }
  return trust;
}

absl::StatusOr<TsaTrust> TsaTrust::FromFile(const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFileToString(path);
  if (!pem.ok()) return pem.status();
  return FromPem(*pem, path);
}

X509_STORE* TsaTrust::NewStore(std::optional<absl::Time> at) const {
  X509_STORE* store = X509_STORE_new();
  for (const auto& cert : certs_) X509_STORE_add_cert(store, cert.get());
  // Any certificate of the bundle may be the anchor: the TSA's own, or an intermediate.
  X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
  if (at.has_value()) X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), absl::ToTimeT(*at));
  return store;
}

absl::StatusOr<TimestampQuery> MakeTimestampQuery(absl::string_view imprint,
                                                  absl::string_view policy_oid) {
  if (imprint.size() != 32) {
    return absl::InvalidArgumentError(absl::StrCat("imprint: ", imprint.size(),
                                                   " bytes, a SHA-256 digest has 32"));
  }
  ERR_clear_error();
  TsReqPtr req(TS_REQ_new());
  TsMsgImprintPtr message(TS_MSG_IMPRINT_new());
  X509AlgorPtr algorithm(X509_ALGOR_new());
  if (!req || !message || !algorithm ||
      !X509_ALGOR_set0(algorithm.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr) ||
      !TS_MSG_IMPRINT_set_algo(message.get(), algorithm.get()) ||
      !TS_MSG_IMPRINT_set_msg(message.get(),
                              reinterpret_cast<unsigned char*>(const_cast<char*>(imprint.data())),
                              static_cast<int>(imprint.size())) ||
      !TS_REQ_set_version(req.get(), 1) || !TS_REQ_set_msg_imprint(req.get(), message.get()) ||
      !TS_REQ_set_cert_req(req.get(), 1)) {
    return absl::InternalError(absl::StrCat("building a TimeStampReq: ", OpenSslErrors()));
  }
  TimestampQuery query;
  query.imprint = std::string(imprint);
  if (!policy_oid.empty()) {
    Asn1ObjectPtr policy(OBJ_txt2obj(std::string(policy_oid).c_str(), /*no_name=*/1));
    if (!policy) {
      ERR_clear_error();
      return absl::InvalidArgumentError(
          absl::StrCat("policy_oid: \"", policy_oid, "\" is not a dotted OID"));
    }
    if (!TS_REQ_set_policy_id(req.get(), policy.get())) {
      return absl::InternalError(absl::StrCat("setting the policy: ", OpenSslErrors()));
    }
    query.policy_oid = std::string(policy_oid);
  }
  // A positive 63-bit nonce: the reply must echo it, so an old reply cannot be replayed.
  unsigned char nonce_bytes[8];
  if (RAND_bytes(nonce_bytes, sizeof(nonce_bytes)) != 1) {
    return absl::InternalError(absl::StrCat("no random nonce: ", OpenSslErrors()));
  }
  nonce_bytes[0] = static_cast<unsigned char>((nonce_bytes[0] & 0x7f) | 0x01);
  BignumPtr nonce_bn(BN_bin2bn(nonce_bytes, sizeof(nonce_bytes), nullptr));
  Asn1IntegerPtr nonce(nonce_bn ? BN_to_ASN1_INTEGER(nonce_bn.get(), nullptr) : nullptr);
  if (!nonce || !TS_REQ_set_nonce(req.get(), nonce.get())) {
    return absl::InternalError(absl::StrCat("setting the nonce: ", OpenSslErrors()));
  }
  unsigned char* der = nullptr;
  const int length = i2d_TS_REQ(req.get(), &der);
  if (length <= 0) return absl::InternalError(absl::StrCat("encoding: ", OpenSslErrors()));
  query.der = AsString(der, length);
  OPENSSL_free(der);
  return query;
}

absl::StatusOr<TimestampToken> VerifyTimestampReply(const TimestampQuery& query,
                                                    absl::string_view reply_der,
                                                    const TsaTrust& trust) {
  ERR_clear_error();
  const auto* p = reinterpret_cast<const unsigned char*>(reply_der.data());
  TsRespPtr reply(d2i_TS_RESP(nullptr, &p, static_cast<long>(reply_der.size())));
  if (!reply) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("the TSA's answer (", reply_der.size(), " bytes) is not a TimeStampResp"));
  }
  TS_STATUS_INFO* status_info = TS_RESP_get_status_info(reply.get());
  const long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(status_info));
  if (status != TS_STATUS_GRANTED && status != TS_STATUS_GRANTED_WITH_MODS) {
    std::vector<std::string> texts;
    if (const STACK_OF(ASN1_UTF8STRING)* text = TS_STATUS_INFO_get0_text(status_info)) {
      for (int i = 0; i < sk_ASN1_UTF8STRING_num(text); ++i) {
        const ASN1_UTF8STRING* line = sk_ASN1_UTF8STRING_value(text, i);
        texts.push_back(AsString(ASN1_STRING_get0_data(line), ASN1_STRING_length(line)));
      }
    }
    return absl::FailedPreconditionError(
        absl::StrCat("the TSA refused the request (PKIStatus ", status,
                     texts.empty() ? "" : ": ", absl::StrJoin(texts, "; "), ")"));
  }
  const auto* q = reinterpret_cast<const unsigned char*>(query.der.data());
  TsReqPtr req(d2i_TS_REQ(nullptr, &q, static_cast<long>(query.der.size())));
  if (!req) return absl::InternalError("the query does not parse back");
  // The query's imprint, nonce, version (and policy when asked), plus the signature and the
  // signer's chain up to `trust`.
  TsVerifyCtxPtr ctx(TS_REQ_to_TS_VERIFY_CTX(req.get(), nullptr));
  if (!ctx) return absl::InternalError(absl::StrCat("TS_VERIFY_CTX: ", OpenSslErrors()));
  TS_VERIFY_CTX_add_flags(ctx.get(), TS_VFY_SIGNATURE);
  TS_VERIFY_CTX_set_store(ctx.get(), trust.NewStore(std::nullopt));  // ctx owns it
  if (TS_RESP_verify_response(ctx.get(), reply.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("the TSA's answer does not verify: ", OpenSslErrors()));
  }
  PKCS7* token = TS_RESP_get_token(reply.get());
  TS_TST_INFO* tst = TS_RESP_get_tst_info(reply.get());
  if (token == nullptr || tst == nullptr) {
    return absl::InvalidArgumentError("the TSA's answer holds no token");
  }
  return Contents(tst, token);
}

absl::StatusOr<TimestampToken> VerifyStoredToken(absl::string_view token_der,
                                                 const TsaTrust& trust) {
  ERR_clear_error();
  const auto* p = reinterpret_cast<const unsigned char*>(token_der.data());
  Pkcs7Ptr token(d2i_PKCS7(nullptr, &p, static_cast<long>(token_der.size())));
  if (!token) {
    ERR_clear_error();
    return absl::InvalidArgumentError("the token does not parse (not CMS SignedData)");
  }
  TsTstInfoPtr tst(PKCS7_to_TS_TST_INFO(token.get()));
  if (!tst) {
    const std::string why = OpenSslErrors();
    return absl::InvalidArgumentError(absl::StrCat("the token holds no TSTInfo: ", why));
  }
  TimestampToken contents = Contents(tst.get(), token.get());
  TsVerifyCtxPtr ctx(TS_VERIFY_CTX_new());
  if (!ctx) return absl::InternalError(absl::StrCat("TS_VERIFY_CTX: ", OpenSslErrors()));
  TS_VERIFY_CTX_set_flags(ctx.get(), TS_VFY_SIGNATURE | TS_VFY_VERSION);
  TS_VERIFY_CTX_set_store(ctx.get(), trust.NewStore(contents.gen_time));
  if (TS_RESP_verify_token(ctx.get(), token.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("the token's signature does not verify: ", OpenSslErrors()));
  }
  return contents;
}

}  // namespace lienthong::admin
