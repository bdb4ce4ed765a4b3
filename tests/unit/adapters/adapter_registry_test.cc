// Registry and factories: every built-in kind is registered once, a bad config is refused with
// the names of its bad fields, a good one builds.
#include "adapters/adapter_registry.h"

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "adapters/builtin_adapters.h"
#include "adapters/jsonl/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/rpc_status.h"
#include "tests/support/status_assertions.h"

namespace lienthong::adapters {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

std::vector<std::string> BadFields(const absl::Status& status) {
  google::rpc::BadRequest bad;
  std::vector<std::string> fields;
  if (GetBadRequest(status, &bad)) {
    for (const auto& v : bad.field_violations()) fields.push_back(v.field());
  }
  return fields;
}

class AdapterRegistryTest : public ::testing::Test {
 protected:
  AdapterRegistryTest() { RegisterBuiltinAdapters(&registry_); }
  AdapterRegistry registry_;
};

TEST_F(AdapterRegistryTest, ListsEveryBuiltinKindOnce) {
  EXPECT_THAT(registry_.kinds(), ElementsAre("dvcqg", "grpc", "jsonl", "postgres"));
  ASSERT_NE(registry_.Find("postgres"), nullptr);
  EXPECT_EQ(registry_.Find("postgres")->kind(), "postgres");
  EXPECT_EQ(registry_.Find("kafka"), nullptr);
  EXPECT_EQ(registry_.Register(std::make_unique<jsonl::JsonlAdapterFactory>()).code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(AdapterRegistryTest, EntryWithoutKindIsRefused) {
  config::v1::Adapter config;
  config.set_name("a");
  auto built = registry_.Create(config);
  EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(built.status()), ElementsAre("kind"));
}

TEST_F(AdapterRegistryTest, UnknownOrUntakenRecordTypesAreNamed) {
  config::v1::Adapter config;
  config.set_name("a");
  config.mutable_jsonl()->set_output_file("/tmp/x.jsonl");
  config.add_record_types("school");
  config.add_record_types("teacher");
  auto built = registry_.Create(config);
  EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(built.status()), ElementsAre("record_types[1]"));
}

TEST_F(AdapterRegistryTest, PostgresConfigErrorsNameEachField) {
  config::v1::Adapter config;
  config.set_name("pg");
  config.mutable_postgres()->set_schema("Bad-Schema");
  EXPECT_THAT(BadFields(registry_.Create(config).status()),
              UnorderedElementsAre("postgres.conninfo", "postgres.schema"));

  config.mutable_postgres()->set_conninfo("host=127.0.0.1 password=secret");
  config.mutable_postgres()->set_schema("");
  EXPECT_THAT(BadFields(registry_.Create(config).status()), ElementsAre("postgres.conninfo"));

  config.mutable_postgres()->set_conninfo("host=127.0.0.1 nonsense_keyword=1");
  EXPECT_THAT(BadFields(registry_.Create(config).status()), ElementsAre("postgres.conninfo"));
}

TEST_F(AdapterRegistryTest, GrpcConfigErrorsNameEachField) {
  config::v1::Adapter config;
  config.set_name("sink");
  config.mutable_grpc()->set_target("no-port");
  config.mutable_grpc()->mutable_deadline()->set_seconds(-1);
  EXPECT_THAT(BadFields(registry_.Create(config).status()),
              UnorderedElementsAre("grpc.target", "grpc.key_file", "grpc.cert_file",
                                   "grpc.ca_file", "grpc.deadline"));
}

TEST_F(AdapterRegistryTest, JsonlConfigErrorsNameEachField) {
  config::v1::Adapter config;
  config.set_name("file");
  config.mutable_jsonl()->set_rotate_bytes(10);
  config.mutable_jsonl()->set_keep_files(5000);
  EXPECT_THAT(BadFields(registry_.Create(config).status()),
              UnorderedElementsAre("jsonl.output_file", "jsonl.rotate_bytes", "jsonl.keep_files"));
}

TEST_F(AdapterRegistryTest, GoodConfigsBuildWithoutConnecting) {
  config::v1::Adapter pg;
  pg.set_name("pg");
  // Nothing listens there: building must not try.
  pg.mutable_postgres()->set_conninfo("host=127.0.0.1 port=1 dbname=sector");
  pg.mutable_postgres()->set_password_file("/nonexistent/password");
  pg.add_record_types("dossier");
  EXPECT_OK(registry_.Create(pg));

  // The grpc kind's files must be there to be read when the config is checked (their contents
  // are checked when the adapter connects).
  config::v1::Adapter sink;
  sink.set_name("sink");
  sink.mutable_grpc()->set_target("127.0.0.1:1");
  sink.mutable_grpc()->set_key_file("/nonexistent/key");
  sink.mutable_grpc()->set_cert_file("/nonexistent/cert");
  sink.mutable_grpc()->set_ca_file("/nonexistent/ca");
  EXPECT_THAT(BadFields(registry_.Create(sink).status()),
              UnorderedElementsAre("grpc.key_file", "grpc.cert_file", "grpc.ca_file"));
  const std::string present = ::testing::TempDir() + "/adapter_registry_test.pem";
  std::ofstream(present) << "not checked before connecting\n";
  sink.mutable_grpc()->set_key_file(present);
  sink.mutable_grpc()->set_cert_file(present);
  sink.mutable_grpc()->set_ca_file(present);
  EXPECT_OK(registry_.Create(sink));

  config::v1::Adapter file;
  file.set_name("file");
  file.mutable_jsonl()->set_output_file("/nonexistent/changes.jsonl");
  EXPECT_OK(registry_.Create(file));
}

TEST(AdapterContractTest, TransientCodesAreTheOutageCodes) {
  EXPECT_TRUE(IsTransientFailure(absl::UnavailableError("down")));
  EXPECT_TRUE(IsTransientFailure(absl::DeadlineExceededError("slow")));
  EXPECT_TRUE(IsTransientFailure(absl::AbortedError("deadlock")));
  EXPECT_TRUE(IsTransientFailure(absl::ResourceExhaustedError("disk full")));
  EXPECT_FALSE(IsTransientFailure(absl::InvalidArgumentError("bad record")));
  EXPECT_FALSE(IsTransientFailure(absl::FailedPreconditionError("refused")));
  EXPECT_FALSE(IsTransientFailure(absl::OkStatus()));
}

TEST(AdapterContractTest, RecordTypeNamesRoundTrip) {
  for (v1::RecordType type : {v1::RECORD_TYPE_DOSSIER, v1::RECORD_TYPE_SCHOOL,
                              v1::RECORD_TYPE_STUDENT, v1::RECORD_TYPE_DIPLOMA}) {
    auto back = RecordTypeFromName(RecordTypeName(type));
    ASSERT_OK(back);
    EXPECT_EQ(*back, type);
  }
  EXPECT_EQ(RecordTypeFromName("teacher").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lienthong::adapters
