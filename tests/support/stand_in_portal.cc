// StandInPortal: the portal's login and integration calls over cpp-httplib.
#include "tests/support/stand_in_portal.h"

#include <httplib.h>

#include <chrono>

#include "absl/strings/str_cat.h"

namespace lienthong::test {
namespace {

nlohmann::json Answer(int error_code, const std::string& message) {
  return {{"error_code", error_code}, {"message", message}};
}

}  // namespace

StandInPortal::StandInPortal(Account account, std::optional<Tls> tls)
    : account_(std::move(account)), tls_(std::move(tls)) {}

StandInPortal::~StandInPortal() { Stop(); }

absl::Status StandInPortal::Start(int port) {
  Stop();
  if (tls_.has_value()) {
    auto server = std::make_unique<httplib::SSLServer>(tls_->cert_file.c_str(),
                                                       tls_->key_file.c_str());
    if (!server->is_valid()) return absl::InvalidArgumentError("stand-in portal: bad TLS files");
    server_ = std::move(server);
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  server_->set_keep_alive_max_count(1000000);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    int status = 200;
    std::string answer;
    absl::Duration delay;
    Handle(req.path, req.get_header_value("dstcode"), req.get_header_value("Content-Type"),
           req.body, &status, &answer, &delay);
    absl::SleepFor(delay);  // outside the lock: the other calls go on meanwhile
    res.status = status;
    res.set_content(answer, "application/json");
  };
  server_->Post(".*", handler);
  if (port == 0) port = port_;
  if (port == 0) {
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ < 0) return absl::UnavailableError("stand-in portal: cannot bind 127.0.0.1");
  } else if (!server_->bind_to_port("127.0.0.1", port)) {
    return absl::UnavailableError(absl::StrCat("stand-in portal: cannot bind port ", port));
  } else {
    port_ = port;
  }
  thread_ = std::thread([server = server_.get()] { server->listen_after_bind(); });
  // The socket listens already; wait for the accept loop so that Stop() cannot come before it.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return absl::OkStatus();
}

void StandInPortal::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

std::string StandInPortal::base_url() const {
  return absl::StrCat(tls_.has_value() ? "https" : "http", "://127.0.0.1:", port_);
}

void StandInPortal::Refuse(const std::string& code, const std::string& message) {
  absl::MutexLock lock(&mu_);
  refused_[code] = message;
}

void StandInPortal::Accept(const std::string& code) {
  absl::MutexLock lock(&mu_);
  refused_.erase(code);
}

void StandInPortal::Forget(const std::string& code) {
  absl::MutexLock lock(&mu_);
  dossiers_.erase(code);
  progress_.erase(code);
}

void StandInPortal::ExpireSessions() {
  absl::MutexLock lock(&mu_);
  sessions_.clear();
}

void StandInPortal::SetUnavailable(bool unavailable) {
  absl::MutexLock lock(&mu_);
  unavailable_ = unavailable;
}

void StandInPortal::SetCannedAnswer(int status, const std::string& body) {
  absl::MutexLock lock(&mu_);
  canned_.emplace(status, body);
}

void StandInPortal::ClearCannedAnswer() {
  absl::MutexLock lock(&mu_);
  canned_.reset();
}

void StandInPortal::LoseAnswers(int count, int status, absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  lose_answers_ = count;
  lost_status_ = status;
  lost_delay_ = delay;
}

void StandInPortal::Handle(const std::string& path, const std::string& dstcode,
                           const std::string& content_type, const std::string& body, int* status,
                           std::string* answer, absl::Duration* delay) {
  absl::MutexLock lock(&mu_);
  Request parsed{path, dstcode, content_type, nlohmann::json::parse(body, nullptr, false)};
  if (parsed.body.is_discarded()) parsed.body = nullptr;
  requests_.push_back(std::move(parsed));  // recorded as received, kept without a copy
  const Request& request = requests_.back();
  if (unavailable_) {
    *status = 503;
    *answer = "<html>Service Unavailable</html>";
    return;
  }
  if (dstcode != account_.dstcode) {
    *answer = Answer(2, "dstcode không hợp lệ").dump();
    return;
  }
  if (!request.body.is_object()) {
    *status = 400;
    *answer = Answer(3, "Dữ liệu không phải JSON").dump();
    return;
  }
  if (path == kAuthPath) {
    ++logins_;
    if (request.body.value("username", "") != account_.username ||
        request.body.value("password", "") != account_.password) {
      *answer = Answer(4, "Sai tên đăng nhập hoặc mật khẩu").dump();
      return;
    }
    const std::string session = absl::StrCat("phien-", ++next_session_);
    sessions_.insert(session);
    *answer = nlohmann::json{{"error_code", 0}, {"message", "OK"}, {"session", session}}.dump();
    return;
  }
  if (path != kIntegrationPath) {
    *status = 404;
    *answer = Answer(404, "Không tìm thấy").dump();
    return;
  }
  if (canned_.has_value()) {
    *status = canned_->first;
    *answer = canned_->second;
    return;
  }
  *answer = Integrate(request.body).dump();
  if (lose_answers_ > 0) {
    --lose_answers_;
    *status = lost_status_;
    *answer = "<html>Gateway Timeout</html>";
    *delay = lost_delay_;
  }
}

nlohmann::json StandInPortal::Integrate(const nlohmann::json& request) {
  if (sessions_.count(request.value("session", "")) == 0) {
    return Answer(kSessionExpiredCode, "Phiên làm việc đã hết hạn");
  }
  const std::string service = request.value("service", "");
  if (service != "DongBoHoSoMC" && service != "CapNhatTienDoHoSoMC") {
    return Answer(5, absl::StrCat("Dịch vụ không hỗ trợ: ", service));
  }
  if (!request.contains("data") || !request["data"].is_array()) {
    return Answer(6, "Thiếu data");
  }
  // The whole call is refused when one item is (as the portal answers one error_code per call).
  for (const auto& item : request["data"]) {
    auto refused = refused_.find(item.value("MaHoSo", ""));
    if (refused != refused_.end()) return Answer(1, refused->second);
  }
  for (const auto& item : request["data"]) {
    const std::string code = item.value("MaHoSo", "");
    if (service == "CapNhatTienDoHoSoMC") {
      // A step moves the dossier's status at the portal too, unless a later step is known (the
      // portal orders steps by their time; yyyyMMddHHmmss compares as text).
      const std::string at = item.value("ThoiDiemXuLy", "");
      bool latest = true;
      for (const auto& known : progress_[code]) latest &= known.value("ThoiDiemXuLy", "") <= at;
      progress_[code].push_back(item);
      auto dossier = dossiers_.find(code);
      if (latest && dossier != dossiers_.end()) {
        dossier->second["TrangThaiHoSo"] = item["TrangThai"];
      }
    } else {
      dossiers_[code] = item;
      ++(request.value("isUpdating", false) ? updates_ : creations_)[code];
    }
    ++accepted_items_;
  }
  return Answer(0, "Thành công");
}

std::vector<StandInPortal::Request> StandInPortal::requests() {
  absl::MutexLock lock(&mu_);
  return requests_;
}

std::vector<nlohmann::json> StandInPortal::Calls(const std::string& service) {
  absl::MutexLock lock(&mu_);
  std::vector<nlohmann::json> calls;
  for (const auto& request : requests_) {
    if (request.path == kIntegrationPath && request.body.is_object() &&
        request.body.value("service", "") == service) {
      calls.push_back(request.body);
    }
  }
  return calls;
}

int StandInPortal::logins() {
  absl::MutexLock lock(&mu_);
  return logins_;
}

nlohmann::json StandInPortal::Dossier(const std::string& code) {
  absl::MutexLock lock(&mu_);
  auto it = dossiers_.find(code);
  return it == dossiers_.end() ? nlohmann::json() : it->second;
}

std::map<std::string, int> StandInPortal::creations() {
  absl::MutexLock lock(&mu_);
  return creations_;
}

std::map<std::string, int> StandInPortal::updates() {
  absl::MutexLock lock(&mu_);
  return updates_;
}

std::vector<nlohmann::json> StandInPortal::Progress(const std::string& code) {
  absl::MutexLock lock(&mu_);
  auto it = progress_.find(code);
  return it == progress_.end() ? std::vector<nlohmann::json>{} : it->second;
}

int64_t StandInPortal::accepted_items() {
  absl::MutexLock lock(&mu_);
  return accepted_items_;
}

}  // namespace lienthong::test
