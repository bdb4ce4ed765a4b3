// Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from the unit tests'
// sample data: the valid requests of tests/unit/validation/samples.h, cursors, a CA with its key
// and CRL, jsonl files with and without a torn last line. Run once when the samples change:
//   build-asan/tests/fuzz/make_seeds tests/fuzz/corpus
// (the YAML seeds are the repository's config files, copied by hand).
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <sys/stat.h>

#include "absl/time/clock.h"
#include "google/protobuf/message.h"
#include "services/security/pki.h"
#include "lienthong/v1/change_feed_service.pb.h"
#include "services/store/change_cursor.h"
#include "tests/unit/validation/samples.h"

namespace {

std::string g_root;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  const std::string dir = g_root + "/" + target;
  ::mkdir(dir.c_str(), 0755);
  std::ofstream(dir + "/" + name, std::ios::binary | std::ios::trunc) << bytes;
}

// The pick byte the target reads first, then the serialized message.
std::string Picked(uint8_t pick, const google::protobuf::Message& message) {
  return std::string(1, static_cast<char>(pick)) + message.SerializeAsString();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lienthong;  // NOLINT: a one-off tool
  namespace samples = validation::samples;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  g_root = argv[1];

  Write("dossier_validation_fuzz", "submit", Picked(0, samples::SubmitDossierRequest()));
  Write("dossier_validation_fuzz", "update_status",
        Picked(1, samples::UpdateDossierStatusRequest()));
  Write("dossier_validation_fuzz", "list", Picked(2, samples::ListDossiersRequest()));
  Write("dossier_validation_fuzz", "stats", Picked(3, samples::GetDossierStatsRequest()));
  v1::GetDossierRequest get;
  get.set_code("000.00.15.H26-251120-0001");
  Write("dossier_validation_fuzz", "get", Picked(4, get));

  Write("record_validation_fuzz", "upsert", Picked(0, samples::UpsertRecordsRequest()));
  v1::ListRecordsRequest list;
  list.set_type(v1::RECORD_TYPE_DIPLOMA);
  list.set_page_size(100);
  Write("record_validation_fuzz", "list", Picked(1, list));
  Write("record_validation_fuzz", "verify", Picked(2, samples::VerifyDiplomaRequest()));

  const std::string cursor = store::EncodeCursor({0x2a});
  Write("change_feed_request_fuzz", "cursor", std::string(1, '\0') + cursor);
  v1::SubscribeRequest subscribe;
  subscribe.add_record_types(v1::RECORD_TYPE_DIPLOMA);
  subscribe.set_from_cursor(cursor);
  subscribe.set_subscription_name("so-gd.diplomas");
  subscribe.set_max_events_per_message(100);
  Write("change_feed_request_fuzz", "subscribe", Picked(1, subscribe));
  v1::AckRequest ack;
  ack.set_subscription_name("so-gd.diplomas");
  ack.set_cursor(cursor);
  Write("change_feed_request_fuzz", "ack", Picked(2, ack));

  security::CaSpec spec;
  spec.subject.common_name = "lienthong seed CA";
  auto ca = security::CreateCertificateAuthority(spec);
  if (!ca.ok()) {
    std::fprintf(stderr, "%s\n", ca.status().ToString().c_str());
    return 1;
  }
  Write("tls_material_fuzz", "chain", std::string(1, '\0') + ca->cert_pem);
  Write("tls_material_fuzz", "key", "\x01" + ca->key_pem);
  Write("tls_material_fuzz", "bundle", "\x02" + ca->cert_pem);
  security::LeafSpec leaf;
  leaf.subject.common_name = "000.00.00.H49";
  leaf.usage = security::CertificateUsage::kClient;
  auto member = security::IssueCertificate(*ca, leaf);
  if (member.ok()) Write("tls_material_fuzz", "member", "\x03" + member->cert_pem);
  auto crl = security::CreateCrl(*ca, {"01", "ABCDEF"}, absl::Now(), absl::Now() + absl::Hours(24));
  if (crl.ok()) Write("crl_fuzz", "crl.pem", *crl);

  const std::string line =
      "{\"cursor\":\"1.1\",\"event_id\":\"0b7e3d8a-1c2f-4a5b-9e8d-7f6a5b4c3d2e\"}\n";
  Write("jsonl_torn_line_fuzz", "complete", line + line);
  Write("jsonl_torn_line_fuzz", "torn", line + line.substr(0, 20));
  return 0;
}
