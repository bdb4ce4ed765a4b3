// Sample dossiers and education records built from an index, deterministically.
#include "tests/support/sample_dossiers.h"

#include <cstddef>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/common/proto_time.h"

namespace lienthong::demo {
namespace {

// Vietnam keeps UTC+7 all year; dossier codes carry the local receipt date.
const absl::TimeZone& VietnamZone() {
  static const absl::TimeZone zone = absl::FixedTimeZone(7 * 60 * 60);
  return zone;
}

// SplitMix64: a well-spread 64-bit value per (index, salt), so that fields vary independently.
uint64_t Mix(uint64_t index, uint64_t salt) {
  uint64_t z = index * 0x9E3779B97F4A7C15ull + (salt + 1) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

template <typename T, std::size_t N>
const T& Pick(const T (&list)[N], uint64_t value) {
  return list[value % N];
}

// Salts name the independent choices made for one index.
enum Salt : uint64_t {
  kSaltPerson = 1,
  kSaltChannel,
  kSaltLevel,
  kSaltProcedure,
  kSaltAttachments,
  kSaltTiming,
  kSaltContact,
  kSaltFee,
  kSaltRepresentative,
  kSaltChild,
  kSaltSchool,
  kSaltDiploma,
  kSaltSigner,
  kSaltDigest = 100,
};

constexpr const char* kFamilyNames[] = {
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ",
    "Võ",     "Đặng", "Bùi", "Đỗ",  "Hồ",    "Ngô",   "Dương", "Lý"};
constexpr const char* kMaleMiddleNames[] = {"Văn", "Hữu", "Đức", "Minh",
                                            "Quang", "Thành", "Công", "Gia"};
constexpr const char* kFemaleMiddleNames[] = {"Thị", "Ngọc", "Thu", "Thanh",
                                              "Bảo", "Khánh", "Diệu", "Phương"};
constexpr const char* kMaleGivenNames[] = {"An",  "Bình", "Cường", "Dũng", "Hải", "Hùng",
                                           "Khoa", "Long", "Nam",   "Phúc", "Quân", "Sơn",
                                           "Tuấn", "Việt", "Hiếu",  "Đạt"};
constexpr const char* kFemaleGivenNames[] = {"Anh",  "Chi",  "Dung", "Giang", "Hà",   "Hằng",
                                             "Hương", "Lan", "Linh", "Mai",   "Nga",  "Ngân",
                                             "Thảo", "Trang", "Uyên", "Yến"};

// Circular 07/2016/TT-BCA province-of-birth-registration codes (docs/domain.md), Quảng Ninh (022)
// listed three more times because most applicants of a Quảng Ninh one-stop desk were born there.
constexpr int kProvinceCodes[] = {
    1,  2,  4,  6,  8,  10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33,
    34, 35, 36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66,
    67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
    22, 22, 22};

constexpr const char* kStreets[] = {"Trần Hưng Đạo", "Lê Thánh Tông", "Nguyễn Văn Cừ",
                                    "Cao Xanh",      "Hạ Long",       "Lê Lợi",
                                    "Bạch Đằng",     "Kênh Liêm",     "Trần Phú",
                                    "Nguyễn Du"};
constexpr const char* kEthnicities[] = {"Kinh", "Kinh", "Kinh", "Kinh", "Kinh", "Kinh",
                                        "Kinh", "Kinh", "Tày",  "Dao",  "Sán Dìu", "Hoa"};
constexpr const char* kBirthplaces[] = {"Quảng Ninh", "Quảng Ninh", "Quảng Ninh", "Hải Phòng",
                                        "Hải Dương",  "Hà Nội",     "Thái Bình",  "Nam Định",
                                        "Bắc Giang",  "Lạng Sơn"};

// Quảng Ninh in the GSO administrative-unit list; its communes are numbered from 06600.
constexpr const char* kProvinceUnitCode = "22";
constexpr int kFirstCommuneCode = 6600;
constexpr int kCommuneCount = 600;

struct Person {
  std::string full_name;
  absl::CivilDay birth_day;
  bool female = false;
  std::string personal_id;  // 12 digits agreeing with birth_day and female
};

std::string IsoDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

// A person born in [first_year, last_year]. The last six digits of the personal ID are a
// bijection of index % 10^6 (7919 is prime to 10^6), so nearby indices never share a number.
Person MakePerson(uint64_t index, uint64_t salt, int first_year, int last_year) {
  const uint64_t h = Mix(index, kSaltPerson * 1000 + salt);
  Person person;
  person.female = (h & 1) != 0;
  const char* middle = person.female ? Pick(kFemaleMiddleNames, h >> 8)
                                     : Pick(kMaleMiddleNames, h >> 8);
  const char* given = person.female ? Pick(kFemaleGivenNames, h >> 16)
                                    : Pick(kMaleGivenNames, h >> 16);
  person.full_name = absl::StrCat(Pick(kFamilyNames, h >> 24), " ", middle, " ", given);
  const int year = first_year + static_cast<int>((h >> 32) % (last_year - first_year + 1));
  person.birth_day = absl::CivilDay(year, 1 + static_cast<int>((h >> 40) % 12),
                                    1 + static_cast<int>((h >> 44) % 28));
  // Decree 137/2015 Art. 13: century-and-sex digit 0/1 for the 1900s, 2/3 for the 2000s.
  const int century_sex = (year / 100 - 19) * 2 + (person.female ? 1 : 0);
  const uint64_t serial = ((index % 1000000) * 7919 + salt * 104729) % 1000000;
  person.personal_id = absl::StrFormat("%03d%d%02d%06d", Pick(kProvinceCodes, h >> 48),
                                       century_sex, year % 100, serial);
  return person;
}

std::string CommuneCode(uint64_t h) {
  return absl::StrFormat("%05d", kFirstCommuneCode + static_cast<int>(h % kCommuneCount));
}

std::string Sha256LikeHex(uint64_t index, uint64_t salt) {
  std::string hex;
  for (uint64_t part = 0; part < 4; ++part) {
    absl::StrAppendFormat(&hex, "%016x", Mix(index, kSaltDigest + salt * 4 + part));
  }
  return hex;
}

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(time);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>((time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
}

void ShiftTimestamp(absl::Duration delta, google::protobuf::Timestamp* t) {
  SetTimestamp(FromProtoTimestamp(*t) + delta, t);
}

// The education procedures of docs/domain.md with the components their dossiers carry. Processing
// days are the development config's examples.
struct Component {
  const char* file_name;
  const char* description;
};

struct SampleProcedure {
  const char* code;
  const char* name;
  int processing_days;
  const char* request;   // what the applicant asks for, completing the summary
  int child_age;         // age of the pupil the request is for, in the year of receipt
  Component components[3];
};

constexpr SampleProcedure kProcedures[] = {
    {"3.000181", "Tuyển sinh trung học phổ thông", 10, "Đăng ký dự tuyển vào lớp 10", 15,
     {{"don-dang-ky-du-tuyen.pdf", "Đơn đăng ký dự tuyển"},
      {"hoc-ba-thcs.pdf", "Học bạ trung học cơ sở"},
      {"bang-tot-nghiep-thcs.pdf", "Bằng tốt nghiệp trung học cơ sở"}}},
    {"3.000182", "Tuyển sinh trung học cơ sở", 10, "Đăng ký dự tuyển vào lớp 6", 11,
     {{"don-dang-ky-du-tuyen.pdf", "Đơn đăng ký dự tuyển"},
      {"hoc-ba-tieu-hoc.pdf", "Học bạ tiểu học"},
      {"giay-khai-sinh.pdf", "Bản sao giấy khai sinh"}}},
    {"2.002492", "Tuyển sinh vào lớp một", 5, "Đăng ký tuyển sinh vào lớp 1", 6,
     {{"don-dang-ky-tuyen-sinh.pdf", "Đơn đăng ký tuyển sinh"},
      {"giay-khai-sinh.pdf", "Bản sao giấy khai sinh"},
      {"xac-nhan-cu-tru.pdf", "Giấy xác nhận thông tin cư trú"}}},
    {"2.002493", "Tuyển sinh vào trường mầm non", 5, "Đăng ký nhập học mầm non", 3,
     {{"don-xin-nhap-hoc.pdf", "Đơn xin nhập học"},
      {"giay-khai-sinh.pdf", "Bản sao giấy khai sinh"},
      {"phieu-tiem-chung.pdf", "Phiếu theo dõi tiêm chủng"}}},
    {"2.002481", "Chuyển trường đối với học sinh trung học cơ sở", 3,
     "Xin chuyển trường trung học cơ sở", 13,
     {{"don-xin-chuyen-truong.pdf", "Đơn xin chuyển trường"},
      {"hoc-ba.pdf", "Học bạ"},
      {"giay-gioi-thieu-chuyen-truong.pdf", "Giấy giới thiệu chuyển trường"}}},
};

constexpr const char* kSectorEducation = "G03-GD10";

// Online 60 %, in person 30 %, postal 10 %.
v1::Channel ChannelOf(uint64_t h) {
  const uint64_t tenth = h % 10;
  if (tenth < 6) return v1::CHANNEL_ONLINE;
  if (tenth < 9) return v1::CHANNEL_IN_PERSON;
  return v1::CHANNEL_POSTAL;
}

void FillApplicant(uint64_t index, const Person& person, v1::Applicant* applicant) {
  const uint64_t h = Mix(index, kSaltContact);
  applicant->set_kind(v1::APPLICANT_KIND_CITIZEN);
  applicant->set_full_name(person.full_name);
  applicant->set_id_type(v1::ID_TYPE_CCCD);
  applicant->set_id_number(person.personal_id);
  applicant->set_date_of_birth(IsoDate(person.birth_day));
  applicant->set_sex(person.female ? v1::SEX_FEMALE : v1::SEX_MALE);
  applicant->set_phone(absl::StrFormat("09%08d", h % 100000000));
  if ((h >> 32) % 2 == 0) {
    applicant->set_email(absl::StrFormat("phuhuynh.%06d@example.vn", (h >> 8) % 1000000));
  }
  v1::Address* address = applicant->mutable_address();
  address->set_line(absl::StrFormat("Số %d, đường %s, tổ %d, khu %d", 1 + (h >> 12) % 250,
                                    Pick(kStreets, h >> 20), 1 + (h >> 28) % 12,
                                    1 + (h >> 36) % 9));
  address->set_commune_code(CommuneCode(h >> 40));
  address->set_province_code(kProvinceUnitCode);
}

void FillRepresentative(uint64_t index, v1::Representative* representative) {
  const Person person = MakePerson(index, kSaltRepresentative, 1965, 2004);
  const uint64_t h = Mix(index, kSaltRepresentative);
  representative->set_full_name(person.full_name);
  representative->set_id_type(v1::ID_TYPE_CCCD);
  representative->set_id_number(person.personal_id);
  representative->set_phone(absl::StrFormat("09%08d", h % 100000000));
  representative->set_authorisation_reference(
      absl::StrFormat("Giấy ủy quyền số %d/GUQ", 1 + (h >> 32) % 900));
}

void FillAttachments(uint64_t index, const SampleProcedure& procedure, v1::Channel channel,
                     v1::Dossier* dossier) {
  const uint64_t h = Mix(index, kSaltAttachments);
  const int count = 1 + static_cast<int>(h % 3);
  const std::string folder = absl::StrFormat("%016x", Mix(index, kSaltAttachments + 1));
  for (int i = 0; i < count; ++i) {
    const Component& component = procedure.components[i];
    v1::Attachment* attachment = dossier->add_attachments();
    attachment->set_name(component.file_name);
    attachment->set_component_code(absl::StrFormat("TP%02d", i + 1));
    attachment->set_uri(absl::StrCat("s3://motcua-h49/ho-so/", folder, "/", component.file_name));
    attachment->set_sha256(Sha256LikeHex(index, static_cast<uint64_t>(i)));
    attachment->set_size_bytes(40 * 1024 + static_cast<int64_t>((h >> (8 + 8 * i)) % (3 << 20)));
    // Paper brought to the desk is scanned there; online applicants reuse what the data
    // warehouse already holds (the birth certificate) instead of uploading it again.
    attachment->set_digitised(channel != v1::CHANNEL_ONLINE);
    attachment->set_reused(channel == v1::CHANNEL_ONLINE &&
                           absl::string_view(component.file_name) == "giay-khai-sinh.pdf");
  }
  dossier->set_digitised(channel != v1::CHANNEL_ONLINE);
}

// Postal dossiers and postal returns pay the public postal service (bưu chính công ích).
void FillPostalFee(uint64_t index, v1::Channel channel, absl::Time submitted_at,
                   v1::Dossier* dossier) {
  const bool postal_involved = channel == v1::CHANNEL_POSTAL ||
                               dossier->result_delivery() == v1::RESULT_DELIVERY_POSTAL;
  if (!postal_involved) return;
  const uint64_t h = Mix(index, kSaltFee);
  v1::Fee* fee = dossier->add_fees();
  fee->set_description("Phí dịch vụ bưu chính công ích");
  fee->mutable_amount()->set_amount_vnd(22000 + static_cast<int64_t>(h % 14) * 1000);
  if (channel == v1::CHANNEL_ONLINE) {
    fee->set_paid_online(true);
    SetTimestamp(submitted_at, fee->mutable_paid_at());
    dossier->set_paid_online(true);
  } else if (channel == v1::CHANNEL_POSTAL || (h >> 8) % 2 == 0) {
    SetTimestamp(submitted_at, fee->mutable_paid_at());
  }
  // Otherwise it is paid on delivery of the result, so still unpaid at receipt.
}

}  // namespace

absl::Time SampleReceivedAt(uint64_t index, absl::Time received_at) {
  return received_at - absl::Hours(24) * static_cast<int64_t>(index / kSampleDossiersPerDay);
}

void AssignSampleDossierIdentity(uint64_t index, absl::Time received_at, v1::Dossier* dossier) {
  const absl::Time receipt = SampleReceivedAt(index, received_at);
  if (dossier->has_received_at()) {
    const absl::Duration delta = receipt - FromProtoTimestamp(dossier->received_at());
    if (delta != absl::ZeroDuration()) {
      if (dossier->has_submitted_at()) ShiftTimestamp(delta, dossier->mutable_submitted_at());
      for (v1::Fee& fee : *dossier->mutable_fees()) {
        if (fee.has_paid_at()) ShiftTimestamp(delta, fee.mutable_paid_at());
      }
    }
  }
  SetTimestamp(receipt, dossier->mutable_received_at());

  const uint64_t in_day = index % kSampleDossiersPerDay;
  const uint64_t sequence = in_day % kSampleSequencesPerAgency + 1;
  const uint64_t level2 = in_day / kSampleSequencesPerAgency % 100;
  const uint64_t level3 = in_day / (kSampleSequencesPerAgency * 100);
  std::string agency = absl::StrFormat("000.%02d.%02d.H49", level3, level2);
  const absl::CivilDay day = absl::ToCivilDay(receipt, VietnamZone());
  dossier->set_code(absl::StrFormat("%s-%02d%02d%02d-%04d", agency, day.year() % 100, day.month(),
                                    day.day(), sequence));
  dossier->set_handling_agency_code(agency);
  dossier->set_receiving_agency_code(std::move(agency));
}

v1::Dossier MakeSampleDossier(uint64_t index, absl::Time received_at) {
  v1::Dossier dossier;
  const SampleProcedure& procedure = Pick(kProcedures, Mix(index, kSaltProcedure));
  const absl::Time receipt = SampleReceivedAt(index, received_at);
  const int receipt_year = static_cast<int>(absl::ToCivilYear(receipt, VietnamZone()).year());

  dossier.set_procedure_code(procedure.code);
  dossier.set_procedure_name(procedure.name);
  dossier.set_field_code(kSectorEducation);
  dossier.set_processing_days(procedure.processing_days);
  dossier.set_status(v1::DOSSIER_STATUS_ACCEPTED);

  // The applicant is a parent born 1975-2004; the summary names the child.
  const Person parent = MakePerson(index, 0, 1975, 2004);
  const Person child = MakePerson(index, kSaltChild, receipt_year - procedure.child_age,
                                  receipt_year - procedure.child_age);
  const std::string child_given = child.full_name.substr(child.full_name.find(' ') + 1);
  const std::string parent_family = parent.full_name.substr(0, parent.full_name.find(' '));
  dossier.set_summary(absl::StrCat(procedure.request, " cho học sinh ", parent_family, " ",
                                   child_given, ", sinh năm ", child.birth_day.year()));
  FillApplicant(index, parent, dossier.mutable_applicant());

  const uint64_t h = Mix(index, kSaltChannel);
  const v1::Channel channel = ChannelOf(h);
  dossier.set_channel(channel);
  const uint64_t timing = Mix(index, kSaltTiming);
  absl::Time submitted_at = receipt;
  switch (channel) {
    case v1::CHANNEL_ONLINE:
      dossier.set_online_level((h >> 8) % 10 < 7 ? v1::ONLINE_LEVEL_END_TO_END
                                                 : v1::ONLINE_LEVEL_PARTIAL);
      dossier.set_result_delivery(dossier.online_level() == v1::ONLINE_LEVEL_END_TO_END
                                      ? v1::RESULT_DELIVERY_ONLINE
                                      : ((h >> 16) % 4 == 0 ? v1::RESULT_DELIVERY_POSTAL
                                                            : v1::RESULT_DELIVERY_AT_DESK));
      // Submitted on the portal up to 36 hours before an officer received it.
      submitted_at = receipt - absl::Seconds(static_cast<int64_t>(timing % (36 * 3600)));
      break;
    case v1::CHANNEL_POSTAL:
      dossier.set_result_delivery(v1::RESULT_DELIVERY_POSTAL);
      // Posted one to three days before it reached the desk.
      submitted_at = receipt - absl::Hours(24) -
                     absl::Seconds(static_cast<int64_t>(timing % (48 * 3600)));
      break;
    default:
      dossier.set_result_delivery((h >> 16) % 5 == 0 ? v1::RESULT_DELIVERY_POSTAL
                                                      : v1::RESULT_DELIVERY_AT_DESK);
      if ((h >> 24) % 10 == 0) {
        FillRepresentative(index, dossier.mutable_applicant()->mutable_representative());
      }
      break;
  }
  SetTimestamp(submitted_at, dossier.mutable_submitted_at());
  SetTimestamp(receipt, dossier.mutable_received_at());
  FillAttachments(index, procedure, channel, &dossier);
  FillPostalFee(index, channel, submitted_at, &dossier);
  AssignSampleDossierIdentity(index, received_at, &dossier);
  return dossier;
}

namespace {

struct SchoolKind {
  v1::SchoolLevel level;
  const char* name_prefix;
};

constexpr SchoolKind kSchoolKinds[] = {
    {v1::SCHOOL_LEVEL_PRESCHOOL, "Trường Mầm non"},
    {v1::SCHOOL_LEVEL_PRESCHOOL, "Trường Mầm non"},
    {v1::SCHOOL_LEVEL_PRIMARY, "Trường Tiểu học"},
    {v1::SCHOOL_LEVEL_PRIMARY, "Trường Tiểu học"},
    {v1::SCHOOL_LEVEL_LOWER_SECONDARY, "Trường Trung học cơ sở"},
    {v1::SCHOOL_LEVEL_LOWER_SECONDARY, "Trường Trung học cơ sở"},
    {v1::SCHOOL_LEVEL_UPPER_SECONDARY, "Trường Trung học phổ thông"},
    {v1::SCHOOL_LEVEL_CONTINUING_EDUCATION, "Trung tâm Giáo dục thường xuyên"},
    {v1::SCHOOL_LEVEL_MULTI_LEVEL, "Trường Tiểu học và Trung học cơ sở"},
};

constexpr const char* kSchoolNamesakes[] = {
    "Lê Quý Đôn", "Nguyễn Trãi", "Chu Văn An", "Trần Phú",  "Hoa Sen",  "Hạ Long",
    "Bãi Cháy",   "Hồng Hải",    "Cẩm Phả",    "Uông Bí",   "Võ Thị Sáu", "Kim Đồng",
    "Hoàng Hoa Thám", "Ngô Quyền", "Yết Kiêu",  "Trưng Vương"};

constexpr const char* kExamCouncil = "Hội đồng thi Sở Giáo dục và Đào tạo Quảng Ninh";

// School codes: the province's GSO code and a number the Department of Education issues.
std::string SampleSchoolCode(uint64_t index) { return absl::StrFormat("22%06d", index); }

}  // namespace

v1::EducationRecord MakeSampleSchool(uint64_t index) {
  const uint64_t h = Mix(index, kSaltSchool);
  const SchoolKind& kind = Pick(kSchoolKinds, h);
  v1::EducationRecord record;
  v1::School* school = record.mutable_school();
  school->set_school_code(SampleSchoolCode(index));
  school->set_name(absl::StrCat(kind.name_prefix, " ", Pick(kSchoolNamesakes, h >> 8)));
  school->set_level(kind.level);
  school->set_ownership((h >> 16) % 100 < 85 ? v1::SCHOOL_OWNERSHIP_PUBLIC
                                             : v1::SCHOOL_OWNERSHIP_PRIVATE);
  // Upper-secondary and continuing-education schools answer to the Department itself; the
  // others to the education office of their local People's Committee.
  const bool provincial = kind.level == v1::SCHOOL_LEVEL_UPPER_SECONDARY ||
                          kind.level == v1::SCHOOL_LEVEL_CONTINUING_EDUCATION;
  school->set_managing_agency_code(
      provincial ? std::string(kSampleDiplomaIssuer)
                 : absl::StrFormat("000.%02d.31.H49", 20 + static_cast<int>((h >> 24) % 14)));
  school->set_commune_code(CommuneCode(h >> 32));
  const int year = 1960 + static_cast<int>((h >> 40) % 56);
  school->set_establishment_decision_number(
      absl::StrFormat("%d/QĐ-UBND", 100 + static_cast<int>((h >> 48) % 3000)));
  school->set_establishment_decision_date(
      IsoDate(absl::CivilDay(year, 1 + (h >> 52) % 12, 1 + (h >> 56) % 28)));
  school->set_status(v1::RECORD_STATUS_ACTIVE);
  return record;
}

v1::EducationRecord MakeSampleStudent(uint64_t index, absl::string_view school_code) {
  // School year 2025-2026: pupils enter grade 1 in the year they turn 6.
  constexpr int kSchoolYearStart = 2025;
  const Person pupil = MakePerson(index, kSaltSchool, 2008, 2019);
  const uint64_t h = Mix(index, kSaltSchool + 1);
  const int grade = kSchoolYearStart - static_cast<int>(pupil.birth_day.year()) - 5;
  v1::EducationRecord record;
  v1::Student* student = record.mutable_student();
  student->set_student_id(absl::StrFormat("22%08d", index));
  student->set_personal_id(pupil.personal_id);
  student->set_full_name(pupil.full_name);
  student->set_date_of_birth(IsoDate(pupil.birth_day));
  student->set_sex(pupil.female ? v1::SEX_FEMALE : v1::SEX_MALE);
  student->set_ethnicity(Pick(kEthnicities, h));
  student->set_birthplace(Pick(kBirthplaces, h >> 8));
  student->set_school_code(std::string(school_code));
  student->set_class_name(absl::StrFormat("%dA%d", grade, 1 + static_cast<int>((h >> 16) % 6)));
  student->set_school_year(absl::StrFormat("%d-%d", kSchoolYearStart, kSchoolYearStart + 1));
  student->set_status(v1::RECORD_STATUS_ACTIVE);
  return record;
}

v1::EducationRecord MakeSampleDiploma(uint64_t index) {
  const uint64_t h = Mix(index, kSaltDiploma);
  const bool upper = (h & 1) != 0;
  const int graduation_year = 2020 + static_cast<int>((h >> 8) % 6);
  const int graduation_age = upper ? 18 : 15;
  const Person holder = MakePerson(index, kSaltDiploma, graduation_year - graduation_age,
                                   graduation_year - graduation_age);
  const uint64_t hb = Mix(index, kSaltDiploma + 1);

  v1::EducationRecord record;
  v1::Diploma* diploma = record.mutable_diploma();
  diploma->set_type(upper ? v1::DIPLOMA_TYPE_UPPER_SECONDARY_GRADUATION
                          : v1::DIPLOMA_TYPE_LOWER_SECONDARY_GRADUATION);
  // The serial is printed on the blank (A for lower, B for upper secondary); the register
  // number is the line in the issuer's original register. Both contain index + 1 in full.
  diploma->set_serial_number(absl::StrFormat("%s%07d", upper ? "B" : "A", index + 1));
  diploma->set_register_number(
      absl::StrFormat("%06d/TN%s-%d", index + 1, upper ? "THPT" : "THCS", graduation_year));
  v1::DiplomaHolder* person = diploma->mutable_holder();
  person->set_full_name(holder.full_name);
  person->set_date_of_birth(IsoDate(holder.birth_day));
  person->set_birthplace(Pick(kBirthplaces, hb));
  person->set_sex(holder.female ? v1::SEX_FEMALE : v1::SEX_MALE);
  person->set_ethnicity(Pick(kEthnicities, hb >> 8));
  person->set_personal_id(holder.personal_id);
  diploma->set_school_or_council(upper ? std::string(kExamCouncil)
                                       : SampleSchoolCode((hb >> 16) % 1000));
  diploma->set_graduation_year(graduation_year);
  // Lower-secondary diplomas carry a ranking; upper-secondary ones have not since 2020.
  if (!upper) {
    constexpr v1::DiplomaRanking kRankings[] = {v1::DIPLOMA_RANKING_EXCELLENT,
                                                v1::DIPLOMA_RANKING_GOOD,
                                                v1::DIPLOMA_RANKING_GOOD,
                                                v1::DIPLOMA_RANKING_AVERAGE};
    diploma->set_ranking(Pick(kRankings, hb >> 24));
  }
  const absl::CivilDay recognised(graduation_year, upper ? 7 : 6,
                                  10 + static_cast<int>((hb >> 32) % 18));
  diploma->set_recognition_decision_number(absl::StrFormat(
      "%d/QĐ-%s", 100 + static_cast<int>((hb >> 40) % 900), upper ? "SGDĐT" : "PGDĐT"));
  diploma->set_recognition_decision_date(IsoDate(recognised));
  diploma->set_issue_date(IsoDate(recognised + 20 + static_cast<int>((hb >> 48) % 30)));
  diploma->set_issuing_agency_code(std::string(kSampleDiplomaIssuer));
  diploma->set_signer(MakePerson(index, kSaltSigner, 1965, 1980).full_name);
  diploma->set_status(v1::DIPLOMA_STATUS_ISSUED);
  return record;
}

}  // namespace lienthong::demo
