// Config files: every kind of mistake names the file and the field path; good configs load.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "services/config/gateway_config.h"
#include "services/security/tls_material.h"
#include "tests/support/child_process.h"
#include "tests/support/status_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_gateway.h"
#include "tests/support/test_pki.h"

namespace lienthong {
namespace {

// A listener section that is valid when a PKI lives in ../var/pki beside the config folder (the
// layout of the repository: config/ and var/pki/). Lines 1-6 of every config below.
constexpr char kListener[] = R"(listener:
  address: "127.0.0.1:0"
  tls:
    key_file: ../var/pki/gateway.key
    cert_file: ../var/pki/gateway.crt
    client_ca_file: ../var/pki/ca.crt
)";

// Lines of a status message.
std::vector<std::string> Lines(absl::string_view message) {
  return absl::StrSplit(message, '\n', absl::SkipEmpty());
}

// Workspace: <tmp>/config/ for config files, <tmp>/var/pki/ for a test PKI.
class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto pki, test::TestPki::Create(dir_.Path("var/pki")));
    (void)pki;
  }

  // Writes `yaml` as config/<name> and returns the file's path.
  std::string WriteConfig(const std::string& yaml, const std::string& name = "lienthong.yaml") {
    const std::string path = dir_.Path("config/" + name);
    EXPECT_OK(test::WriteFile(path, yaml));
    return path;
  }

  // Loads `yaml` expecting INVALID_ARGUMENT with one line that starts with the config file's
  // path (then ":" for line:col or ": ") and names `field_path` followed by `what`.
  void ExpectError(const std::string& yaml, const std::string& field_path,
                   const std::string& what) {
    const std::string path = WriteConfig(yaml);
    const auto config = config::LoadGatewayConfig(path);
    ASSERT_FALSE(config.ok()) << "accepted:\n" << yaml;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << config.status();
    bool found = false;
    for (const std::string& line : Lines(config.status().message())) {
      EXPECT_TRUE(absl::StartsWith(line, path + ":")) << "line does not name the file: " << line;
      const size_t at = line.find(" " + field_path + ": ");
      if (at != std::string::npos && absl::StrContains(line.substr(at), what)) found = true;
    }
    EXPECT_TRUE(found) << "no line names " << field_path << " with \"" << what << "\" in:\n"
                       << config.status().message();
  }

  test::TempDir dir_;
};

TEST_F(ConfigFileTest, MinimalConfigLoadsWithPathsResolvedAgainstItsFolder) {
  const std::string path = WriteConfig(kListener);
  ASSERT_OK_AND_ASSIGN(const auto config, config::LoadGatewayConfig(path));
  // "../var/pki/..." relative to <tmp>/config, whatever the working directory is.
  EXPECT_EQ(config.listener().tls().key_file(), dir_.Path("var/pki/gateway.key"));
  EXPECT_EQ(config.listener().tls().cert_file(), dir_.Path("var/pki/gateway.crt"));
  EXPECT_EQ(config.listener().tls().client_ca_file(), dir_.Path("var/pki/ca.crt"));
  // Defaults: member id from the URI SAN, metrics on loopback, SQLite beside the config.
  EXPECT_EQ(config.listener().tls().member_id_source(), config::v1::MEMBER_ID_SOURCE_URI_SAN);
  EXPECT_EQ(config.admin_http().address(), "127.0.0.1:9464");
  EXPECT_EQ(config.store().kind(), config::v1::STORE_KIND_SQLITE);
  EXPECT_EQ(config.store().sqlite_file(), dir_.Path("config/lienthong.db"));
}

TEST_F(ConfigFileTest, RelativeStoreAndAdapterPathsResolveAgainstTheConfigFolder) {
  const std::string path = WriteConfig(absl::StrCat(kListener, R"(store:
  sqlite_file: data/gateway.db
adapters:
  - name: archive
    jsonl: {output_file: ../var/out/changes.jsonl}
)"));
  ASSERT_OK_AND_ASSIGN(const auto config, config::LoadGatewayConfig(path));
  EXPECT_EQ(config.store().sqlite_file(), dir_.Path("config/data/gateway.db"));
  ASSERT_EQ(config.adapters_size(), 1);
  EXPECT_EQ(config.adapters(0).jsonl().output_file(), dir_.Path("var/out/changes.jsonl"));
}

TEST_F(ConfigFileTest, DevelopmentConfigOfTheRepositoryLoadsWithAPki) {
  // config/lienthong.dev.yaml expects the PKI in ../var/pki: the layout of this workspace.
  ASSERT_OK_AND_ASSIGN(
      const std::string dev,
      security::ReadFileToString(LIENTHONG_SOURCE_DIR "/config/lienthong.dev.yaml"));
  const std::string path = WriteConfig(dev, "lienthong.dev.yaml");
  ASSERT_OK_AND_ASSIGN(const auto config, config::LoadGatewayConfig(path));
  EXPECT_EQ(config.listener().address(), "127.0.0.1:7443");
  EXPECT_EQ(config.listener().tls().key_file(), dir_.Path("var/pki/gateway.key"));
  EXPECT_EQ(config.listener().tls().client_ca_file(), dir_.Path("var/pki/ca.crt"));
  EXPECT_EQ(config.store().sqlite_file(), dir_.Path("var/data/lienthong.db"));
  EXPECT_GE(config.access_policy().members_size(), 1);
  EXPECT_GE(config.calendar().years_size(), 1);
}

// The dev config carries a commented `store:` block for PostgreSQL: uncommented in place of the
// SQLite one (with a password file that exists here), it loads.
TEST_F(ConfigFileTest, PostgresExampleOfTheDevelopmentConfigLoads) {
  ASSERT_OK_AND_ASSIGN(
      std::string dev,
      security::ReadFileToString(LIENTHONG_SOURCE_DIR "/config/lienthong.dev.yaml"));
  const std::string sqlite_block =
      "store:\n  kind: SQLITE\n  sqlite_file: ../var/data/lienthong.db\n";
  ASSERT_TRUE(absl::StrContains(dev, sqlite_block));
  std::string example;
  bool in_example = false;
  for (absl::string_view line : absl::StrSplit(dev, '\n')) {
    if (line == "# store:") in_example = true;
    if (in_example && !absl::StartsWith(line, "#")) break;
    if (in_example) absl::StrAppend(&example, line.substr(std::min<size_t>(2, line.size())), "\n");
  }
  ASSERT_TRUE(absl::StrContains(example, "kind: POSTGRES")) << example;
  ASSERT_OK(test::WriteFile(dir_.Path("config/pg.password"), "s3cret\n"));
  absl::StrReplaceAll({{"/etc/lienthong/pg.password", dir_.Path("config/pg.password")}}, &example);
  absl::StrReplaceAll({{sqlite_block, example}}, &dev);
  ASSERT_OK_AND_ASSIGN(const auto config,
                       config::LoadGatewayConfig(WriteConfig(dev, "lienthong.prod.yaml")));
  EXPECT_EQ(config.store().kind(), config::v1::STORE_KIND_POSTGRES);
  EXPECT_TRUE(absl::StrContains(config.store().postgres().conninfo(), "dbname=lienthong"));
  EXPECT_EQ(config.store().postgres().password_file(), dir_.Path("config/pg.password"));
}

TEST_F(ConfigFileTest, DevelopmentConfigWithoutItsPkiNamesEachMissingFile) {
  ASSERT_OK_AND_ASSIGN(
      const std::string dev,
      security::ReadFileToString(LIENTHONG_SOURCE_DIR "/config/lienthong.dev.yaml"));
  test::TempDir empty;  // no var/pki here
  const std::string path = empty.Path("config/lienthong.dev.yaml");
  ASSERT_OK(test::WriteFile(path, dev));
  const auto config = config::LoadGatewayConfig(path);
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  for (const char* field : {"key_file", "cert_file", "client_ca_file"}) {
    EXPECT_TRUE(absl::StrContains(
        message,
        absl::StrCat(path, ": listener.tls.", field, ": file not found: ", empty.Path("var/pki/"))))
        << field << " in:\n"
        << message;
  }
}

TEST_F(ConfigFileTest, UnknownKeyNamesItsLineFieldPathAndTheNearestField) {
  const std::string path = WriteConfig(absl::StrCat(kListener, "    cert_fiel: x.crt\n"));
  const auto config = config::LoadGatewayConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(config.status().message(),
                               path + ":7:5: listener.tls.cert_fiel: unknown field 'cert_fiel'"))
      << config.status().message();
  EXPECT_TRUE(absl::StrContains(config.status().message(), "cert_file"))
      << "no suggestion: " << config.status().message();
}

TEST_F(ConfigFileTest, UnknownTopLevelSection) {
  ExpectError(absl::StrCat(kListener, "listeners: {}\n"), "listeners", "unknown field");
}

TEST_F(ConfigFileTest, WrongTypeNamesTheField) {
  ExpectError(absl::StrCat(kListener, "limits:\n  max_request_bytes: lots\n"),
              "limits.max_request_bytes", "expected an integer, got 'lots'");
  ExpectError(absl::StrCat(kListener, "logging:\n  access_log: sometimes\n"), "logging.access_log",
              "expected true or false");
  ExpectError(absl::StrCat(kListener, "adapters: {name: x}\n"), "adapters", "expected a sequence");
  ExpectError(absl::StrCat(kListener, "  shutdown_grace: soon\n"), "listener.shutdown_grace",
              "got 'soon'");
}

TEST_F(ConfigFileTest, InvalidValuesNameTheField) {
  ExpectError(absl::StrCat(kListener, "    member_id_source: FINGERPRINT\n"),
              "listener.tls.member_id_source", "unknown value 'FINGERPRINT'");
  ExpectError(absl::StrCat(kListener, "admin_http: {address: \"metrics.local\"}\n"),
              "admin_http.address", "'metrics.local' is not host:port");
  ExpectError(absl::StrCat(kListener, "  shutdown_grace: -5s\n"), "listener.shutdown_grace",
              "must be a positive duration");
  ExpectError(absl::StrCat(kListener, "limits: {max_request_bytes: 10}\n"),
              "limits.max_request_bytes", "must be between 1024 and 268435456");
  ExpectError(absl::StrCat(kListener, "store: {kind: POSTGRES}\n"), "store.postgres.conninfo",
              "required when store.kind is POSTGRES");
}

// store.kind POSTGRES: a `postgres` block of its own, checked field by field.
TEST_F(ConfigFileTest, GoodPostgresStoreLoadsWithItsDefaults) {
  ASSERT_OK(test::WriteFile(dir_.Path("config/pg.password"), "s3cret\n"));
  const std::string path = WriteConfig(absl::StrCat(kListener, R"(store:
  kind: POSTGRES
  group_commit_linger: 2ms
  postgres:
    conninfo: "host=db1 port=5433 dbname=lienthong user=lienthong options='-c search_path=lt'"
    password_file: pg.password
    replica_name: "gw-1.example:7443"
)"));
  ASSERT_OK_AND_ASSIGN(const auto config, config::LoadGatewayConfig(path));
  EXPECT_EQ(config.store().kind(), config::v1::STORE_KIND_POSTGRES);
  const auto& pg = config.store().postgres();
  EXPECT_EQ(pg.conninfo(),
            "host=db1 port=5433 dbname=lienthong user=lienthong options='-c search_path=lt'");
  EXPECT_EQ(pg.password_file(), dir_.Path("config/pg.password"));  // beside the config
  EXPECT_EQ(pg.replica_name(), "gw-1.example:7443");
  EXPECT_EQ(pg.writer_connections(), 2u);
  EXPECT_EQ(pg.reader_connections(), 4u);
  EXPECT_EQ(config.store().group_commit_max_batch(), 512u);
  EXPECT_EQ(config.store().sqlite_file(), "");  // no SQLite file for a PostgreSQL store

  // A URI, explicit connection counts at their bounds, no password file.
  const std::string uri = WriteConfig(absl::StrCat(kListener, R"(store:
  kind: POSTGRES
  postgres:
    conninfo: "postgresql://lienthong@db1:5432/lienthong?sslmode=verify-full"
    writer_connections: 64
    reader_connections: 1
)"));
  ASSERT_OK_AND_ASSIGN(const auto uri_config, config::LoadGatewayConfig(uri));
  EXPECT_EQ(uri_config.store().postgres().writer_connections(), 64u);
  EXPECT_EQ(uri_config.store().postgres().reader_connections(), 1u);
}

TEST_F(ConfigFileTest, PostgresStoreWithoutConninfo) {
  ExpectError(
      absl::StrCat(kListener, "store:\n  kind: POSTGRES\n  postgres: {writer_connections: 2}\n"),
      "store.postgres.conninfo", "required when store.kind is POSTGRES");
}

TEST_F(ConfigFileTest, PostgresConninfoMustNotHoldThePassword) {
  ExpectError(absl::StrCat(kListener, R"(store:
  kind: POSTGRES
  postgres: {conninfo: "host=db1 dbname=lienthong password=hunter2"}
)"),
              "store.postgres.conninfo",
              "must not hold the password: use store.postgres.password_file");
  ExpectError(absl::StrCat(kListener, R"(store:
  kind: POSTGRES
  postgres: {conninfo: "postgresql://lienthong:hunter2@db1/lienthong"}
)"),
              "store.postgres.conninfo", "must not hold the password");
}

TEST_F(ConfigFileTest, PostgresConninfoThatDoesNotParse) {
  ExpectError(absl::StrCat(kListener, R"(store:
  kind: POSTGRES
  postgres: {conninfo: "host=db1 dbname"}
)"),
              "store.postgres.conninfo", "dbname");
  ExpectError(absl::StrCat(kListener, R"(store:
  kind: POSTGRES
  postgres: {conninfo: "host=db1 colour=blue"}
)"),
              "store.postgres.conninfo", "colour");
}

TEST_F(ConfigFileTest, PostgresPasswordFileMustBeAReadableFile) {
  ExpectError(absl::StrCat(kListener, R"(store:
  kind: POSTGRES
  postgres: {conninfo: "dbname=lienthong", password_file: secrets/pg.password}
)"),
              "store.postgres.password_file",
              absl::StrCat("file not found: ", dir_.Path("config/secrets/pg.password")));
  ExpectError(absl::StrCat(kListener, R"(store:
  kind: POSTGRES
  postgres: {conninfo: "dbname=lienthong", password_file: ../var/pki}
)"),
              "store.postgres.password_file",
              absl::StrCat("not a regular file: ", dir_.Path("var/pki")));
}

TEST_F(ConfigFileTest, PostgresReplicaName) {
  const std::vector<std::string> names = {"gw 1", "gw/1", "gateway-é", std::string(65, 'a')};
  for (const std::string& name : names) {
    ExpectError(absl::StrCat(kListener, "store:\n  kind: POSTGRES\n",
                             "  postgres: {conninfo: \"dbname=lienthong\", replica_name: \"", name,
                             "\"}\n"),
                "store.postgres.replica_name",
                absl::StrCat("'", name, "' is not 1-64 characters of [A-Za-z0-9._:-]"));
  }
}

TEST_F(ConfigFileTest, PostgresConnectionCountsOutOfRange) {
  ExpectError(absl::StrCat(kListener, R"(store:
  kind: POSTGRES
  postgres: {conninfo: "dbname=lienthong", writer_connections: 65}
)"),
              "store.postgres.writer_connections", "must be between 1 and 64");
  ExpectError(absl::StrCat(kListener, R"(store:
  kind: POSTGRES
  postgres: {conninfo: "dbname=lienthong", reader_connections: 257}
)"),
              "store.postgres.reader_connections", "must be between 1 and 256");
}

TEST_F(ConfigFileTest, EveryPostgresMistakeIsReportedAtOnce) {
  const std::string path = WriteConfig(absl::StrCat(kListener, R"(store:
  kind: POSTGRES
  postgres:
    conninfo: "dbname=lienthong password=x"
    password_file: absent.password
    writer_connections: 100
    reader_connections: 1000
    replica_name: "a b"
)"));
  const auto config = config::LoadGatewayConfig(path);
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  for (const char* field : {"conninfo", "password_file", "writer_connections",
                            "reader_connections", "replica_name"}) {
    EXPECT_TRUE(absl::StrContains(message, absl::StrCat(path, ": store.postgres.", field, ": ")))
        << field << "\n" << message;
  }
  EXPECT_EQ(Lines(message).size(), 5u) << message;
}

TEST_F(ConfigFileTest, PostgresBlockIsRefusedWhenTheStoreIsSqlite) {
  // Not ignored: the operator would believe the gateway runs on PostgreSQL.
  const char* kBlock = "  postgres: {conninfo: \"dbname=lienthong\"}\n";
  ExpectError(absl::StrCat(kListener, "store:\n  kind: SQLITE\n", kBlock), "store.postgres",
              "only read when store.kind is POSTGRES");
  ExpectError(absl::StrCat(kListener, "store:\n", kBlock), "store.postgres",
              "only read when store.kind is POSTGRES");
  // Only that one line: the block's own fields are not checked when it is not used.
  const auto config = config::LoadGatewayConfig(WriteConfig(absl::StrCat(
      kListener, "store:\n  postgres: {conninfo: \"password=x\", writer_connections: 99}\n")));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(Lines(config.status().message()).size(), 1u) << config.status().message();
}

TEST_F(ConfigFileTest, FlatPostgresFieldsOfEarlierVersionsAreUnknown) {
  ExpectError(
      absl::StrCat(kListener, "store:\n  kind: POSTGRES\n  postgres_conninfo: \"dbname=x\"\n"),
      "store.postgres_conninfo", "unknown field");
}

TEST_F(ConfigFileTest, ListenerAddressMustBeHostPort) {
  std::string yaml = kListener;
  absl::StrReplaceAll({{"\"127.0.0.1:0\"", "\"localhost\""}}, &yaml);
  ExpectError(yaml, "listener.address", "'localhost' is not host:port");
  yaml = kListener;
  absl::StrReplaceAll({{"\"127.0.0.1:0\"", "\"127.0.0.1:70000\""}}, &yaml);
  ExpectError(yaml, "listener.address", "is not host:port");
}

TEST_F(ConfigFileTest, MissingRequiredFields) {
  ExpectError("admin_http: {address: \"127.0.0.1:9464\"}\n", "listener", "required");
  ExpectError("# nothing but a comment\n", "listener", "required");
  ExpectError("listener:\n  tls: {key_file: ../var/pki/gateway.key}\n", "listener.address",
              "required");
  ExpectError("listener:\n  tls: {key_file: ../var/pki/gateway.key}\n", "listener.tls.cert_file",
              "required");
  ExpectError("listener: {address: \"127.0.0.1:0\"}\n", "listener.tls", "required");
}

TEST_F(ConfigFileTest, MissingTlsFileNamesTheResolvedPath) {
  std::string yaml = kListener;
  absl::StrReplaceAll({{"gateway.key", "missing.key"}}, &yaml);
  ExpectError(yaml, "listener.tls.key_file",
              absl::StrCat("file not found: ", dir_.Path("var/pki/missing.key")));
}

TEST_F(ConfigFileTest, MissingConfigFileIsNotFoundNamingIt) {
  const std::string path = dir_.Path("config/absent.yaml");
  const auto config = config::LoadGatewayConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound) << config.status();
  EXPECT_TRUE(absl::StrContains(config.status().message(), path)) << config.status();
}

TEST_F(ConfigFileTest, MalformedYamlNamesTheFileAndLine) {
  const std::string path = WriteConfig(absl::StrCat(kListener, "limits: [unclosed\n"));
  const auto config = config::LoadGatewayConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(config.status().message(), path + ":")) << config.status();
}

TEST_F(ConfigFileTest, BadAgencyCodesInThePolicy) {
  // One member with `code`, and what is wrong with it.
  const std::vector<std::pair<std::string, std::string>> members = {
      {"000.00.31", "'000.00.31' is not an agency code"},  // QCVN 102:2016 form cut short
      {"h49.01", "'h49.01' is not an agency code"},        // Decision 20/2020 form, lower case
      {"", "required"},
  };
  for (const auto& [code, what] : members) {
    ExpectError(
        absl::StrCat(kListener, "access_policy:\n  members:\n    - agency_code: \"", code, "\"\n"),
        "access_policy.members[0].agency_code", what);
  }
  ExpectError(absl::StrCat(kListener, R"(access_policy:
  groups:
    readers: {agencies: ["*", "not-a-code"]}
)"),
              "access_policy.groups[\"readers\"].agencies[1]",
              "'not-a-code' is not an agency code");
}

TEST_F(ConfigFileTest, MemberListedTwice) {
  ExpectError(absl::StrCat(kListener, R"(access_policy:
  members:
    - agency_code: "000.00.31.H49"
    - agency_code: "000.00.31.H49"
)"),
              "access_policy.members[1].agency_code", "listed twice");
}

TEST_F(ConfigFileTest, UnknownGroup) {
  ExpectError(absl::StrCat(kListener, R"(access_policy:
  groups:
    one_stop: {methods: ["lienthong.v1.DossierService/*"]}
  members:
    - agency_code: "000.00.00.H49"
      groups: [one_stop, onestop]
)"),
              "access_policy.members[0].groups[1]", "no group named 'onestop'");
}

TEST_F(ConfigFileTest, BadMethodNames) {
  const std::string policy = absl::StrCat(kListener, R"(access_policy:
  groups:
    g:
      methods: ["lienthong.v1.DossierService/SubmitDossier", "lienthong.v1.NoSuchService/Get",
                "lienthong.v1.DossierService/Submit", "SubmitDossier", "grpc.health.v1.Health/*"]
)");
  const std::string group = "access_policy.groups[\"g\"]";
  ExpectError(policy, group + ".methods[1]", "unknown service 'lienthong.v1.NoSuchService'");
  ExpectError(policy, group + ".methods[2]",
              "service lienthong.v1.DossierService has no method 'Submit'");
  ExpectError(policy, group + ".methods[3]", "must be \"package.Service/Method\"");
  // Only the three bad ones are reported.
  const auto config = config::LoadGatewayConfig(WriteConfig(policy));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(Lines(config.status().message()).size(), 3u) << config.status().message();
}

TEST_F(ConfigFileTest, MethodNamesInMemberGrants) {
  ExpectError(absl::StrCat(kListener, R"(access_policy:
  members:
    - agency_code: "000.00.31.H49"
      grant: {methods: ["lienthong.v1.ChangeFeedService/Subscrbe"]}
)"),
              "access_policy.members[0].grant.methods[0]", "has no method 'Subscrbe'");
}

TEST_F(ConfigFileTest, UnknownRecordType) {
  ExpectError(absl::StrCat(kListener, R"(access_policy:
  groups:
    g: {write_record_types: [dossier, diplomas]}
)"),
              "access_policy.groups[\"g\"].write_record_types[1]",
              "unknown record type 'diplomas'");
}

TEST_F(ConfigFileTest, DuplicateAdapterName) {
  ExpectError(absl::StrCat(kListener, R"(adapters:
  - name: archive
    jsonl: {output_file: a.jsonl}
  - name: archive
    jsonl: {output_file: b.jsonl}
)"),
              "adapters[1].name", "adapter name 'archive' is used twice");
}

TEST_F(ConfigFileTest, AdapterMistakes) {
  ExpectError(
      absl::StrCat(kListener, "adapters:\n  - name: Archive\n    jsonl: {output_file: a}\n"),
      "adapters[0].name", "[a-z0-9_-]");
  ExpectError(absl::StrCat(kListener, "adapters:\n  - name: archive\n"), "adapters[0].kind",
              "grpc, jsonl, postgres is required");
  // The kinds' own checks are the adapter registry's, made when the file is loaded (so a
  // reload refuses them as lienthongd's start does), with the engine's common ones.
  ExpectError(absl::StrCat(kListener,
                           "adapters:\n  - name: archive\n    batch_size: 20000\n"
                           "    jsonl: {output_file: a}\n"),
              "adapters[0].batch_size", "at most 10000");
  ExpectError(absl::StrCat(kListener, "adapters:\n  - name: archive\n    jsonl: {}\n"),
              "adapters[0].jsonl.output_file", "required");
  ExpectError(absl::StrCat(kListener,
                           "adapters:\n  - name: archive\n    record_types: [diplomas]\n"
                           "    jsonl: {output_file: a}\n"),
              "adapters[0].record_types[0]", "unknown record type 'diplomas'");
  ExpectError(absl::StrCat(kListener, R"(adapters:
  - name: archive
    jsonl: {output_file: a}
    postgres: {conninfo: "dbname=x"}
)"),
              "adapters[0].postgres", "oneof");
  ExpectError(absl::StrCat(kListener, R"(adapters:
  - name: sink
    grpc: {target: "sink:7443", key_file: none.key, cert_file: none.crt, ca_file: none.pem}
)"),
              "adapters[0].grpc.key_file",
              absl::StrCat("file not found: ", dir_.Path("config/none.key")));
  for (const char* target : {"sink", "sink:0", "dns:///sink:443", "::1:7443"}) {
    ExpectError(absl::StrCat(kListener, "adapters:\n  - name: sink\n    grpc: {target: \"",
                             target, "\"}\n"),
                "adapters[0].grpc.target", "is not host:port (port 1-65535)");
  }
}

TEST_F(ConfigFileTest, BadHolidayDates) {
  // A config whose calendar has the year "2026" with `days` (YAML lines of a HolidayYear).
  const auto year_2026 = [](const std::string& days) {
    return absl::StrCat(kListener, "calendar:\n  years:\n    \"2026\":\n", days);
  };
  const std::string year = "calendar.years[\"2026\"]";
  ExpectError(year_2026("      holidays: [2026-01-01, 2026-02-30, 2026-04-30, 2026-05-01]\n"),
              year + ".holidays[1]", "'2026-02-30' is not a YYYY-MM-DD date");
  ExpectError(year_2026("      holidays: [2026-01-01, 2026-04-30, 2026-05-01, 2025-12-31]\n"),
              year + ".holidays[3]", "2025-12-31 is not in 2026");
  ExpectError(year_2026("      extra_working_days: [\"26/04/2026\"]\n"),
              year + ".extra_working_days[0]", "is not a YYYY-MM-DD date");
  ExpectError(absl::StrCat(kListener, "calendar:\n  years:\n    \"26\": {}\n"),
              "calendar.years[\"26\"]", "four digits");
}

// lienthongctl config check refuses a year whose list lacks the compensatory day off of a fixed
// holiday on a weekend (Labour Code 2019 Art. 112.3; docs/domain.md), a malformed in-person
// cut-off, and a keeper mapping that is not agency codes.
TEST_F(ConfigFileTest, CalendarCompensatoryDayCutoffAndDiplomaKeepers) {
  const std::string year_2027 =
      "calendar:\n  years:\n    \"2027\":\n      holidays: [2027-01-01, 2027-04-30, 2027-05-01, "
      "2027-09-02, 2027-09-03]\n";
  ExpectError(absl::StrCat(kListener, year_2027), "calendar",
              "2027-05-01 falls on a Saturday");
  const auto refused = config::LoadGatewayConfig(WriteConfig(absl::StrCat(kListener, year_2027)));
  ASSERT_FALSE(refused.ok());
  EXPECT_FALSE(absl::StrContains(refused.status().message(), "calendar: calendar:"))
      << refused.status().message();
  ExpectError(absl::StrCat(kListener, year_2027,
                           "  in_person_cutoff: {applies: true, time: \"3pm\"}\n"),
              "calendar", "in_person_cutoff.time: '3pm' is not HH:MM");
  ExpectError(absl::StrCat(kListener, R"(diploma_register_keepers:
  - {former_issuer_code: "Phòng GDĐT", keeper_code: "000.00.31.H49"}
  - {former_issuer_code: "000.31.27.H49", keeper_code: "000.31.27.H49"}
)"),
              "diploma_register_keepers[0].former_issuer_code", "an agency code");
  ExpectError(absl::StrCat(kListener, R"(diploma_register_keepers:
  - {former_issuer_code: "000.31.27.H49", keeper_code: "000.31.27.H49"}
)"),
              "diploma_register_keepers[0].keeper_code", "must differ");
}

TEST_F(ConfigFileTest, BadProcedures) {
  ExpectError(absl::StrCat(kListener, R"(procedures:
  - {code: "2.002481", processing_days: 3}
  - {code: "2.002481", processing_days: 5}
  - {code: "tuyen-sinh", processing_days: 5}
  - {code: "3.000181", processing_days: 400}
)"),
              "procedures[1].code", "listed twice");
  ExpectError(absl::StrCat(kListener, "procedures:\n  - {code: \"tuyen-sinh\"}\n"),
              "procedures[0].code", "'tuyen-sinh' is not a procedure code");
  ExpectError(
      absl::StrCat(kListener, "procedures:\n  - {code: \"3.000181\", processing_days: 400}\n"),
      "procedures[0].processing_days", "at most 365");
}

TEST_F(ConfigFileTest, EveryErrorIsReportedAtOnce) {
  std::string yaml = absl::StrCat(kListener, R"(access_policy:
  members:
    - agency_code: "000.00.31"
      groups: [nobody]
adapters:
  - name: x
    jsonl: {output_file: a}
  - name: x
    jsonl: {output_file: b}
)");
  absl::StrReplaceAll({{"gateway.crt", "missing.crt"}}, &yaml);
  const std::string path = WriteConfig(yaml);
  const auto config = config::LoadGatewayConfig(path);
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  for (const char* field : {"listener.tls.cert_file", "access_policy.members[0].agency_code",
                            "access_policy.members[0].groups[0]", "adapters[1].name"}) {
    EXPECT_TRUE(absl::StrContains(message, absl::StrCat(path, ": ", field, ": "))) << field << "\n"
                                                                                   << message;
  }
  EXPECT_EQ(Lines(message).size(), 4u) << message;
}

TEST_F(ConfigFileTest, ValidateNamesTheGivenFileForAConfigBuiltInCode) {
  config::v1::GatewayConfig config = test::MinimalGatewayConfig(dir_.Path("var/pki"), dir_.path());
  EXPECT_OK(config::ValidateGatewayConfig(config, "built.yaml"));
  config.mutable_listener()->clear_address();
  const absl::Status status = config::ValidateGatewayConfig(config, "built.yaml");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(status.message(), "built.yaml: listener.address: required"))
      << status;
}

// `lienthongctl config check FILE`, as an operator runs it before a restart.
class ConfigCheckCommandTest : public ConfigFileTest {
 protected:
  absl::StatusOr<test::ProcessResult> Check(const std::vector<std::string>& args) {
    std::vector<std::string> check_args = {"config", "check"};
    check_args.insert(check_args.end(), args.begin(), args.end());
    return test::RunProcess(LIENTHONGCTL_PATH, check_args);
  }
};

TEST_F(ConfigCheckCommandTest, GoodConfigExitsZero) {
  const std::string path = WriteConfig(kListener);
  ASSERT_OK_AND_ASSIGN(const auto result, Check({path}));
  EXPECT_TRUE(result.exit.Succeeded()) << result.exit.ToString() << "\n" << result.stderr_text;
  EXPECT_EQ(result.stdout_text, path + ": OK\n");
}

TEST_F(ConfigCheckCommandTest, PrintShowsResolvedPathsAndDefaults) {
  const std::string path = WriteConfig(kListener);
  ASSERT_OK_AND_ASSIGN(const auto result, Check({path, "--print"}));
  ASSERT_TRUE(result.exit.Succeeded()) << result.stderr_text;
  EXPECT_TRUE(absl::StrContains(result.stdout_text,
                                absl::StrCat("key_file: ", dir_.Path("var/pki/gateway.key"))))
      << result.stdout_text;
  EXPECT_TRUE(absl::StrContains(result.stdout_text, "127.0.0.1:9464")) << result.stdout_text;
}

TEST_F(ConfigCheckCommandTest, BadConfigExitsNonZeroWithTheMessage) {
  const std::string path = WriteConfig(absl::StrCat(kListener, R"(access_policy:
  members:
    - agency_code: "000.00.00.H49"
      groups: [onestop]
)"));
  ASSERT_OK_AND_ASSIGN(const auto result, Check({path}));
  EXPECT_FALSE(result.exit.Succeeded()) << result.exit.ToString();
  EXPECT_TRUE(absl::StrContains(
      result.stderr_text,
      absl::StrCat(path, ": access_policy.members[0].groups[0]: no group named 'onestop'")))
      << result.stderr_text;
  EXPECT_EQ(result.stdout_text, "");
}

// What lienthongd would refuse at start is refused here: the adapters' own checks run too.
TEST_F(ConfigCheckCommandTest, AdapterEntriesAreCheckedAsTheGatewayChecksThem) {
  // Each of these passes the config file's own checks; only the sync engine and the jsonl
  // adapter kind refuse them.
  const std::string path = WriteConfig(absl::StrCat(kListener, R"(adapters:
  - name: changes
    batch_size: 20000
    jsonl: {output_file: ../var/changes.jsonl, rotate_bytes: 10, keep_files: 5000}
)"));
  ASSERT_OK_AND_ASSIGN(const auto result, Check({path}));
  EXPECT_FALSE(result.exit.Succeeded()) << result.exit.ToString();
  for (const char* field : {"adapters[0].batch_size", "adapters[0].jsonl.rotate_bytes",
                            "adapters[0].jsonl.keep_files"}) {
    EXPECT_TRUE(absl::StrContains(result.stderr_text, absl::StrCat(path, ": ", field, ": ")))
        << field << " not named in:\n" << result.stderr_text;
  }
  EXPECT_EQ(result.stdout_text, "");

  // Fixed, the same entries pass, and nothing was connected to or written.
  const std::string fixed = WriteConfig(absl::StrCat(kListener, R"(adapters:
  - name: changes
    record_types: [diploma]
    jsonl: {output_file: ../var/changes.jsonl}
)"));
  ASSERT_OK_AND_ASSIGN(const auto passed, Check({fixed}));
  EXPECT_TRUE(passed.exit.Succeeded()) << passed.stderr_text;
  EXPECT_FALSE(std::filesystem::exists(dir_.Path("var/changes.jsonl")));
}

TEST_F(ConfigCheckCommandTest, PostgresStoreIsChecked) {
  ASSERT_OK(test::WriteFile(dir_.Path("config/pg.password"), "s3cret\n"));
  const std::string good = WriteConfig(absl::StrCat(kListener, R"(store:
  kind: POSTGRES
  postgres:
    conninfo: "host=db.invalid dbname=lienthong user=lienthong"
    password_file: pg.password
    writer_connections: 8
)"));
  // Checked, not connected to (db.invalid does not resolve).
  ASSERT_OK_AND_ASSIGN(const auto passed, Check({good, "--print"}));
  EXPECT_TRUE(passed.exit.Succeeded()) << passed.exit.ToString() << "\n" << passed.stderr_text;
  EXPECT_TRUE(absl::StartsWith(passed.stdout_text, good + ": OK\n")) << passed.stdout_text;
  for (const char* line : {"kind: STORE_KIND_POSTGRES", "writer_connections: 8",
                           "reader_connections: 4"}) {  // the last one a default
    EXPECT_TRUE(absl::StrContains(passed.stdout_text, line)) << line << " in\n"
                                                             << passed.stdout_text;
  }

  const std::string bad = WriteConfig(absl::StrCat(kListener, R"(store:
  kind: POSTGRES
  postgres: {conninfo: "host=db1 dbname=lienthong password=hunter2"}
)"));
  ASSERT_OK_AND_ASSIGN(const auto refused, Check({bad}));
  EXPECT_FALSE(refused.exit.Succeeded()) << refused.exit.ToString();
  EXPECT_TRUE(absl::StrContains(
      refused.stderr_text,
      absl::StrCat(bad, ": store.postgres.conninfo: must not hold the password: use "
                        "store.postgres.password_file")))
      << refused.stderr_text;
  EXPECT_FALSE(absl::StrContains(refused.stderr_text, "hunter2")) << refused.stderr_text;
  EXPECT_EQ(refused.stdout_text, "");

  const std::string misplaced = WriteConfig(absl::StrCat(kListener, R"(store:
  kind: SQLITE
  postgres: {conninfo: "dbname=lienthong"}
)"));
  ASSERT_OK_AND_ASSIGN(const auto sqlite, Check({misplaced}));
  EXPECT_FALSE(sqlite.exit.Succeeded()) << sqlite.exit.ToString();
  EXPECT_TRUE(absl::StrContains(sqlite.stderr_text, absl::StrCat(misplaced, ": store.postgres: ")))
      << sqlite.stderr_text;
}

TEST_F(ConfigCheckCommandTest, MissingFileExitsNonZeroNamingIt) {
  const std::string path = dir_.Path("config/absent.yaml");
  ASSERT_OK_AND_ASSIGN(const auto result, Check({path}));
  EXPECT_FALSE(result.exit.Succeeded());
  EXPECT_TRUE(absl::StrContains(result.stderr_text, path)) << result.stderr_text;
}

}  // namespace
}  // namespace lienthong
