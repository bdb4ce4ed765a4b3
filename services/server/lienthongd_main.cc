// lienthongd: the gateway daemon. Loads the config, serves until SIGTERM/SIGINT, stops cleanly.
#include <signal.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "services/common/log.h"
#include "services/config/gateway_config.h"
#include "services/server/gateway_app.h"
#include "services/server/gateway_server.h"

ABSL_FLAG(std::string, config, "", "Path of the gateway's YAML config file (required).");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("lienthongd --config FILE\n  The lienthong gateway daemon.");
  absl::ParseCommandLine(argc, argv);
  lienthong::server::PrepareServingProcess();
  const std::string config_path = absl::GetFlag(FLAGS_config);
  if (config_path.empty()) {
    std::fprintf(stderr, "lienthongd: --config FILE is required\n");
    return 2;
  }

  // Block the signals we handle before any thread starts, so only sigwait() below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto config = lienthong::config::LoadGatewayConfig(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "lienthongd: refusing to start, invalid config:\n%s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  lienthong::SetMinLogLevel(static_cast<lienthong::LogLevel>(config->logging().level()));

  auto app = lienthong::server::GatewayApp::Start(*config);
  if (!app.ok()) {
    lienthong::LogLine(lienthong::LogLevel::kError, "cannot start")
        .Str("error", app.status().message());
    std::fprintf(stderr, "lienthongd: cannot start: %s\n",
                 std::string(app.status().message()).c_str());
    return 1;
  }
  (*app)->WatchConfigFile(config_path);
  lienthong::LogLine(lienthong::LogLevel::kInfo, "lienthongd ready")
      .Str("config", config_path).Int("port", (*app)->port());

  for (;;) {
    int signal_number = 0;
    if (sigwait(&signals, &signal_number) != 0) continue;
    if (signal_number == SIGHUP) {
      // The outcome (applied, or refused with its errors) is logged by the reload itself.
      (*app)->ReloadConfig("SIGHUP");
      continue;
    }
    lienthong::LogLine(lienthong::LogLevel::kInfo, "signal received")
        .Int("signal", signal_number);
    break;
  }
  (*app)->Shutdown((*app)->configured_grace());
  return 0;
}
