// DvcqgAdapter: plans a batch's portal calls, sends them, and remembers what was accepted.
#include "adapters/dvcqg/dvcqg_adapter.h"

#include <functional>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"

namespace lienthong::adapters::dvcqg {
namespace {

constexpr char kSyncDossiers[] = "DongBoHoSoMC";
constexpr char kUpdateProgress[] = "CapNhatTienDoHoSoMC";

// A dossier's own fields, as the portal sees them: its DongBoHoSoMC object without the status,
// which status moves change and progress calls carry.
size_t Fingerprint(PortalJson& object) {
  PortalJson& status = object["TrangThaiHoSo"];
  PortalJson kept = std::move(status);  // blanked for the hash, then put back (no copy)
  status = "";
  const size_t hash = std::hash<PortalJson>()(object);  // walks the values; no text is built
  status = std::move(kept);
  return hash;
}

// One dossier event of a batch, as planned.
struct PlannedEvent {
  const v1::ChangeEvent* event;
  PortalJson object;  // its DongBoHoSoMC object
  size_t fingerprint;
};

}  // namespace

DvcqgAdapter::DvcqgAdapter(DvcqgOptions options)
    : codes_(std::move(options.codes)),
      session_(std::move(options.account), std::make_unique<HttpJsonClient>(options.http)),
      known_(options.memory),
      sent_(options.memory) {}

int DvcqgAdapter::logins() {
  absl::MutexLock lock(&mu_);
  return session_.logins();
}

uint8_t DvcqgAdapter::SentParts(const std::string& event_id) const {
  const uint8_t* parts = sent_.Find(event_id);
  return parts == nullptr ? 0 : *parts;
}

void DvcqgAdapter::MarkSent(const std::string& event_id, uint8_t parts) {
  sent_.Put(event_id, static_cast<uint8_t>(SentParts(event_id) | parts));
}

absl::Status DvcqgAdapter::Apply(absl::Span<const v1::ChangeEvent> events) {
  absl::MutexLock lock(&mu_);
  // Apply runs on the engine's worker thread: an exception escaping it ends the gateway. The
  // JSON calls below are written not to throw; should one still do, the batch is retried (its
  // message is not passed on: nlohmann's can quote the bytes of the value).
  try {
    return ApplyLocked(events);
  } catch (const nlohmann::json::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("dvcqg: unexpected JSON error (nlohmann id ", e.id, ")"));
  }
}

absl::Status DvcqgAdapter::ApplyLocked(absl::Span<const v1::ChangeEvent> events) {
  // The plan: creations, dossiers to send whole again (with the events that asked for it), and
  // steps, each in commit order.
  std::vector<PlannedEvent> creates;
  std::vector<std::string> update_order;
  std::map<std::string, std::vector<std::string>> update_events;  // code -> event ids
  std::vector<std::pair<const v1::ChangeEvent*, int>> steps;      // event, history index
  // The batch's view of each dossier: what the portal holds once the events before are sent.
  std::unordered_map<std::string, Known> view;
  // code -> the batch's newest event of it and its fingerprint
  std::unordered_map<std::string, std::pair<const v1::ChangeEvent*, size_t>> newest;

  for (const v1::ChangeEvent& event : events) {
    if (!event.has_dossier()) {
      return absl::InvalidArgumentError(
          absl::StrCat("event ", event.event_id(), " is not a dossier: the dvcqg adapter takes "
                                                   "dossiers only"));
    }
    const v1::Dossier& dossier = event.dossier();
    const std::string& code = dossier.code();
    auto [at, first] = view.try_emplace(code);
    if (first) {
      if (const Known* known = known_.Find(code)) at->second = *known;
    }
    Known& held = at->second;
    const uint8_t sent = SentParts(event.event_id());
    const bool older = event.version() < held.version;
    const bool is_update = event.operation() != v1::OPERATION_CREATE;
    if (is_update && !IsResyncEvent(event) && !dossier.history().empty() &&
        (sent & kProgress) == 0) {
      steps.emplace_back(&event, dossier.history_size() - 1);
    }
    if (older) continue;  // the portal holds a newer state: only the step above is news
    PortalJson object = DossierObject(dossier, codes_);
    const size_t fingerprint = Fingerprint(object);
    const bool create_unknown = !is_update && (sent & kCreateUnknown) != 0;
    if (!is_update && !create_unknown) {
      if ((sent & kCreate) == 0) creates.push_back({&event, std::move(object), fingerprint});
    } else if ((sent & (kUpdate | kCreate)) == 0 &&
               (create_unknown || IsResyncEvent(event) || held.version == 0 ||
                fingerprint != held.fingerprint)) {
      auto& ids = update_events[code];
      if (ids.empty()) update_order.push_back(code);
      ids.push_back(event.event_id());
    }
    held = Known{event.version(), fingerprint};
    newest.insert_or_assign(code, std::make_pair(&event, fingerprint));
  }

  if (!creates.empty()) {
    PortalJson data = PortalJson::array();
    for (PlannedEvent& planned : creates) data.push_back(std::move(planned.object));
    const absl::Status created =
        session_.Call(kSyncDossiers, {{"isUpdating", false}, {"data", std::move(data)}}).status();
    if (!created.ok()) {
      if (IsTransientFailure(created) && session_.last_call_posted()) {
        for (const PlannedEvent& planned : creates) {
          MarkSent(planned.event->event_id(), kCreateUnknown);
        }
      }
      return created;
    }
    for (const PlannedEvent& planned : creates) {
      MarkSent(planned.event->event_id(), kCreate);
      known_.Put(planned.event->dossier().code(),
                 Known{planned.event->version(), planned.fingerprint});
    }
  }
  if (!update_order.empty()) {
    PortalJson data = PortalJson::array();
    for (const std::string& code : update_order) {
      data.push_back(DossierObject(newest.at(code).first->dossier(), codes_));
    }
    RETURN_IF_ERROR(
        session_.Call(kSyncDossiers, {{"isUpdating", true}, {"data", std::move(data)}}).status());
    for (const std::string& code : update_order) {
      for (const std::string& id : update_events[code]) MarkSent(id, kUpdate);
    }
  }
  if (!steps.empty()) {
    PortalJson data = PortalJson::array();
    for (const auto& [event, index] : steps) {
      data.push_back(ProgressObject(event->dossier(), index, codes_));
    }
    RETURN_IF_ERROR(session_.Call(kUpdateProgress, {{"data", std::move(data)}}).status());
    for (const auto& step : steps) MarkSent(step.first->event_id(), kProgress);
  }
  // Everything landed: the portal holds each dossier's newest state of the batch.
  for (const auto& [code, event_and_fingerprint] : newest) {
    const auto& [event, fingerprint] = event_and_fingerprint;
    known_.Put(code, Known{event->version(), fingerprint});
  }
  return absl::OkStatus();
}

}  // namespace lienthong::adapters::dvcqg
