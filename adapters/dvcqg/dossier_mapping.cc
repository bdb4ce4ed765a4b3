// The dossier -> portal field mapping (docs/dvcqg.md, "Field mapping").
#include "adapters/dvcqg/dossier_mapping.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/dvcqg/portal_time.h"

namespace lienthong::adapters::dvcqg {
namespace {

// Shorthand for an optional record timestamp field: "" when unset.
#define LT_PORTAL_TIME(message, field) PortalTime((message).field(), (message).has_##field())

// LoaiDoiTuong: "1" a citizen, "2" a business or other organisation.
std::string ApplicantKindCode(v1::ApplicantKind kind) {
  return kind == v1::APPLICANT_KIND_CITIZEN || kind == v1::APPLICANT_KIND_UNSPECIFIED ? "1" : "2";
}

// ThongTinTra: how the result is handed back, in words.
std::string ResultDeliveryText(v1::ResultDelivery delivery) {
  switch (delivery) {
    case v1::RESULT_DELIVERY_AT_DESK:
      return "Nhận kết quả tại Bộ phận Một cửa";
    case v1::RESULT_DELIVERY_POSTAL:
      return "Nhận kết quả qua dịch vụ bưu chính công ích";
    case v1::RESULT_DELIVERY_ONLINE:
      return "Nhận kết quả trực tuyến";
    default:
      return "";
  }
}

// ThongTinKhac: the receipt number and the authorised representative, when there is one.
std::string OtherInformation(const v1::Dossier& dossier) {
  std::string text;
  if (!dossier.receipt_number().empty()) {
    absl::StrAppend(&text, "Số biên nhận: ", dossier.receipt_number());
  }
  const v1::Representative& rep = dossier.applicant().representative();
  if (!rep.full_name().empty()) {
    absl::StrAppend(&text, text.empty() ? "" : "; ", "Người được ủy quyền: ", rep.full_name());
    if (!rep.id_number().empty()) absl::StrAppend(&text, " (", rep.id_number(), ")");
  }
  return text;
}

// GhiChu: why a dossier ended without a result (refused, withdrawn, stopped): the content of
// the step that ended it.
std::string Note(const v1::Dossier& dossier) {
  const v1::DossierStatus status = dossier.status();
  if (status != v1::DOSSIER_STATUS_REFUSED_AT_INTAKE && status != v1::DOSSIER_STATUS_WITHDRAWN &&
      status != v1::DOSSIER_STATUS_PROCESSING_STOPPED) {
    return "";
  }
  if (dossier.history().empty()) return "";
  return dossier.history(dossier.history_size() - 1).content();
}

// The handler of the step that moved the dossier to `to` at `at` ("" when none did).
std::string HandlerOfStepAt(const v1::Dossier& dossier, v1::DossierStatus to,
                            const google::protobuf::Timestamp& at) {
  for (const auto& step : dossier.history()) {
    if (step.to_status() == to && step.at().seconds() == at.seconds()) return step.handler();
  }
  return "";
}

PortalJson Attachments(const v1::Dossier& dossier) {
  PortalJson list = PortalJson::array();
  for (const v1::Attachment& file : dossier.attachments()) {
    list.push_back({{"TepDinhKemId", file.sha256()},
                    {"TenTepDinhKem", file.name()},
                    {"IsDeleted", false},
                    {"MaThanhPhanHoSo", file.component_code()},
                    {"DuongDanTaiTepTin", file.uri()}});
  }
  return list;
}

// LoaiPhiLePhi: "2" a charge (lệ phí), "1" a fee (phí), told apart by the description the
// one-stop system gives. HinhThucThu: "2" paid online, "1" at the desk.
PortalJson Fees(const v1::Dossier& dossier) {
  PortalJson list = PortalJson::array();
  for (const v1::Fee& fee : dossier.fees()) {
    const bool charge = absl::StartsWithIgnoreCase(fee.description(), "Lệ phí");
    list.push_back({{"TenPhiLePhi", fee.description()},
                    {"MaPhiLePhi", ""},
                    {"HinhThucThu", fee.paid_online() ? "2" : "1"},
                    {"Gia", fee.amount().amount_vnd()},
                    {"LoaiPhiLePhi", charge ? "2" : "1"}});
  }
  return list;
}

PortalJson Supplements(const v1::Dossier& dossier) {
  PortalJson list = PortalJson::array();
  for (int i = 0; i < dossier.supplements_size(); ++i) {
    const v1::Supplement& s = dossier.supplements(i);
    const bool supplied = s.has_supplied_at();
    const bool last = i + 1 == dossier.supplements_size();
    list.push_back(
        {{"HoSoBoSungId", absl::StrCat(dossier.code(), "-BS", i + 1)},
         {"NguoiYeuCauBoSung",
          HandlerOfStepAt(dossier, v1::DOSSIER_STATUS_SUPPLEMENT_REQUESTED, s.requested_at())},
         {"NoiDungBoSung", s.requested_content()},
         {"NgayBoSung", LT_PORTAL_TIME(s, requested_at)},
         {"NguoiTiepNhanBoSung",
          supplied ? HandlerOfStepAt(dossier, v1::DOSSIER_STATUS_IN_PROCESS, s.supplied_at())
                   : ""},
         {"ThongTinTiepNhan", supplied ? "Đã nhận hồ sơ bổ sung" : ""},
         {"NgayTiepNhanBoSung", LT_PORTAL_TIME(s, supplied_at)},
         {"TrangThaiBoSung", supplied ? 1 : 0},
         {"DanhSachGiayToBoSung", PortalJson::array()},
         {"DanhSachLePhiBoSung", PortalJson::array()},
         // The due date before and after the clock restarted: known for the latest supplement.
         {"NgayHenTraTruoc", last && supplied ? LT_PORTAL_TIME(dossier, original_due_at) : ""},
         {"NgayHenTraMoi", last && supplied ? LT_PORTAL_TIME(dossier, due_at) : ""}});
  }
  return list;
}

PortalJson Results(const v1::Dossier& dossier) {
  PortalJson list = PortalJson::array();
  for (const v1::Result& result : dossier.results()) {
    list.push_back({{"TenGiayTo", result.name()},
                    {"MaThanhPhanHoSo", ""},
                    {"GiayToId", result.document_number()},
                    {"DuongDanTepTinKetQua", result.uri()}});
  }
  return list;
}

}  // namespace

std::string PortalCodes::ProcedureCode(const std::string& local) const {
  auto it = procedure_codes.find(local);
  return it == procedure_codes.end() ? local : it->second;
}

std::string PortalCodes::StatusCode(v1::DossierStatus status) const {
  auto it = status_codes.find(static_cast<uint32_t>(status));
  return it == status_codes.end() ? absl::StrCat(static_cast<int>(status)) : it->second;
}

PortalJson DossierObject(const v1::Dossier& d, const PortalCodes& codes) {
  const v1::Applicant& applicant = d.applicant();
  PortalJson object = {
      {"MaHoSo", d.code()},
      {"MaTTHC", codes.ProcedureCode(d.procedure_code())},
      {"TenTTHC", d.procedure_name()},
      {"MaLinhVuc", d.field_code()},
      {"TenLinhVuc", ""},  // lienthong keeps the field's code only (LayThuTuc has the name)
      {"ChuHoSo", applicant.full_name()},
      {"LoaiDoiTuong", ApplicantKindCode(applicant.kind())},
      {"MaDoiTuong", applicant.id_number()},
      {"ThongTinKhac", OtherInformation(d)},
      {"Email", applicant.email()},
      {"Fax", ""},  // not kept by lienthong
      {"SoDienThoai", applicant.phone()},
      {"TrichYeuHoSo", d.summary()},
      {"NgayTiepNhan", LT_PORTAL_TIME(d, received_at)},
      {"NgayHenTra", LT_PORTAL_TIME(d, due_at)},
      {"TrangThaiHoSo", codes.StatusCode(d.status())},
      {"NgayTra", LT_PORTAL_TIME(d, returned_at)},
      {"ThongTinTra", ResultDeliveryText(d.result_delivery())},
      {"HinhThuc", absl::StrCat(static_cast<int>(d.channel()))},
      {"NgayKetThucXuLy", LT_PORTAL_TIME(d, finished_at)},
      {"DonViXuLy", d.handling_agency_code()},
      {"GhiChu", Note(d)},
      {"TaiLieuNop", Attachments(d)},
      {"DanhSachLePhi", Fees(d)},
      {"DanhSachTepDinhKemKhac", PortalJson::array()},
      {"DanhSachHoSoBoSung", Supplements(d)},
      {"DanhSachGiayToKetQua", Results(d)},
  };
  return object;
}

PortalJson ProgressObject(const v1::Dossier& d, int index, const PortalCodes& codes) {
  const v1::ProcessingStep& step = d.history(index);
  // The step began when the one before it ended (the first one at receipt).
  const std::string began = index > 0 ? LT_PORTAL_TIME(d.history(index - 1), at)
                                      : LT_PORTAL_TIME(d, received_at);
  return {{"MaHoSo", d.code()},
          {"NguoiXuLy", step.handler()},
          {"ChucDanh", ""},  // lienthong records the handler, not the handler's title
          {"ThoiDiemXuLy", LT_PORTAL_TIME(step, at)},
          {"PhongBanXuLy", step.to_unit()},
          {"NoiDungXuLy", step.content()},
          {"TrangThai", codes.StatusCode(step.to_status())},
          {"NgayBatDau", began},
          {"NgayKetThucTheoQuyDinh", LT_PORTAL_TIME(step, step_due_at)}};
}

#undef LT_PORTAL_TIME

}  // namespace lienthong::adapters::dvcqg
