// Nhật ký trao đổi: the exchange-log search (QueryExchangeLog): who touched which record, when,
// with what result; paged, newest first.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/proto_time.h"
#include "services/console/console_pages.h"
#include "services/console/html.h"

namespace lienthong::console {
namespace {

std::string Param(const PageRequest& request, const std::string& key) {
  auto it = request.params.find(key);
  return it == request.params.end() ? "" : it->second;
}

// "2026-11-01" or "2026-11-01T08:30" in Vietnam's time.
absl::StatusOr<absl::Time> LocalTimeParam(const std::string& text, const char* what, bool end) {
  absl::CivilMinute minute;
  absl::CivilDay day;
  if (text.size() == 10 && absl::ParseCivilTime(text, &day)) {
    return absl::FromCivil(end ? day + 1 : day, VietnamTime());
  }
  if (text.size() == 16 && absl::ParseCivilTime(text, &minute)) {
    return absl::FromCivil(minute, VietnamTime());
  }
  return absl::InvalidArgumentError(absl::StrCat(
      what, " không hợp lệ: \"", text, "\" (dạng 2026-11-01 hoặc 2026-11-01T08:30)."));
}

}  // namespace

PageResponse ExchangeLogPage(ConsoleBackend& backend, const PageRequest& request) {
  const char* const kTitle = "Nhật ký trao đổi";
  const std::string member = Param(request, "thanh-vien");
  const std::string method = Param(request, "phuong-thuc");
  const std::string from = Param(request, "tu");
  const std::string to = Param(request, "den");
  const std::string outcome = Param(request, "ket-qua");
  const std::string record = Param(request, "ban-ghi");
  const std::string page = Param(request, "trang");
  auto input = [](const char* name, const char* label, const std::string& value, const char* hint) {
    return absl::StrCat("<label>", label, " <input name=\"", name, "\" id=\"", name, "\" value=\"",
                        Escape(value), "\" placeholder=\"", hint, "\"></label>");
  };
  std::string body = absl::StrCat(
      "<form class=\"filters\" method=\"get\" action=\"/nhat-ky\">",
      input("thanh-vien", "Thành viên", member, "000.00.31.H49"),
      input("phuong-thuc", "Phương thức", method, "/lienthong.v1.DossierService/"),
      input("tu", "Từ", from, "2026-11-01"), input("den", "Đến", to, "2026-11-30"),
      input("ket-qua", "Kết quả", outcome, "OK, ERROR, PERMISSION_DENIED"),
      input("ban-ghi", "Bản ghi", record, "dossier:000.00.31.H49-260201-0001"),
      "<button type=\"submit\">Tìm</button></form>");

  v1::QueryExchangeLogRequest query;
  query.set_member(member);
  query.set_method(method);
  query.set_status(outcome);
  query.set_record(record);
  query.set_page_size(50);
  query.set_page_token(page);
  // Only a bound that was given is set: an empty field means no bound.
  for (const bool is_end : {false, true}) {
    const std::string& text = is_end ? to : from;
    if (text.empty()) continue;
    auto t = LocalTimeParam(text, is_end ? "Thời điểm kết thúc" : "Thời điểm bắt đầu", is_end);
    if (!t.ok()) {
      PageResponse response;
      response.http_status = 400;
      response.body = RenderPage({kTitle, Page::kExchangeLog, request.member},
                                 absl::StrCat(body, ErrorBox(t.status().message())));
      return response;
    }
    ToProtoTimestamp(*t, is_end ? query.mutable_to() : query.mutable_from());
  }
  auto result = backend.QueryExchangeLog(request.member, query);
  if (!result.ok()) {
    PageResponse response = ErrorPage(request.member, kTitle, result.status());
    if (result.status().code() == absl::StatusCode::kInvalidArgument) {
      response.body = RenderPage(
          {kTitle, Page::kExchangeLog, request.member},
          absl::StrCat(body, ErrorBox(absl::StrCat("Điều kiện tìm kiếm không hợp lệ: ",
                                                   result.status().message()))));
    }
    return response;
  }
  Table table;
  table.id = "ket-qua-tim";
  table.header = {"Số", "Lúc", "Thành viên", "Người dùng", "Phương thức", "Kết quả", "Bản ghi",
                  "Mã tương quan", "Byte gửi / nhận"};
  table.empty_text = "Không tìm thấy mục nào khớp trong phần nhật ký đã xem.";
  for (const auto& e : result->entries()) {
    std::string records;
    for (const auto& r : e.records()) {
      absl::StrAppend(&records, records.empty() ? "" : "<br>", "<a href=\"/nhat-ky?ban-ghi=",
                      UrlEncode(r), "\">", Escape(r), "</a>");
    }
    table.rows.push_back({
        absl::StrCat("<td class=\"num\">", e.seq(), "</td>"),
        absl::StrCat("<td>", FormatDateTime(FromProtoTimestamp(e.time())), "</td>"),
        absl::StrCat("<td>", Escape(e.member()), "</td>"),
        absl::StrCat("<td>", Escape(e.end_user()), "</td>"),
        absl::StrCat("<td>", Escape(e.method()), "</td>"),
        absl::StrCat("<td", e.status() == "OK" ? "" : " class=\"bad\"", ">", Escape(e.status()), "</td>"),
        absl::StrCat("<td>", records, "</td>"),
        absl::StrCat("<td>", Escape(e.correlation_id()), "</td>"),
        absl::StrCat("<td class=\"num\">", FormatCount(e.request_bytes()), " / ",
                     FormatCount(e.response_bytes()), "</td>"),
    });
  }
  absl::StrAppend(&body, "<p id=\"so-muc\">", FormatCount(result->entries_size()),
                  " mục (đã xem ", FormatCount(result->examined()), " mục nhật ký).</p>",
                  RenderTable(table));
  if (!result->next_page_token().empty()) {
    std::vector<std::string> params;
    for (const auto& [key, value] : request.params) {
      if (key != "trang") params.push_back(absl::StrCat(UrlEncode(key), "=", UrlEncode(value)));
    }
    params.push_back(absl::StrCat("trang=", UrlEncode(result->next_page_token())));
    absl::StrAppend(&body, "<p><a id=\"trang-sau\" href=\"/nhat-ky?", Escape(absl::StrJoin(params, "&")),
                    "\">Các mục cũ hơn →</a></p>");
  }
  PageResponse response;
  response.body = RenderPage({kTitle, Page::kExchangeLog, request.member}, body);
  return response;
}

PageResponse ErrorPage(const std::string& member, const std::string& title,
                       const absl::Status& status) {
  PageResponse response;
  std::string message;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      response.http_status = 400;
      message = absl::StrCat("Yêu cầu không hợp lệ: ", status.message());
      break;
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      response.http_status = 403;
      message = absl::StrCat("Thành viên ", member, " không có quyền xem trang này (",
                             status.message(), ").");
      break;
    case absl::StatusCode::kNotFound:
      response.http_status = 404;
      message = absl::StrCat("Không tìm thấy: ", status.message());
      break;
    case absl::StatusCode::kFailedPrecondition:
      response.http_status = 409;
      message = std::string(status.message());
      break;
    default:
      response.http_status = 503;
      message = absl::StrCat("Không đọc được dữ liệu lúc này: ", status.message());
  }
  response.body = RenderPage({title, Page::kNone, member}, ErrorBox(message));
  return response;
}

PageResponse HomePage(ConsoleBackend& backend, const PageRequest& request) {
  PageResponse response;
  const std::pair<const char*, const char*> pages[] = {
      {kMethodGetDossierStats, "/chi-so"},
      {kMethodListDossiers, "/ho-so-qua-han"},
      {kMethodGetStatus, "/van-hanh"},
      {kMethodQueryExchangeLog, "/nhat-ky"},
  };
  for (const auto& [method, path] : pages) {
    if (backend.MayCall(request.member, method)) {
      response.redirect = path;
      return response;
    }
  }
  return ErrorPage(request.member, "Bảng điều khiển",
                   absl::PermissionDeniedError("quyền của thành viên không gồm trang nào"));
}

}  // namespace lienthong::console
