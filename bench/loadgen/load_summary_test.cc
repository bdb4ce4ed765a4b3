// The load generator's figures: percentiles, rates, merged slots, and the RESULT line.
#include "bench/loadgen/load_summary.h"

#include "gtest/gtest.h"

namespace lienthong::bench {
namespace {

// Two slots: latencies 1..500 ms and 501..1000 ms, one slot seeing 10 UNIMPLEMENTED.
LoadSummary TwoSlots() {
  LoadSummary first;
  LoadSummary second;
  for (int ms = 1; ms <= 500; ++ms) first.latencies_ns.push_back(int64_t{ms} * 1000000);
  for (int ms = 1000; ms > 500; --ms) second.latencies_ns.push_back(int64_t{ms} * 1000000);
  first.calls = 500;
  first.by_code[0] = 500;
  second.calls = 500;
  second.by_code[0] = 490;
  second.by_code[12] = 10;
  second.already_existed = 3;
  LoadSummary total;
  total.window = absl::Seconds(4);
  total.Merge(first);
  total.Merge(second);
  total.Finish();
  return total;
}

TEST(LoadSummaryTest, NearestRankPercentilesOverAllSlots) {
  const LoadSummary summary = TwoSlots();
  EXPECT_DOUBLE_EQ(summary.PercentileMs(0.50), 500);
  EXPECT_DOUBLE_EQ(summary.PercentileMs(0.99), 990);
  EXPECT_DOUBLE_EQ(summary.PercentileMs(0.999), 999);
  EXPECT_DOUBLE_EQ(summary.PercentileMs(1.0), 1000);
  EXPECT_DOUBLE_EQ(summary.MeanMs(), 500.5);
  EXPECT_DOUBLE_EQ(LoadSummary().PercentileMs(0.99), 0);
}

TEST(LoadSummaryTest, RatesCountCallsAndOkCallsPerSecondOfTheWindow) {
  const LoadSummary summary = TwoSlots();
  EXPECT_EQ(summary.calls, 1000u);
  EXPECT_EQ(summary.ok(), 990u);
  EXPECT_EQ(summary.errors(), 10u);
  EXPECT_DOUBLE_EQ(summary.CallsPerSecond(), 250);
  EXPECT_DOUBLE_EQ(summary.OkPerSecond(), 247.5);
}

TEST(LoadSummaryTest, ClientCpuIsGivenPerOkCall) {
  LoadSummary summary = TwoSlots();
  summary.client_cpu = absl::Milliseconds(99);  // 99,000 us over 990 OK calls
  EXPECT_DOUBLE_EQ(summary.ClientCpuMicrosPerOk(), 100);
  EXPECT_NE(FormatSummaryJsonLine(LoadParameters(), summary)
                .find("\"client_cpu_us_per_ok\":100.0"),
            std::string::npos);
  EXPECT_NE(FormatSummaryText(LoadParameters(), summary).find("client cpu 100.0 us per ok call"),
            std::string::npos);
  EXPECT_DOUBLE_EQ(LoadSummary().ClientCpuMicrosPerOk(), 0);  // nothing measured, no OK call
}

TEST(LoadSummaryTest, ResultLineIsOneJsonObjectWithErrorsByCodeName) {
  LoadParameters parameters;
  parameters.target = "127.0.0.1:17443";
  parameters.member = "motcua";
  parameters.concurrency = 64;
  parameters.channels = 4;
  const std::string line = FormatSummaryJsonLine(parameters, TwoSlots());
  EXPECT_EQ(line.rfind("RESULT {", 0), 0u) << line;
  EXPECT_EQ(line.back(), '}');
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("\"target\":\"127.0.0.1:17443\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"calls\":1000,\"ok\":990,\"errors\":10,\"already_existed\":3"),
            std::string::npos) << line;
  EXPECT_NE(line.find("\"ok_rps\":247.5,\"client_cpu_us_per_ok\":0.0"), std::string::npos)
      << line;
  EXPECT_NE(line.find("\"p99_ms\":990.000"), std::string::npos) << line;
  EXPECT_NE(line.find("\"errors_by_code\":{\"UNIMPLEMENTED\":10}"), std::string::npos) << line;

  const std::string text = FormatSummaryText(parameters, TwoSlots());
  EXPECT_NE(text.find("UNIMPLEMENTED=10"), std::string::npos) << text;
}

}  // namespace
}  // namespace lienthong::bench
