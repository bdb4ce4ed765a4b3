// Config reload: load and check everything, then apply what can change live.
#include "services/admin/running_config.h"

#include <sys/stat.h>

#include <filesystem>
#include <iterator>
#include <optional>
#include <system_error>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/admin/certificate_report.h"
#include "services/common/files.h"
#include "services/common/log.h"
#include "services/config/gateway_config.h"
#include "services/security/server_credentials.h"
#include "services/store/exchange_log.h"

namespace lienthong::admin {
namespace {

using google::protobuf::util::MessageDifferencer;

std::string FileStamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "missing";
  return absl::StrCat(st.st_ino, "|", st.st_size, "|", st.st_mtim.tv_sec, ".",
                      st.st_mtim.tv_nsec);
}

// Collects the paths of differing fields, down to three levels, stopping at repeated fields.
class ChangedFields : public MessageDifferencer::Reporter {
 public:
  void ReportAdded(const google::protobuf::Message&, const google::protobuf::Message&,
                   const std::vector<MessageDifferencer::SpecificField>& path) override {
    Add(path);
  }
  void ReportDeleted(const google::protobuf::Message&, const google::protobuf::Message&,
                     const std::vector<MessageDifferencer::SpecificField>& path) override {
    Add(path);
  }
  void ReportModified(const google::protobuf::Message&, const google::protobuf::Message&,
                      const std::vector<MessageDifferencer::SpecificField>& path) override {
    Add(path);
  }
  // The most precise paths: a message is named only when no field inside it is.
  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (auto it = paths_.begin(); it != paths_.end(); ++it) {
      auto next = std::next(it);
      if (next != paths_.end() && absl::StartsWith(*next, *it + ".")) continue;
      out.push_back(*it);
    }
    return out;
  }

 private:
  void Add(const std::vector<MessageDifferencer::SpecificField>& path) {
    std::vector<std::string> names;
    for (const auto& step : path) {
      if (step.field == nullptr || names.size() == 3) break;
      names.push_back(step.field->name());
      if (step.field->is_repeated()) break;
    }
    if (!names.empty()) paths_.insert(absl::StrJoin(names, "."));
  }
  std::set<std::string> paths_;
};

bool SameAdapters(const google::protobuf::RepeatedPtrField<config::v1::Adapter>& a,
                  const google::protobuf::RepeatedPtrField<config::v1::Adapter>& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i) {
    if (!MessageDifferencer::Equals(a.Get(i), b.Get(i))) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> RestartRequiredChanges(const config::v1::GatewayConfig& running,
                                                const config::v1::GatewayConfig& next) {
  ChangedFields changed;
  {
    MessageDifferencer differ;
    differ.ReportDifferencesTo(&changed);
    differ.Compare(running, next);
  }
  return changed.paths();
}

RunningConfig::RunningConfig(config::v1::GatewayConfig config, Targets targets,
                             absl::Duration poll)
    : targets_(targets), config_(std::move(config)), loaded_at_(absl::Now()) {
  RefreshCertificateGauges();
  if (poll > absl::ZeroDuration()) watcher_ = std::thread([this, poll] { WatchLoop(poll); });
}

RunningConfig::~RunningConfig() { Stop(); }

void RunningConfig::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (watcher_.joinable()) watcher_.join();
}

void RunningConfig::WatchFile(const std::string& path) {
  // Absolute, so that reloads read the same file whatever the working folder becomes.
  std::error_code error;
  std::string absolute = std::filesystem::absolute(path, error).string();
  if (error) absolute = path;
  absl::MutexLock lock(&mu_);
  file_ = absolute;
  reloaded_stamp_ = FileStamp(absolute);
}

config::v1::GatewayConfig RunningConfig::config() const {
  absl::MutexLock lock(&mu_);
  return config_;
}

std::string RunningConfig::file() const {
  absl::MutexLock lock(&mu_);
  return file_;
}

absl::Time RunningConfig::loaded_at() const {
  absl::MutexLock lock(&mu_);
  return loaded_at_;
}

void RunningConfig::RefreshCertificateGauges() const {
  if (targets_.metrics == nullptr || targets_.listener_tls == nullptr) return;
  targets_.metrics->SetCertificates(
      CertificatesInUse(*targets_.listener_tls->active(), config(), absl::Now()));
}

void RunningConfig::WatchLoop(absl::Duration poll) {
  std::string seen;
  for (;;) {
    std::string path;
    std::string reloaded;
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), poll)) return;
      path = file_;
      reloaded = reloaded_stamp_;
    }
    RefreshCertificateGauges();
    if (path.empty()) continue;
    const std::string stamp = FileStamp(path);
    if (stamp == reloaded || stamp != seen) {
      seen = stamp;  // unchanged, or changed since the last look: let it settle
      continue;
    }
    Reload("file change");
  }
}

ReloadOutcome RunningConfig::Reload(absl::string_view trigger) {
  absl::MutexLock one_at_a_time(&reload_mu_);
  ReloadOutcome outcome;
  std::string path;
  config::v1::GatewayConfig running;
  {
    absl::MutexLock lock(&mu_);
    path = file_;
    running = config_;
  }
  if (path.empty()) {
    outcome.errors.push_back("this gateway was not started from a config file: nothing to reload");
    return outcome;
  }

  // Everything is checked before anything applies.
  const std::string stamp = FileStamp(path);
  // What was read, for the exchange log's digest (a file unreadable now is refused below too).
  const std::string file_bytes = ReadFileToString(path).value_or("");
  auto loaded = config::LoadGatewayConfig(path);
  std::shared_ptr<const security::AccessPolicy> policy;
  std::optional<security::TlsCandidate> tls;
  if (!loaded.ok()) {
    std::vector<std::string> lines =
        absl::StrSplit(loaded.status().message(), '\n', absl::SkipEmpty());
    outcome.errors = std::move(lines);
  } else {
    auto compiled = security::AccessPolicy::Compile(loaded->access_policy());
    if (compiled.ok()) {
      policy = *compiled;
    } else {
      outcome.errors.push_back(absl::StrCat(path, ": ", compiled.status().message()));
    }
    auto candidate =
        targets_.listener_tls->Check(security::ListenerTlsSources(loaded->listener().tls()));
    if (candidate.ok()) {
      tls = std::move(*candidate);
    } else {
      outcome.errors.push_back(
          absl::StrCat(path, ": listener.tls: ", candidate.status().message()));
    }
  }
  {
    absl::MutexLock lock(&mu_);
    reloaded_stamp_ = stamp;  // a refused file is not tried again until it changes
  }
  auto refuse = [&] {
    LogLine(LogLevel::kWarning, "config reload refused; the running config stays")
        .Str("trigger", trigger).Str("file", path).Str("errors", absl::StrJoin(outcome.errors, "; "));
    if (targets_.metrics != nullptr) targets_.metrics->ConfigReloaded(false);
    LogReload(trigger, file_bytes, outcome);
    return outcome;
  };
  if (!outcome.errors.empty()) return refuse();

  // Adapters: the new and changed ones are built now (a failure refuses the reload with nothing
  // applied) and put in force after the rest.
  sync::SyncControl::ApplyAdapters apply_adapters;
  if (targets_.adapters != nullptr && !SameAdapters(running.adapters(), loaded->adapters())) {
    auto prepared = targets_.adapters->PrepareAdapters(loaded->adapters());
    if (!prepared.ok()) {
      outcome.errors.push_back(absl::StrCat(path, ": ", prepared.status().message()));
      return refuse();
    }
    apply_adapters = std::move(*prepared);
  }

  // What can change live is taken from the new config; the rest stays as it runs.
  config::v1::GatewayConfig effective = running;
  if (targets_.adapters != nullptr) *effective.mutable_adapters() = loaded->adapters();
  if (loaded->has_access_policy()) {
    *effective.mutable_access_policy() = loaded->access_policy();
  } else {
    effective.clear_access_policy();
  }
  const auto& next_tls = loaded->listener().tls();
  auto* tls_config = effective.mutable_listener()->mutable_tls();
  tls_config->set_key_file(next_tls.key_file());
  tls_config->set_cert_file(next_tls.cert_file());
  tls_config->set_client_ca_file(next_tls.client_ca_file());
  tls_config->set_crl_dir(next_tls.crl_dir());
  effective.mutable_logging()->set_level(loaded->logging().level());
  if (loaded->retention().has_exchange_log_max_age()) {
    *effective.mutable_retention()->mutable_exchange_log_max_age() =
        loaded->retention().exchange_log_max_age();
  } else if (effective.has_retention()) {
    effective.mutable_retention()->clear_exchange_log_max_age();
  }
  outcome.restart_required = RestartRequiredChanges(effective, *loaded);

  // TLS first: publishing the files is the one step that can still fail.
  const auto tls_before = targets_.listener_tls->active();
  const absl::Status tls_applied = targets_.listener_tls->Apply(std::move(*tls));
  if (!tls_applied.ok()) {
    outcome.errors.push_back(absl::StrCat(path, ": listener.tls: ", tls_applied.message()));
    return refuse();
  }
  if (targets_.listener_tls->active() != tls_before ||
      !MessageDifferencer::Equals(running.listener().tls(), effective.listener().tls())) {
    outcome.changes.push_back("listener.tls");
  }
  if (!MessageDifferencer::Equals(running.access_policy(), effective.access_policy())) {
    outcome.changes.push_back("access_policy");
  }
  targets_.policy->Set(std::move(policy));
  if (running.logging().level() != effective.logging().level()) {
    SetMinLogLevel(static_cast<LogLevel>(effective.logging().level()));
    outcome.changes.push_back("logging.level");
  }
  const absl::Duration max_age = ExchangeLogMaxAge(effective);
  if (max_age != ExchangeLogMaxAge(running)) {
    if (targets_.retention != nullptr) targets_.retention->SetMaxAge(max_age);
    outcome.changes.push_back("retention.exchange_log_max_age");
  }
  if (apply_adapters) {
    // Drains the removed and changed adapters' workers, then starts the new ones.
    const sync::AdapterSetChanges adapters = apply_adapters();
    for (const std::string& name : adapters.added) {
      outcome.changes.push_back(absl::StrCat("adapters.added:", name));
    }
    for (const std::string& name : adapters.changed) {
      outcome.changes.push_back(absl::StrCat("adapters.changed:", name));
    }
    for (const std::string& name : adapters.removed) {
      outcome.changes.push_back(absl::StrCat("adapters.removed:", name));
    }
  }
  {
    absl::MutexLock lock(&mu_);
    config_ = effective;
    loaded_at_ = absl::Now();
  }
  outcome.applied = true;
  LogLine(LogLevel::kInfo, "config reloaded")
      .Str("trigger", trigger).Str("file", path)
      .Str("changes", outcome.changes.empty() ? "none" : absl::StrJoin(outcome.changes, ","));
  if (!outcome.restart_required.empty()) {
    LogLine(LogLevel::kWarning, "config changes that need a restart were not applied")
        .Str("fields", absl::StrJoin(outcome.restart_required, ","));
  }
  if (targets_.metrics != nullptr) targets_.metrics->ConfigReloaded(true);
  RefreshCertificateGauges();
  LogReload(trigger, file_bytes, outcome);
  return outcome;
}

void RunningConfig::LogReload(absl::string_view trigger, const std::string& file_bytes,
                              const ReloadOutcome& outcome) const {
  if (targets_.exchange_log == nullptr) return;
  store::ExchangeLogEntry entry;
  entry.time = absl::Now();
  entry.member = kMaintenanceMember;  // the caller of ReloadConfig has its own entry too
  entry.method = kReloadMethod;
  entry.request_digest = store::Sha256(file_bytes);
  entry.request_bytes = static_cast<int64_t>(file_bytes.size());
  entry.status_code = static_cast<int>(outcome.applied ? absl::StatusCode::kOk
                                                       : absl::StatusCode::kInvalidArgument);
  entry.records.push_back(absl::StrCat("config_trigger:", trigger));
  for (const std::string& change : outcome.changes) {
    entry.records.push_back(absl::StrCat("config_change:", change));
  }
  targets_.exchange_log->LogExchange(std::move(entry));
}

}  // namespace lienthong::admin
