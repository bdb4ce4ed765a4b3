// The admin HTTP listener: /metrics and the console, plain on loopback or TLS with client
// certificates.
#include "services/console/admin_http_server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "httplib.h"
#include "prometheus/text_serializer.h"
#include "services/common/host_port.h"
#include "services/common/log.h"
#include "services/console/html.h"
#include "services/security/tls_material.h"

namespace lienthong::console {
namespace {

// The parsed form of the TLS material in force, made again when the material rotates.
struct ParsedTls {
  std::shared_ptr<const security::TlsCandidate> source;
  security::EvpPkeyPtr key;
  std::vector<security::X509Ptr> chain;
  X509_STORE* trust = nullptr;  // the CA bundle
  ~ParsedTls() { X509_STORE_free(trust); }
};

class TlsState {
 public:
  explicit TlsState(const security::RotatingTlsMaterial* material) : material_(material) {}

  // The parsed material in force; null when it does not parse (it passed LoadTlsCandidate, so
  // only a bug would get here).
  std::shared_ptr<ParsedTls> Current() {
    std::shared_ptr<const security::TlsCandidate> active = material_->active();
    std::lock_guard<std::mutex> lock(mu_);
    if (parsed_ != nullptr && parsed_->source == active) return parsed_;
    auto parsed = std::make_shared<ParsedTls>();
    parsed->source = active;
    auto key = security::ParsePrivateKey(active->key_pem);
    auto chain = security::ParseCertificates(active->cert_pem, "certificate chain");
    auto cas = security::ParseCertificates(active->ca_pem, "CA bundle");
    if (!key.ok() || !chain.ok() || !cas.ok()) return nullptr;
    parsed->key = std::move(*key);
    parsed->chain = std::move(*chain);
    parsed->trust = X509_STORE_new();
    for (const auto& ca : *cas) X509_STORE_add_cert(parsed->trust, ca.get());
    parsed_ = parsed;
    return parsed_;
  }

  const security::RotatingTlsMaterial* material() const { return material_; }

 private:
  const security::RotatingTlsMaterial* material_;
  std::mutex mu_;
  std::shared_ptr<ParsedTls> parsed_;
};

// Serves the key and chain in force to each new handshake (rotation without restart).
int SelectServerCertificate(SSL* ssl, void* arg) {
  std::shared_ptr<ParsedTls> tls = static_cast<TlsState*>(arg)->Current();
  if (tls == nullptr || tls->chain.empty()) return 0;
  if (SSL_use_certificate(ssl, tls->chain.front().get()) != 1) return 0;
  if (SSL_use_PrivateKey(ssl, tls->key.get()) != 1) return 0;
  SSL_clear_chain_certs(ssl);
  for (size_t i = 1; i < tls->chain.size(); ++i) SSL_add1_chain_cert(ssl, tls->chain[i].get());
  return 1;
}

// Verifies the browser's certificate against the CA bundle in force, for client use, then
// against the CRLs in force (as the gRPC listener does).
int VerifyClientCertificate(X509_STORE_CTX* handshake, void* arg) {
  std::shared_ptr<ParsedTls> tls = static_cast<TlsState*>(arg)->Current();
  X509* leaf = X509_STORE_CTX_get0_cert(handshake);
  if (tls == nullptr || leaf == nullptr) {
    X509_STORE_CTX_set_error(handshake, X509_V_ERR_UNSPECIFIED);
    return 0;
  }
  X509_STORE_CTX* check = X509_STORE_CTX_new();
  if (check == nullptr ||
      X509_STORE_CTX_init(check, tls->trust, leaf, X509_STORE_CTX_get0_untrusted(handshake)) != 1) {
    X509_STORE_CTX_free(check);
    X509_STORE_CTX_set_error(handshake, X509_V_ERR_OUT_OF_MEM);
    return 0;
  }
  X509_STORE_CTX_set_purpose(check, X509_PURPOSE_SSL_CLIENT);
  int ok = X509_verify_cert(check);
  if (ok != 1) {
    X509_STORE_CTX_set_error(handshake, X509_STORE_CTX_get_error(check));
  } else if (tls->source->revocations != nullptr) {
    std::vector<security::X509Ptr> chain;
    STACK_OF(X509)* verified = X509_STORE_CTX_get0_chain(check);
    for (int i = 0; i < sk_X509_num(verified); ++i) {
      X509* cert = sk_X509_value(verified, i);
      X509_up_ref(cert);
      chain.emplace_back(cert);
    }
    absl::Status revoked = tls->source->revocations->CheckChain(chain);
    if (!revoked.ok()) {
      LogLine(LogLevel::kWarning, "admin http: client certificate refused")
          .Str("why", revoked.message());
      X509_STORE_CTX_set_error(handshake, X509_V_ERR_CERT_REVOKED);
      ok = 0;
    }
  }
  X509_STORE_CTX_free(check);
  return ok == 1 ? 1 : 0;
}

std::multimap<std::string, std::string> ParamsOf(const httplib::Request& request) {
  std::multimap<std::string, std::string> params(request.params.begin(), request.params.end());
  return params;
}

// "127.0.0.1:9464", "[::1]:9464", "localhost:9464" (the port is the listener's own, not checked).
bool LoopbackHostHeader(const std::string& host_header) {
  const size_t colon = host_header.rfind(':');
  const std::string host =
      colon == std::string::npos || host_header.back() == ']' ? host_header
                                                               : host_header.substr(0, colon);
  return IsLoopbackHost(host);
}

void Send(httplib::Response& out, const PageResponse& page) {
  // The console's pages run no script and load nothing from elsewhere.
  out.set_header("Content-Security-Policy",
                 "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                 "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  out.set_header("X-Content-Type-Options", "nosniff");
  out.set_header("Referrer-Policy", "same-origin");
  out.set_header("Cache-Control", "no-store");
  if (!page.redirect.empty()) {
    out.status = 303;
    out.set_header("Location", page.redirect);
    return;
  }
  out.status = page.http_status;
  if (!page.download_name.empty()) {
    out.set_header("Content-Disposition",
                   absl::StrCat("attachment; filename=\"", page.download_name, "\""));
  }
  out.set_content(page.body, page.content_type.c_str());
}

}  // namespace

absl::StatusOr<std::unique_ptr<AdminHttpServer>> AdminHttpServer::Start(AdminHttpOptions options) {
  const std::optional<HostPort> address = ParseHostPort(options.address);
  if (!address.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin_http.address: expected host:port, got \"", options.address, "\""));
  }
  std::unique_ptr<AdminHttpServer> server(new AdminHttpServer(std::move(options)));
  if (server->options_.tls != nullptr) {
    auto state = std::make_shared<TlsState>(server->options_.tls);
    server->server_ = std::make_unique<httplib::SSLServer>([state](SSL_CTX& ctx) {
      SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
      SSL_CTX_set_cert_cb(&ctx, SelectServerCertificate, state.get());
      SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      // Every connection is a full handshake, so every connection's certificate is verified
      // against the CA and CRLs in force (no resumed session skips it). OpenSSL also needs a
      // session id context whenever peers are verified.
      static constexpr unsigned char kContext[] = "lienthong-admin-http";
      SSL_CTX_set_session_id_context(&ctx, kContext, sizeof(kContext) - 1);
      SSL_CTX_set_session_cache_mode(&ctx, SSL_SESS_CACHE_OFF);
      SSL_CTX_set_options(&ctx, SSL_OP_NO_TICKET);
      SSL_CTX_set_num_tickets(&ctx, 0);
      SSL_CTX_set_cert_verify_callback(&ctx, VerifyClientCertificate, state.get());
      return true;
    });
    server->tls_state_ = state;  // the callbacks' state lives as long as the server
  } else {
    server->server_ = std::make_unique<httplib::Server>();
  }
  if (!server->server_->is_valid()) {
    return absl::InternalError("admin http: the TLS context could not be made");
  }
  server->server_->set_payload_max_length(64 * 1024);
  server->server_->set_read_timeout(10, 0);
  server->server_->set_keep_alive_max_count(100);
  server->Route();
  std::string host = address->host;
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  int port = address->port;
  if (port == 0) {
    port = server->server_->bind_to_any_port(host);
    if (port < 0) port = 0;
  } else if (!server->server_->bind_to_port(host, port)) {
    port = 0;
  }
  if (port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve admin http on ", server->options_.address,
                     ": the address cannot be bound (in use, or not this machine's)"));
  }
  server->port_ = port;
  server->thread_ = std::thread([s = server->server_.get()] { s->listen_after_bind(); });
  // stop() does nothing before the serving loop runs: a Stop right after Start would wait
  // forever for the thread.
  for (int i = 0; i < 5000 && !server->server_->is_running(); ++i) absl::SleepFor(absl::Milliseconds(1));
  return server;
}

AdminHttpServer::AdminHttpServer(AdminHttpOptions options) : options_(std::move(options)) {}

AdminHttpServer::~AdminHttpServer() { Stop(); }

void AdminHttpServer::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void AdminHttpServer::Route() {
  httplib::Server& s = *server_;
  const bool tls = options_.tls != nullptr;
  // Who the request is made for: the member the client certificate names (TLS), or the
  // loopback member. Empty with a reason when nobody.
  auto viewer = [this, tls](const httplib::Request& request, std::string* why) -> std::string {
    if (!tls) {
      if (options_.loopback_member.empty()) {
        *why = "admin_http.loopback_member is not set: the console acts for nobody";
      }
      return options_.loopback_member;
    }
    const X509* cert = request.ssl == nullptr ? nullptr : SSL_get0_peer_certificate(request.ssl);
    if (cert == nullptr) {
      *why = "no client certificate";
      return "";
    }
    // A keep-alive connection outlives a CRL update: each request checks the CRLs in force.
    auto active = options_.tls->active();
    if (active->revocations != nullptr && active->revocations->IsRevoked(*cert)) {
      *why = "the client certificate is revoked";
      return "";
    }
    const security::MemberIdSource source =
        options_.member_id_source == config::v1::MEMBER_ID_SOURCE_SUBJECT_CN
            ? security::MemberIdSource::kSubjectCommonName
            : security::MemberIdSource::kUriSan;
    auto member = security::MemberIdFromCertificate(*cert, source);
    if (!member.ok()) {
      *why = std::string(member.status().message());
      return "";
    }
    return *member;
  };
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& out) {
    if (options_.metrics == nullptr) {
      out.status = 404;
      return;
    }
    const std::string text = prometheus::TextSerializer().Serialize(options_.metrics->Collect());
    out.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
  });
  if (options_.console == nullptr) return;

  using Handler = std::function<PageResponse(const PageRequest&)>;
  auto page = [this, viewer, tls](Handler handler) {
    return [this, viewer, handler, tls](const httplib::Request& request, httplib::Response& out) {
      std::string why;
      PageRequest page_request;
      page_request.member = viewer(request, &why);
      page_request.params = ParamsOf(request);
      page_request.now = absl::Now();
      if (!tls && !LoopbackHostHeader(request.get_header_value("Host"))) {
        // A site whose name was made to point at 127.0.0.1 (DNS rebinding) is same-origin for
        // the browser; its requests carry its own name in Host.
        out.status = 403;
        out.set_content("the console on plain HTTP answers only requests addressed to a loopback "
                        "address (Host header)\n",
                        "text/plain; charset=utf-8");
        return;
      }
      if (page_request.member.empty()) {
        Send(out, ErrorPage("", "Bảng điều khiển", absl::PermissionDeniedError(why)));
        return;
      }
      Send(out, handler(page_request));
    };
  };
  ConsoleBackend& backend = *options_.console;
  const ConsoleSettings& settings = options_.settings;
  s.Get("/", page([&backend](const PageRequest& r) { return HomePage(backend, r); }));
  s.Get("/chi-so", page([&backend, &settings](const PageRequest& r) {
          return IndicatorsPage(backend, settings, r);
        }));
  s.Get("/chi-so.csv", page([&backend](const PageRequest& r) { return IndicatorsCsv(backend, r); }));
  s.Get("/chi-so/bao-cao", page([&backend, &settings](const PageRequest& r) {
          return IndicatorsReport(backend, settings, r);
        }));
  s.Get("/ho-so-qua-han", page([&backend](const PageRequest& r) { return OverduePage(backend, r); }));
  s.Get("/ho-so", page([&backend](const PageRequest& r) { return DossierPage(backend, r); }));
  s.Get("/van-hanh", page([&backend](const PageRequest& r) { return OperationsPage(backend, r); }));
  s.Get("/nhat-ky", page([&backend](const PageRequest& r) { return ExchangeLogPage(backend, r); }));
  auto action = page([&backend](const PageRequest& r) { return OperationsAction(backend, r); });
  s.Post("/van-hanh/bo-chuyen-doi", [action](const httplib::Request& request, httplib::Response& out) {
    // A form of another site must not make the browser (which sends the client certificate
    // by itself) steer an adapter: the Origin must be this console's.
    const std::string origin = request.get_header_value("Origin");
    const std::string host = request.get_header_value("Host");
    const bool same_origin = !origin.empty() && !host.empty() &&
                             (origin == "http://" + host || origin == "https://" + host);
    if (!same_origin) {
      out.status = 403;
      out.set_content(RenderPage({"Vận hành cổng liên thông", Page::kNone, ""},
                                 ErrorBox("Thao tác bị từ chối: yêu cầu không đến từ trang của "
                                          "bảng điều khiển (thiếu hoặc sai tiêu đề Origin).")),
                      "text/html; charset=utf-8");
      return;
    }
    action(request, out);
  });
  s.set_error_handler([](const httplib::Request&, httplib::Response& out) {
    if (out.status == 404 && out.body.empty()) {
      out.set_content(RenderPage({"Không tìm thấy trang", Page::kNone, ""},
                                 ErrorBox("Không có trang này. Hãy chọn một mục trên thanh điều hướng.")),
                      "text/html; charset=utf-8");
    }
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& out, std::exception_ptr) {
    out.status = 500;
    out.set_content(RenderPage({"Lỗi", Page::kNone, ""},
                               ErrorBox("Đã có lỗi khi dựng trang; chi tiết ở nhật ký của lienthongd.")),
                    "text/html; charset=utf-8");
  });
}

}  // namespace lienthong::console
