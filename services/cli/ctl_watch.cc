// lienthongctl watch.
#include "services/cli/ctl_watch.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "lienthong/v1/change_feed_service.grpc.pb.h"
#include "services/cli/ctl_connection.h"
#include "services/common/rpc_status.h"
#include "services/security/pki.h"

ABSL_FLAG(std::string, cursor_file, "lienthong-watch.cursor",
          "watch: file holding the last cursor; read at start, rewritten after each event.");
ABSL_FLAG(std::string, types, "", "watch: record types to follow, e.g. dossier,diploma (all).");
ABSL_FLAG(std::string, agencies, "", "watch: agency codes to follow, comma-separated (all).");
ABSL_FLAG(std::string, subscription, "",
          "watch: durable subscription name; the gateway keeps its position (acknowledged).");
ABSL_FLAG(bool, from_oldest, false, "watch: with no saved cursor, start at the oldest change.");
ABSL_FLAG(int64_t, max_events, 0, "watch: stop after this many events (0: follow forever).");

namespace lienthong::cli {
namespace {

std::string ReadCursorFile(const std::string& path) {
  std::ifstream in(path);
  std::string cursor;
  std::getline(in, cursor);
  return cursor;
}

}  // namespace

int Watch(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::fprintf(stderr, "usage: lienthongctl watch [--cursor_file F] [--types T] [--agencies A] "
                         "[--subscription NAME] [--from_oldest] [--max_events N]\n");
    return 2;
  }
  auto channel = ConnectFromFlags();
  if (!channel.ok()) {
    std::fprintf(stderr, "lienthongctl: %s\n", std::string(channel.status().message()).c_str());
    return 1;
  }
  auto stub = v1::ChangeFeedService::NewStub(*channel);
  v1::SubscribeRequest request;
  const std::string cursor_file = absl::GetFlag(FLAGS_cursor_file);
  const std::string saved = ReadCursorFile(cursor_file);
  if (!saved.empty()) {
    request.set_from_cursor(saved);
  } else if (absl::GetFlag(FLAGS_from_oldest)) {
    request.set_from_oldest(true);
  }
  for (absl::string_view type : absl::StrSplit(absl::GetFlag(FLAGS_types), ',', absl::SkipEmpty())) {
    v1::RecordType parsed;
    if (!v1::RecordType_Parse(absl::StrCat("RECORD_TYPE_", absl::AsciiStrToUpper(type)), &parsed)) {
      std::fprintf(stderr, "lienthongctl: unknown record type '%s' (dossier, school, student, "
                           "diploma)\n", std::string(type).c_str());
      return 2;
    }
    request.add_record_types(parsed);
  }
  for (absl::string_view agency :
       absl::StrSplit(absl::GetFlag(FLAGS_agencies), ',', absl::SkipEmpty())) {
    request.add_agency_codes(std::string(agency));
  }
  request.set_subscription_name(absl::GetFlag(FLAGS_subscription));

  grpc::ClientContext context;
  auto reader = stub->Subscribe(&context, request);
  v1::SubscribeResponse response;
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = true;
  int64_t events = 0;
  const int64_t max_events = absl::GetFlag(FLAGS_max_events);
  std::string unacked;
  auto ack = [&]() {
    if (request.subscription_name().empty() || unacked.empty()) return;
    grpc::ClientContext ack_context;
    ack_context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::AckRequest ack_request;
    ack_request.set_subscription_name(request.subscription_name());
    ack_request.set_cursor(unacked);
    v1::AckResponse ack_response;
    if (stub->Ack(&ack_context, ack_request, &ack_response).ok()) unacked.clear();
  };
  while (reader->Read(&response)) {
    std::string cursor;
    if (response.has_event()) {
      std::string line;
      google::protobuf::util::MessageToJsonString(response.event(), &line, json);
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
      cursor = response.event().cursor();
      ++events;
    } else {
      cursor = response.progress().cursor();
    }
    // The cursor file is replaced atomically so a crash leaves the old or the new one.
    absl::Status saved_ok = security::WritePrivateFile(cursor_file, cursor + "\n", 0600);
    if (!saved_ok.ok()) {
      std::fprintf(stderr, "lienthongctl: cannot save cursor: %s\n",
                   std::string(saved_ok.message()).c_str());
      return 1;
    }
    unacked = cursor;
    if (response.has_progress() || events % 100 == 0) ack();
    if (max_events > 0 && events >= max_events) {
      ack();
      context.TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  if (max_events > 0 && events >= max_events) return 0;
  absl::Status error = FromGrpcStatus(status);
  std::fprintf(stderr, "lienthongctl: stream ended: %s: %s\n",
               std::string(absl::StatusCodeToString(error.code())).c_str(),
               std::string(error.message()).c_str());
  return 1;
}

}  // namespace lienthong::cli
