// Validation runs on every request: a good request must cost no heap allocation at all.
//
// This file replaces the global operator new of the test binary with one that counts the
// allocations made while a counting window is open.
#include <atomic>
#include <cstdlib>
#include <new>

#include "gtest/gtest.h"
#include "services/validation/dossier_validation.h"
#include "services/validation/record_validation.h"
#include "tests/unit/validation/samples.h"

namespace {

std::atomic<bool> counting{false};
std::atomic<long> allocations{0};

}  // namespace

void* operator new(std::size_t size) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}

void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

namespace lienthong::validation {
namespace {

// Allocations made by `validate`, after one untimed run has built the protobuf descriptors and
// the function-local statics that any first call builds.
template <typename Validate>
long AllocationsOf(Validate validate) {
  validate();
  allocations = 0;
  counting = true;
  validate();
  counting = false;
  return allocations.load();
}

TEST(Allocation, GoodDossierRequestsAllocateNothing) {
  const ValidationContext context = samples::Context();
  const v1::SubmitDossierRequest submit = samples::SubmitDossierRequest();
  const v1::UpdateDossierStatusRequest update = samples::UpdateDossierStatusRequest();
  const v1::ListDossiersRequest list = samples::ListDossiersRequest();
  const v1::GetDossierStatsRequest stats = samples::GetDossierStatsRequest();
  v1::GetDossierRequest get;
  get.set_code(submit.dossier().code());
  FieldViolations violations;

  EXPECT_EQ(AllocationsOf([&] { ValidateSubmitDossier(submit, context, &violations); }), 0);
  EXPECT_EQ(AllocationsOf([&] { ValidateUpdateDossierStatus(update, context, &violations); }), 0);
  EXPECT_EQ(AllocationsOf([&] { ValidateListDossiers(list, context, &violations); }), 0);
  EXPECT_EQ(AllocationsOf([&] { ValidateGetDossierStats(stats, &violations); }), 0);
  EXPECT_EQ(AllocationsOf([&] { ValidateGetDossier(get, &violations); }), 0);
  EXPECT_TRUE(violations.empty());
}

TEST(Allocation, GoodRecordRequestsAllocateNothing) {
  const ValidationContext context = samples::Context();
  const v1::UpsertRecordsRequest upsert = samples::UpsertRecordsRequest();
  const v1::VerifyDiplomaRequest verify = samples::VerifyDiplomaRequest();
  v1::GetRecordRequest get;
  get.mutable_key()->set_type(v1::RECORD_TYPE_DIPLOMA);
  get.mutable_key()->set_key("000.00.21.H49/THPT-2025/01234");
  v1::ListRecordsRequest list;
  list.set_type(v1::RECORD_TYPE_SCHOOL);
  list.set_agency_code("000.00.21.H49");
  FieldViolations violations;

  EXPECT_EQ(AllocationsOf([&] { ValidateUpsertRecords(upsert, context, &violations); }), 0);
  EXPECT_EQ(AllocationsOf([&] { ValidateVerifyDiploma(verify, &violations); }), 0);
  EXPECT_EQ(AllocationsOf([&] { ValidateGetRecord(get, &violations); }), 0);
  EXPECT_EQ(AllocationsOf([&] { ValidateListRecords(list, context, &violations); }), 0);
  EXPECT_TRUE(violations.empty());
}

TEST(Allocation, TheCounterSeesAllocations) {
  // A test that cannot fail is a defect: a bad request must show up as allocations.
  v1::SubmitDossierRequest bad = samples::SubmitDossierRequest();
  bad.mutable_dossier()->set_channel(v1::CHANNEL_UNSPECIFIED);
  const ValidationContext context = samples::Context();
  EXPECT_GT(AllocationsOf([&] {
              FieldViolations violations;
              ValidateSubmitDossier(bad, context, &violations);
            }),
            0);
}

}  // namespace
}  // namespace lienthong::validation
