// Hồ sơ quá hạn: dossiers overdue or due within N working days, by agency and procedure, each
// linking to its processing history (Ho so: the steps, who, when, on time or late).
#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
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

const char* StatusName(int status) {
  static const char* const kNames[] = {"",
                                       "Mới đăng ký",
                                       "Được tiếp nhận",
                                       "Không được tiếp nhận",
                                       "Đang xử lý",
                                       "Yêu cầu bổ sung giấy tờ",
                                       "Yêu cầu thực hiện nghĩa vụ tài chính",
                                       "Công dân yêu cầu rút hồ sơ",
                                       "Dừng xử lý",
                                       "Đã xử lý xong",
                                       "Đã trả kết quả"};
  return status >= 1 && status <= 10 ? kNames[status] : "Không rõ";
}

const char* TimelinessName(v1::StepTimeliness timeliness) {
  switch (timeliness) {
    case v1::STEP_TIMELINESS_EARLY: return "Trước hạn";
    case v1::STEP_TIMELINESS_ON_TIME: return "Đúng hạn";
    case v1::STEP_TIMELINESS_LATE: return "<span class=\"bad\">Quá hạn</span>";
    default: return "–";
  }
}

// The rule's due time: the original one when an extension moved due_at.
absl::Time RuleDueAt(const v1::Dossier& d) {
  return FromProtoTimestamp(d.has_original_due_at() ? d.original_due_at() : d.due_at());
}

constexpr int kMaxListed = 1000;  // a page lists at most this many dossiers (it says when more)

}  // namespace

PageResponse OverduePage(ConsoleBackend& backend, const PageRequest& request) {
  const char* const kTitle = "Hồ sơ quá hạn và sắp đến hạn";
  // ngay=N: also those due within N working days (0: overdue only); 3 when not given.
  int within = 3;
  const std::string within_text = Param(request, "ngay");
  if (!within_text.empty() && (!absl::SimpleAtoi(within_text, &within) || within < 0 || within > 30)) {
    return ErrorPage(request.member, kTitle,
                     absl::InvalidArgumentError(absl::StrCat(
                         "Số ngày làm việc phải là số từ 0 đến 30 (đã nhận \"", within_text, "\").")));
  }
  const std::string agency = Param(request, "co-quan");
  const std::string procedure = Param(request, "thu-tuc");
  v1::ListDossiersRequest list;
  list.set_agency_code(agency);
  list.set_procedure_code(procedure);
  const absl::Time due_before =
      within == 0 ? request.now : backend.AddWorkingDays(request.now, within);
  ToProtoTimestamp(due_before, list.mutable_due_before());
  list.set_page_size(500);
  std::vector<v1::Dossier> dossiers;
  bool more = false;
  for (;;) {
    auto page = backend.ListDossiers(request.member, list);
    if (!page.ok()) {
      absl::Status status = page.status();
      if (status.code() == absl::StatusCode::kInvalidArgument && !agency.empty()) {
        status = absl::InvalidArgumentError(absl::StrCat(
            "Mã cơ quan hoặc mã thủ tục không hợp lệ: ", status.message()));
      }
      return ErrorPage(request.member, kTitle, status);
    }
    for (auto& d : *page->mutable_dossiers()) dossiers.push_back(std::move(d));
    if (page->next_page_token().empty()) break;
    if (static_cast<int>(dossiers.size()) >= kMaxListed) {
      more = true;
      break;
    }
    list.set_page_token(page->next_page_token());
  }
  std::sort(dossiers.begin(), dossiers.end(), [](const v1::Dossier& a, const v1::Dossier& b) {
    return RuleDueAt(a) < RuleDueAt(b);
  });
  // Counts by agency and by procedure: overdue / due soon.
  std::map<std::string, std::pair<int64_t, int64_t>> by_agency, by_procedure;
  int64_t overdue = 0;
  Table table;
  table.id = "danh-sach";
  table.header = {"Mã hồ sơ", "Thủ tục", "Cơ quan tiếp nhận", "Trạng thái", "Ngày tiếp nhận",
                  "Hạn giải quyết", "Tình trạng"};
  table.empty_text = "Không có hồ sơ quá hạn hoặc sắp đến hạn.";
  for (const v1::Dossier& d : dossiers) {
    const absl::Time due = RuleDueAt(d);
    const bool late = due < request.now;
    overdue += late;
    auto& a = by_agency[d.receiving_agency_code()];
    auto& p = by_procedure[d.procedure_code()];
    (late ? a.first : a.second)++;
    (late ? p.first : p.second)++;
    const int64_t days = static_cast<int64_t>(absl::ToDoubleHours(
                             late ? request.now - due : due - request.now) / 24);
    table.rows.push_back({
        absl::StrCat("<td><a href=\"/ho-so?ma=", UrlEncode(d.code()), "\">", Escape(d.code()),
                     "</a></td>"),
        absl::StrCat("<td>", Escape(d.procedure_code()), " ", Escape(d.procedure_name()), "</td>"),
        absl::StrCat("<td>", Escape(d.receiving_agency_code()), "</td>"),
        absl::StrCat("<td>", StatusName(d.status()), "</td>"),
        absl::StrCat("<td>", FormatDateTime(FromProtoTimestamp(d.received_at())), "</td>"),
        absl::StrCat("<td>", FormatDateTime(due), "</td>"),
        late ? absl::StrCat("<td class=\"bad\">Quá hạn ", days, " ngày</td>")
             : absl::StrCat("<td>Còn ", days, " ngày</td>"),
    });
  }
  auto count_table = [](const std::string& id, const std::string& first,
                        const std::map<std::string, std::pair<int64_t, int64_t>>& counts) {
    Table t;
    t.id = id;
    t.header = {first, "Quá hạn", "Sắp đến hạn"};
    for (const auto& [key, c] : counts) {
      t.rows.push_back({absl::StrCat("<td>", Escape(key), "</td>"),
                        absl::StrCat("<td class=\"num\">", FormatCount(c.first), "</td>"),
                        absl::StrCat("<td class=\"num\">", FormatCount(c.second), "</td>")});
    }
    return RenderTable(t);
  };
  std::string body = absl::StrCat(
      "<form class=\"filters\" method=\"get\" action=\"/ho-so-qua-han\"><label>Cơ quan <input "
      "name=\"co-quan\" id=\"co-quan\" value=\"",
      Escape(agency), "\"></label><label>Thủ tục <input name=\"thu-tuc\" id=\"thu-tuc\" value=\"",
      Escape(procedure),
      "\"></label><label>Sắp đến hạn trong <input name=\"ngay\" id=\"ngay\" size=\"2\" value=\"",
      within, "\"> ngày làm việc</label><button type=\"submit\">Xem</button></form>",
      "<p id=\"tong-so\">Quá hạn: <b class=\"bad\">", FormatCount(overdue), "</b> · Sắp đến hạn: <b>",
      FormatCount(static_cast<int64_t>(dossiers.size()) - overdue), "</b> (tính đến ",
      FormatDateTime(request.now), ")</p>",
      more ? absl::StrCat("<div class=\"notice\" id=\"chua-du\">Có hơn ", kMaxListed,
                          " hồ sơ: chỉ ", kMaxListed, " hồ sơ đầu tiên (theo ngày tiếp nhận) được "
                          "liệt kê và đếm ở đây; hãy lọc theo cơ quan hoặc thủ tục.</div>")
           : "",
      "<h2>Theo cơ quan</h2>", count_table("theo-co-quan", "Cơ quan", by_agency),
      "<h2>Theo thủ tục</h2>", count_table("theo-thu-tuc", "Thủ tục", by_procedure),
      "<h2>Danh sách hồ sơ</h2>", RenderTable(table));
  PageResponse response;
  response.body = RenderPage({kTitle, Page::kOverdue, request.member}, body);
  return response;
}

PageResponse DossierPage(ConsoleBackend& backend, const PageRequest& request) {
  const char* const kTitle = "Phiếu kiểm soát quá trình giải quyết hồ sơ";
  const std::string code = Param(request, "ma");
  if (code.empty()) {
    return ErrorPage(request.member, kTitle,
                     absl::InvalidArgumentError("Thiếu mã hồ sơ (tham số ma)."));
  }
  v1::GetDossierRequest get;
  get.set_code(code);
  auto dossier = backend.GetDossier(request.member, get);
  if (!dossier.ok()) return ErrorPage(request.member, kTitle, dossier.status());
  const v1::Dossier& d = *dossier;
  Table facts;
  facts.id = "thong-tin";
  facts.header = {"Thông tin", "Giá trị"};
  auto fact = [&](const char* label, const std::string& value) {
    facts.rows.push_back({absl::StrCat("<td>", label, "</td>"), absl::StrCat("<td>", value, "</td>")});
  };
  fact("Mã hồ sơ", Escape(d.code()));
  fact("Thủ tục", absl::StrCat(Escape(d.procedure_code()), " ", Escape(d.procedure_name())));
  fact("Cơ quan tiếp nhận", Escape(d.receiving_agency_code()));
  fact("Cơ quan giải quyết", Escape(d.handling_agency_code()));
  fact("Trạng thái", StatusName(d.status()));
  fact("Ngày tiếp nhận", FormatDateTime(FromProtoTimestamp(d.received_at())));
  fact("Hạn giải quyết", FormatDateTime(RuleDueAt(d)));
  if (d.has_finished_at()) fact("Ngày có kết quả", FormatDateTime(FromProtoTimestamp(d.finished_at())));
  Table steps;
  steps.id = "qua-trinh";
  steps.header = {"Bước", "Từ trạng thái", "Sang trạng thái", "Đơn vị chuyển", "Đơn vị nhận",
                  "Thời gian", "Người xử lý", "Nội dung", "Hạn bước", "Kết quả"};
  steps.empty_text = "Chưa có bước xử lý nào.";
  for (const v1::ProcessingStep& step : d.history()) {
    steps.rows.push_back({
        absl::StrCat("<td class=\"num\">", step.sequence(), "</td>"),
        absl::StrCat("<td>", StatusName(step.from_status()), "</td>"),
        absl::StrCat("<td>", StatusName(step.to_status()), "</td>"),
        absl::StrCat("<td>", Escape(step.from_unit()), "</td>"),
        absl::StrCat("<td>", Escape(step.to_unit()), "</td>"),
        absl::StrCat("<td>", FormatDateTime(FromProtoTimestamp(step.at())), "</td>"),
        absl::StrCat("<td>", Escape(step.handler()), "</td>"),
        absl::StrCat("<td>", Escape(step.content()), "</td>"),
        absl::StrCat("<td>",
                     step.has_step_due_at() ? FormatDateTime(FromProtoTimestamp(step.step_due_at()))
                                            : "–",
                     "</td>"),
        absl::StrCat("<td>", TimelinessName(step.timeliness()), "</td>"),
    });
  }
  std::string body = absl::StrCat(RenderTable(facts), "<h2>Quá trình xử lý</h2>", RenderTable(steps),
                                  "<p><a href=\"/nhat-ky?ban-ghi=", UrlEncode("dossier:" + d.code()),
                                  "\">Nhật ký trao đổi của hồ sơ này</a></p>");
  PageResponse response;
  response.body = RenderPage({kTitle, Page::kOverdue, request.member}, body);
  return response;
}

}  // namespace lienthong::console
