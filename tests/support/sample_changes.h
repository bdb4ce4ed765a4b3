// Sample education records and dossiers, and a direct way to commit them to the change log, for
// the sync engine's and adapters' tests and benchmarks (no gRPC in the way).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lienthong/v1/change_event.pb.h"
#include "services/store/store.h"

namespace lienthong::test {

// Example agency codes (QCVN 102:2016 form, province H49).
inline constexpr char kSampleEducationAgency[] = "000.00.31.H49";
inline constexpr char kSampleOtherAgency[] = "000.00.31.H26";

// Deterministic records numbered `n`: same n, same record.
v1::School SampleSchool(int n, const std::string& agency = kSampleEducationAgency);
v1::Student SampleStudent(int n);
v1::Diploma SampleDiploma(int n);
// A dossier with `steps` processing steps in its history.
v1::Dossier SampleDossier(int n, int steps = 1);

// The change row a register would append for the record at `version`.
store::ChangeRow SchoolChange(const v1::School& school, int64_t version = 1);
store::ChangeRow StudentChange(const v1::Student& student, int64_t version = 1);
store::ChangeRow DiplomaChange(const v1::Diploma& diploma, int64_t version = 1);
store::ChangeRow DossierChange(const v1::Dossier& dossier, int64_t version = 1);

// Appends `rows` to the change log in one transaction and waits until it is durable.
absl::Status AppendChanges(store::Store* store, std::vector<store::ChangeRow> rows);

// The event the sync engine would hand an adapter for `row` once committed at `seq`.
v1::ChangeEvent EventOf(store::ChangeRow row, int64_t seq);

}  // namespace lienthong::test
