// StandInPortal: a stand-in for the National Public Service Portal's integration API, an HTTP
// server on loopback (cpp-httplib, Debian's libcpp-httplib-dev) for the dvcqg adapter's tests
// and benchmark. It speaks the protocol of docs/dvcqg.md, records every request it receives
// (headers and JSON body), keeps what it was sent per dossier, serves plain HTTP or HTTPS, and
// misbehaves on demand:
// refuses a dossier, loses one, expires the sessions, answers 503 or any canned answer, or
// goes down altogether.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace httplib {
class Server;
}

namespace lienthong::test {

class StandInPortal {
 public:
  // The account the portal accepts.
  struct Account {
    std::string username = "sgddt_qn";
    std::string password = "mat-khau-bi-mat-9f3c";
    std::string dstcode = "H49";
  };
  // One request as received.
  struct Request {
    std::string path;
    std::string dstcode;       // the "dstcode" header
    std::string content_type;  // the "Content-Type" header
    nlohmann::json body;       // null when the body was not JSON
  };

  static constexpr char kAuthPath[] = "/api/auth/login";
  static constexpr char kIntegrationPath[] = "/api/integration";
  // error_code of an integration call made with an unknown or expired session.
  static constexpr int kSessionExpiredCode = 401;

  // With a certificate and key (PEM files), it serves HTTPS.
  struct Tls {
    std::string cert_file;
    std::string key_file;
  };

  StandInPortal() : StandInPortal(Account{}) {}
  explicit StandInPortal(Account account, std::optional<Tls> tls = std::nullopt);
  ~StandInPortal();

  // Listens on 127.0.0.1 (port 0: any free one; after Stop, the same port again).
  absl::Status Start(int port = 0);
  // Stops listening: connections are refused until Start.
  void Stop();
  int port() const { return port_; }
  // "http://127.0.0.1:<port>", or https:// when serving TLS.
  std::string base_url() const;

  // Every integration item whose MaHoSo is `code` is refused with error_code 1 and `message`.
  void Refuse(const std::string& code, const std::string& message);
  void Accept(const std::string& code);
  // Loses dossier `code`: what it was sent of it and its steps (a portal that lost data).
  void Forget(const std::string& code);
  // Forgets every session: the next call with one is answered "session expired".
  void ExpireSessions();
  // While set, every request is answered HTTP 503.
  void SetUnavailable(bool unavailable);
  // While set, every integration call (logins still work) is answered HTTP `status` with `body`
  // as it is, and not processed: a proxy's or a maintenance page's answer.
  void SetCannedAnswer(int status, const std::string& body);
  void ClearCannedAnswer();
  // The next `count` integration calls are processed (stored) as usual, then answered HTTP
  // `status` with an error page after waiting `delay`: the portal acted and its answer was lost
  // (a proxy's 503, or a delay past the client's timeout).
  void LoseAnswers(int count, int status, absl::Duration delay = absl::ZeroDuration());

  std::vector<Request> requests();
  // The integration requests of `service`, in arrival order.
  std::vector<nlohmann::json> Calls(const std::string& service);
  int logins();
  // The newest DongBoHoSoMC object accepted for `code` (null when none), its TrangThaiHoSo
  // moved by the newest CapNhatTienDoHoSoMC step (by ThoiDiemXuLy) accepted since.
  nlohmann::json Dossier(const std::string& code);
  // Dossiers accepted by isUpdating:false / true calls, counted per dossier.
  std::map<std::string, int> creations();
  std::map<std::string, int> updates();
  // CapNhatTienDoHoSoMC objects accepted for `code`, in arrival order.
  std::vector<nlohmann::json> Progress(const std::string& code);
  // Items accepted by all calls together.
  int64_t accepted_items();

 private:
  void Handle(const std::string& path, const std::string& dstcode,
              const std::string& content_type, const std::string& body, int* status,
              std::string* answer, absl::Duration* delay);
  nlohmann::json Integrate(const nlohmann::json& request) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Account account_;
  const std::optional<Tls> tls_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;

  absl::Mutex mu_;
  bool unavailable_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<std::pair<int, std::string>> canned_ ABSL_GUARDED_BY(mu_);
  int lose_answers_ ABSL_GUARDED_BY(mu_) = 0;
  int lost_status_ ABSL_GUARDED_BY(mu_) = 503;
  absl::Duration lost_delay_ ABSL_GUARDED_BY(mu_);
  int next_session_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<std::string> sessions_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> refused_ ABSL_GUARDED_BY(mu_);
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
  int logins_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, nlohmann::json> dossiers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> creations_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> updates_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<nlohmann::json>> progress_ ABSL_GUARDED_BY(mu_);
  int64_t accepted_items_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lienthong::test
