// Tests of the dossier status codes, names and the allowed-move matrix.
#include "services/domain/dossier_status.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace lienthong::domain {
namespace {

DossierStatus S(int code) { return static_cast<DossierStatus>(code); }

// The table of dossier_status.h, written out independently.
const std::set<std::pair<int, int>>& AllowedMoves() {
  static const auto* moves = new std::set<std::pair<int, int>>{
      {1, 2}, {1, 3}, {1, 5}, {1, 7},                          //
      {2, 4}, {2, 5}, {2, 6}, {2, 7}, {2, 8}, {2, 9},          //
      {4, 5}, {4, 6}, {4, 7}, {4, 8}, {4, 9},                  //
      {5, 2}, {5, 3}, {5, 4}, {5, 7}, {5, 8},                  //
      {6, 4}, {6, 7}, {6, 8}, {6, 9},                          //
      {9, 10},
  };
  return *moves;
}

TEST(DossierStatus, FullMatrixMatchesTheTable) {
  int allowed = 0;
  for (int from = 1; from <= 10; ++from) {
    for (int to = 1; to <= 10; ++to) {
      const bool expected = AllowedMoves().count({from, to}) == 1;
      EXPECT_EQ(IsAllowedTransition(S(from), S(to)), expected) << from << " -> " << to;
      EXPECT_EQ(CheckTransition(S(from), S(to)).ok(), expected) << from << " -> " << to;
      if (IsAllowedTransition(S(from), S(to))) ++allowed;
    }
  }
  EXPECT_EQ(allowed, 25);
}

TEST(DossierStatus, RefusesImpossibleMovesWithFailedPrecondition) {
  absl::Status status = CheckTransition(DossierStatus::kResultReturned, DossierStatus::kInProcess);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "dossier status cannot move from 10 (result_returned) to 4 (in_process)");
  EXPECT_FALSE(IsAllowedTransition(DossierStatus::kRefusedAtIntake, DossierStatus::kAccepted));
  EXPECT_FALSE(IsAllowedTransition(DossierStatus::kFinished, DossierStatus::kInProcess));
  EXPECT_FALSE(IsAllowedTransition(DossierStatus::kAccepted, DossierStatus::kNewlyRegistered));
  EXPECT_FALSE(IsAllowedTransition(DossierStatus::kNewlyRegistered, DossierStatus::kFinished));
  for (int code = 1; code <= 10; ++code) {
    EXPECT_EQ(CheckTransition(S(code), S(code)).code(), absl::StatusCode::kFailedPrecondition)
        << code;
  }
}

TEST(DossierStatus, OutOfRangeValuesAreNeverAllowed) {
  EXPECT_FALSE(IsAllowedTransition(S(1), S(0)));
  EXPECT_FALSE(IsAllowedTransition(S(1), S(11)));
  EXPECT_FALSE(IsAllowedTransition(S(42), S(2)));
  EXPECT_EQ(StatusName(S(42)), "unknown");
}

TEST(DossierStatus, TerminalStatuses) {
  std::set<int> terminal;
  for (int code = 1; code <= 10; ++code) {
    if (IsTerminal(S(code))) terminal.insert(code);
  }
  EXPECT_EQ(terminal, (std::set<int>{3, 7, 8, 10}));
}

TEST(DossierStatus, KpiGroups) {
  std::set<int> finished;
  std::set<int> in_process;
  for (int code = 1; code <= 10; ++code) {
    if (IsFinishedForKpi(S(code))) finished.insert(code);
    if (IsInProcessForKpi(S(code))) in_process.insert(code);
  }
  EXPECT_EQ(finished, (std::set<int>{7, 9, 10}));
  EXPECT_EQ(in_process, (std::set<int>{2, 4}));
}

TEST(DossierStatus, CodesNamesAndLabels) {
  EXPECT_EQ(DossierStatusFromCode(1), DossierStatus::kNewlyRegistered);
  EXPECT_EQ(DossierStatusFromCode(10), DossierStatus::kResultReturned);
  EXPECT_EQ(DossierStatusFromCode(0), std::nullopt);
  EXPECT_EQ(DossierStatusFromCode(11), std::nullopt);

  EXPECT_EQ(StatusName(DossierStatus::kNewlyRegistered), "newly_registered");
  EXPECT_EQ(StatusName(DossierStatus::kAccepted), "accepted");
  EXPECT_EQ(StatusName(DossierStatus::kRefusedAtIntake), "refused_at_intake");
  EXPECT_EQ(StatusName(DossierStatus::kInProcess), "in_process");
  EXPECT_EQ(StatusName(DossierStatus::kSupplementRequested), "supplement_requested");
  EXPECT_EQ(StatusName(DossierStatus::kFinancialObligation), "financial_obligation");
  EXPECT_EQ(StatusName(DossierStatus::kWithdrawn), "withdrawn");
  EXPECT_EQ(StatusName(DossierStatus::kProcessingStopped), "processing_stopped");
  EXPECT_EQ(StatusName(DossierStatus::kFinished), "finished");
  EXPECT_EQ(StatusName(DossierStatus::kResultReturned), "result_returned");

  EXPECT_EQ(StatusLabelVi(DossierStatus::kSupplementRequested), "Yêu cầu bổ sung");
  EXPECT_EQ(StatusLabelVi(DossierStatus::kResultReturned), "Đã trả kết quả");
}

// Decree 118/2025 (as in Decree 61/2018 Art. 17.2(a)): an online dossier found incomplete at
// intake is asked to supplement before acceptance, then accepted or refused.
TEST(SupplementBeforeAcceptance, NewlyRegisteredToSupplementThenAcceptedOrRefused) {
  using S = DossierStatus;
  EXPECT_TRUE(CheckTransitionFrom(S::kNewlyRegistered, S::kSupplementRequested, false).ok());
  EXPECT_TRUE(CheckTransitionFrom(S::kSupplementRequested, S::kAccepted, true).ok());
  EXPECT_TRUE(CheckTransitionFrom(S::kSupplementRequested, S::kRefusedAtIntake, true).ok());
  EXPECT_TRUE(CheckTransitionFrom(S::kSupplementRequested, S::kWithdrawn, true).ok());
  // Not accepted yet: it cannot go straight into processing.
  const absl::Status straight = CheckTransitionFrom(S::kSupplementRequested, S::kInProcess, true);
  EXPECT_EQ(straight.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(straight.message().find("before acceptance"), absl::string_view::npos);
}

TEST(SupplementBeforeAcceptance, AfterAcceptanceOnlyBackToProcessing) {
  using S = DossierStatus;
  EXPECT_TRUE(CheckTransitionFrom(S::kSupplementRequested, S::kInProcess, false).ok());
  for (S to : {S::kAccepted, S::kRefusedAtIntake}) {
    const absl::Status status = CheckTransitionFrom(S::kSupplementRequested, to, false);
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(status.message().find("was accepted before"), absl::string_view::npos);
  }
  // The flag only matters out of 5; the table still applies everywhere.
  EXPECT_TRUE(CheckTransitionFrom(S::kAccepted, S::kInProcess, true).ok());
  EXPECT_EQ(CheckTransitionFrom(S::kFinished, S::kInProcess, false).code(),
            absl::StatusCode::kFailedPrecondition);
}

// The one transition table: docs/domain.md carries TransitionTableMarkdown() verbatim.
TEST(TransitionTable, DocsTableMatchesTheCode) {
  const std::string table = TransitionTableMarkdown();
  EXPECT_NE(table.find("| 1 newly_registered |"), std::string::npos);
  EXPECT_NE(table.find("| 5 supplement_requested |   | x | x | x |"), std::string::npos) << table;
  std::ifstream in(LIENTHONG_SOURCE_DIR "/docs/domain.md");
  ASSERT_TRUE(in.good()) << "docs/domain.md not found";
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_NE(doc.str().find(table), std::string::npos)
      << "docs/domain.md must contain the table exactly as generated:\n"
      << table;
}

TEST(NewAppointment, OnlyOnce) {
  EXPECT_TRUE(MayGiveNewAppointment(0));
  EXPECT_FALSE(MayGiveNewAppointment(1));
  EXPECT_FALSE(MayGiveNewAppointment(2));
}

}  // namespace
}  // namespace lienthong::domain
