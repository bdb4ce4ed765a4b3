// Vận hành: health, version, store, head cursor; subscriptions with their lag; adapters with
// state, lag, last error and dead letters (pause, resume, replay for members allowed them);
// certificates in force with days left; recent refusals from the exchange log.
#include "absl/strings/str_cat.h"
#include "services/common/proto_time.h"
#include "services/console/console_pages.h"
#include "services/console/html.h"

namespace lienthong::console {
namespace {

std::string Param(const PageRequest& request, const std::string& key) {
  auto it = request.params.find(key);
  return it == request.params.end() ? "" : it->second;
}

std::string Cell(const std::string& html) { return absl::StrCat("<td>", html, "</td>"); }
std::string NumCell(int64_t n) { return absl::StrCat("<td class=\"num\">", FormatCount(n), "</td>"); }

const char* AdapterStateName(const std::string& state) {
  if (state == "running") return "Đang chạy";
  if (state == "paused") return "Tạm dừng";
  if (state == "backing_off") return "Đang chờ thử lại";
  if (state == "stopped_on_error") return "Dừng do lỗi";
  if (state == "standby") return "Dự phòng (bản sao khác chạy)";
  return "Không rõ";
}

std::string ActionButton(const std::string& adapter, const char* action, const char* label) {
  return absl::StrCat("<form method=\"post\" action=\"/van-hanh/bo-chuyen-doi\" style=\"display:inline\">"
                      "<input type=\"hidden\" name=\"bo-chuyen-doi\" value=\"", Escape(adapter),
                      "\"><input type=\"hidden\" name=\"hanh-dong\" value=\"", action,
                      "\"><button type=\"submit\" id=\"", action, "-", Escape(adapter), "\">", label,
                      "</button></form> ");
}

}  // namespace

PageResponse OperationsPage(ConsoleBackend& backend, const PageRequest& request) {
  const char* const kTitle = "Vận hành cổng liên thông";
  auto status = backend.GetStatus(request.member);
  if (!status.ok()) return ErrorPage(request.member, kTitle, status.status());
  std::string body;
  const std::string notice = Param(request, "thong-bao");
  const std::string failure = Param(request, "loi");
  if (!notice.empty()) absl::StrAppend(&body, "<div class=\"notice\" id=\"thong-bao\">", Escape(notice), "</div>");
  if (!failure.empty()) absl::StrAppend(&body, ErrorBox(failure));

  Table summary;
  summary.id = "tinh-trang";
  summary.header = {"Mục", "Giá trị"};
  auto row = [&](const char* label, const std::string& value) {
    summary.rows.push_back({Cell(label), Cell(value)});
  };
  row("Tình trạng", "<span class=\"good\" id=\"suc-khoe\">Đang phục vụ</span>");
  row("Phiên bản", Escape(status->version()));
  row("Khởi động lúc", FormatDateTime(FromProtoTimestamp(status->started_at())));
  row("Kho dữ liệu", Escape(status->store()));
  row("Con trỏ mới nhất", absl::StrCat("<code id=\"con-tro\">", Escape(status->head_cursor()), "</code>"));
  row("Bản sao", Escape(status->replica()));
  row("Tệp cấu hình", absl::StrCat(status->config_file().empty() ? "không có (cấu hình truyền trực tiếp)"
                                                                : Escape(status->config_file()),
                                    " (nạp lúc ",
                                    FormatDateTime(FromProtoTimestamp(status->config_loaded_at())), ")"));
  absl::StrAppend(&body, RenderTable(summary));

  Table subscriptions;
  subscriptions.id = "dang-ky-nhan";
  subscriptions.header = {"Thành viên", "Tên đăng ký", "Con trỏ đã xác nhận", "Độ trễ (sự kiện)",
                          "Độ trễ (giây)", "Ghi chú"};
  subscriptions.empty_text = "Chưa có đăng ký nhận thay đổi nào.";
  for (const auto& s : status->subscriptions()) {
    subscriptions.rows.push_back({Cell(Escape(s.member())), Cell(Escape(s.name())),
                                  Cell(absl::StrCat("<code>", Escape(s.acknowledged_cursor()), "</code>")),
                                  NumCell(s.lag_events()),
                                  absl::StrCat("<td class=\"num\">", FormatDecimal(s.lag_seconds(), 1), "</td>"),
                                  Cell(s.expired() ? "<span class=\"bad\">Đã quá hạn lưu giữ</span>" : "")});
  }
  absl::StrAppend(&body, "<h2>Đăng ký nhận thay đổi</h2>", RenderTable(subscriptions));

  const bool may_pause = backend.MayCall(request.member, kMethodPauseAdapter);
  const bool may_resume = backend.MayCall(request.member, kMethodResumeAdapter);
  const bool may_replay = backend.MayCall(request.member, kMethodReplayDeadLetters);
  Table adapters;
  adapters.id = "bo-chuyen-doi";
  adapters.header = {"Bộ chuyển đổi", "Loại", "Trạng thái", "Độ trễ (sự kiện)", "Thư chết",
                     "Lỗi gần nhất", "Bản sao chạy", "Thao tác"};
  adapters.empty_text = "Không có bộ chuyển đổi nào được cấu hình.";
  for (const auto& a : status->adapters()) {
    std::string actions;
    if (may_pause && a.state() != "paused") actions += ActionButton(a.name(), "tam-dung", "Tạm dừng");
    if (may_resume && a.state() == "paused") actions += ActionButton(a.name(), "tiep-tuc", "Tiếp tục");
    if (may_replay && a.dead_letters() > 0) actions += ActionButton(a.name(), "gui-lai", "Gửi lại thư chết");
    adapters.rows.push_back({Cell(Escape(a.name())), Cell(Escape(a.kind())),
                             Cell(AdapterStateName(a.state())), NumCell(a.lag_events()),
                             absl::StrCat("<td class=\"num", a.dead_letters() > 0 ? " bad" : "", "\">",
                                          FormatCount(a.dead_letters()), "</td>"),
                             Cell(Escape(a.last_error())), Cell(Escape(a.holder())), Cell(actions)});
  }
  absl::StrAppend(&body, "<h2>Bộ chuyển đổi (adapter)</h2>", RenderTable(adapters));

  if (backend.MayCall(request.member, kMethodListDeadLetters)) {
    v1::ListDeadLettersRequest dead_request;
    dead_request.set_page_size(50);
    auto dead = backend.ListDeadLetters(request.member, dead_request);
    Table letters;
    letters.id = "thu-chet";
    letters.header = {"Mã", "Bộ chuyển đổi", "Con trỏ", "Sự kiện", "Số lần thử", "Lỗi", "Lúc"};
    letters.empty_text = "Không có thư chết.";
    if (dead.ok()) {
      for (const auto& d : dead->dead_letters()) {
        letters.rows.push_back({NumCell(d.id()), Cell(Escape(d.adapter())),
                                Cell(absl::StrCat("<code>", Escape(d.cursor()), "</code>")),
                                Cell(Escape(d.event_id())), NumCell(d.attempts()),
                                Cell(Escape(d.last_error())),
                                Cell(FormatDateTime(FromProtoTimestamp(d.dead_lettered_at())))});
      }
      absl::StrAppend(&body, "<h2>Thư chết (50 mới nhất)</h2>", RenderTable(letters));
    } else {
      absl::StrAppend(&body, "<h2>Thư chết</h2>", ErrorBox(dead.status().message()));
    }
  }

  if (backend.MayCall(request.member, kMethodListCertificates)) {
    auto certificates = backend.ListCertificates(request.member);
    Table certs;
    certs.id = "chung-thu";
    certs.header = {"Vai trò", "Chủ thể", "Số sê-ri", "Hiệu lực đến", "Còn lại (ngày)"};
    if (certificates.ok()) {
      for (const auto& c : certificates->certificates()) {
        certs.rows.push_back({Cell(Escape(c.role())), Cell(Escape(c.subject())),
                              Cell(absl::StrCat("<code>", Escape(c.serial()), "</code>")),
                              Cell(FormatDate(FromProtoTimestamp(c.not_after()))),
                              absl::StrCat("<td class=\"num", c.days_left() < 30 ? " bad" : "",
                                           "\">", FormatCount(c.days_left()), "</td>")});
      }
      absl::StrAppend(&body, "<h2>Chứng thư số đang dùng</h2>", RenderTable(certs));
    } else {
      absl::StrAppend(&body, "<h2>Chứng thư số đang dùng</h2>", ErrorBox(certificates.status().message()));
    }
  }

  if (backend.MayCall(request.member, kMethodQueryExchangeLog)) {
    v1::QueryExchangeLogRequest refusals;
    refusals.set_status("ERROR");
    refusals.set_page_size(20);
    auto log = backend.QueryExchangeLog(request.member, refusals);
    Table table;
    table.id = "tu-choi";
    table.header = {"Lúc", "Thành viên", "Phương thức", "Kết quả", "Bản ghi"};
    table.empty_text = "Không có lần từ chối nào gần đây.";
    if (log.ok()) {
      for (const auto& e : log->entries()) {
        std::string records;
        for (const auto& r : e.records()) absl::StrAppend(&records, records.empty() ? "" : "<br>", Escape(r));
        table.rows.push_back({Cell(FormatDateTime(FromProtoTimestamp(e.time()))), Cell(Escape(e.member())),
                              Cell(Escape(e.method())), Cell(absl::StrCat("<span class=\"bad\">", Escape(e.status()), "</span>")),
                              Cell(records)});
      }
      absl::StrAppend(&body, "<h2>Các lần từ chối gần đây</h2>", RenderTable(table),
                      "<p><a href=\"/nhat-ky?ket-qua=ERROR\">Xem tất cả trong nhật ký trao đổi</a></p>");
    } else {
      absl::StrAppend(&body, "<h2>Các lần từ chối gần đây</h2>", ErrorBox(log.status().message()));
    }
  }
  PageResponse response;
  response.body = RenderPage({kTitle, Page::kOperations, request.member}, body);
  return response;
}

PageResponse OperationsAction(ConsoleBackend& backend, const PageRequest& request) {
  const std::string adapter = Param(request, "bo-chuyen-doi");
  const std::string action = Param(request, "hanh-dong");
  absl::Status outcome;
  std::string done;
  if (adapter.empty()) {
    outcome = absl::InvalidArgumentError("Thiếu tên bộ chuyển đổi.");
  } else if (action == "tam-dung") {
    outcome = backend.PauseAdapter(request.member, adapter).status();
    done = absl::StrCat("Đã tạm dừng bộ chuyển đổi ", adapter, ".");
  } else if (action == "tiep-tuc") {
    outcome = backend.ResumeAdapter(request.member, adapter).status();
    done = absl::StrCat("Đã cho bộ chuyển đổi ", adapter, " chạy tiếp.");
  } else if (action == "gui-lai") {
    v1::ReplayDeadLettersRequest replay;
    replay.set_adapter(adapter);
    auto replayed = backend.ReplayDeadLetters(request.member, replay);
    outcome = replayed.status();
    if (replayed.ok()) done = absl::StrCat("Đã gửi lại ", FormatCount(*replayed), " thư chết của ", adapter, ".");
  } else {
    outcome = absl::InvalidArgumentError(absl::StrCat("Thao tác không hợp lệ: \"", action, "\"."));
  }
  PageResponse response;
  if (outcome.code() == absl::StatusCode::kPermissionDenied) {
    return ErrorPage(request.member, "Vận hành cổng liên thông", outcome);
  }
  // Post/redirect/get: a reload of the page does not repeat the action.
  response.redirect = outcome.ok() ? absl::StrCat("/van-hanh?thong-bao=", UrlEncode(done))
                                   : absl::StrCat("/van-hanh?loi=", UrlEncode(std::string(outcome.message())));
  return response;
}

}  // namespace lienthong::console
