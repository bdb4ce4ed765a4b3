// Tests for the generic YAML -> proto loader and printer, over testdata/sample.proto.
#include "services/config/yaml_proto.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testdata/sample.pb.h"

namespace lienthong::config {
namespace {

using ::lienthong::test::Gateway;
using ::testing::ElementsAre;
using ::testing::StartsWith;

constexpr absl::string_view kBaseDir = "/etc/lt";

absl::Status Load(absl::string_view yaml, Gateway* gateway, absl::string_view base_dir = kBaseDir) {
  YamlLoadOptions options;
  options.file_name = "gw.yaml";
  options.base_dir = std::string(base_dir);
  return LoadYamlIntoMessage(yaml, options, gateway);
}

// The whole error text of a load that must fail with INVALID_ARGUMENT.
std::string LoadError(absl::string_view yaml) {
  Gateway gateway;
  const absl::Status status = Load(yaml, &gateway);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  return std::string(status.message());
}

Gateway LoadOk(absl::string_view yaml) {
  Gateway gateway;
  const absl::Status status = Load(yaml, &gateway);
  EXPECT_TRUE(status.ok()) << status;
  return gateway;
}

Gateway FromTextProto(const std::string& text) {
  Gateway gateway;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &gateway)) << text;
  return gateway;
}

void ExpectEqualMessages(const Gateway& actual, const Gateway& expected) {
  google::protobuf::util::MessageDifferencer differencer;
  std::string differences;
  differencer.ReportDifferencesToString(&differences);
  EXPECT_TRUE(differencer.Compare(expected, actual)) << differences;
}

constexpr absl::string_view kGoodDocument = R"yaml(# A document using every field kind.
node_name: hcm-gw-1
listeners:
  - name: public
    address: 0.0.0.0
    port: 8443
    tls:
      cert_path: certs/server.pem
      key_file: /opt/keys/../keys/server.key
      ca_files: [ca/root.pem, ../trust/ca.pem]
      crl_dir: crl/
      trust_dirs: [trust]
      extra_paths: [./a/./b.pem]
      server_name: certs/not-a-path
    max_connection_age: 1h
  - name: admin
    port: 9443
members:
  motcua:
    agency_code: "000.00.01.H29"
    methods: [SubmitDossier, GetDossier]
    can_subscribe: false
  so-gddt:
    agency_code: 000.00.12.H29
storage:
  kind: sqlite
  sqlite:
    db_path: data/lienthong.db
labels:
  region: "Hà Nội"
  tier: "1"
port_names:
  8443: public
  9443: admin
not_before: 2024-05-01T08:00:00.5+07:00
scalars:
  i32: -2147483648
  i64: 9223372036854775807
  u32: 4294967295
  u64: 18446744073709551615
  ratio: 0.25
  weight: -1.5
  enabled: true
  label: 42
  secret: aGVsbG8=
  s32: -7
  f64: 12
  explicit_count: 0
  verbosity: loud
fallback_kinds: [STORE_KIND_POSTGRES, store_kind_sqlite, Postgres]
log_dir: logs
limits: [1, -2, +3]
drain_timeout: 1.5s
backoffs: [500ms, 2m, 30s]
wrappers:
  double_value: 0
  float_value: 2.5
  int64_value: -9
  uint64_value: 9
  int32_value: 0
  uint32_value: 7
  bool_value: false
  string_value: ""
  bytes_value: AAE=
timeouts:
  read: 30s
)yaml";

TEST(LoadYamlIntoMessage, GoodDocumentLoadsExactValues) {
  const Gateway gateway = LoadOk(kGoodDocument);
  ExpectEqualMessages(gateway, FromTextProto(R"pb(
    node_name: "hcm-gw-1"
    listeners {
      name: "public"
      address: "0.0.0.0"
      port: 8443
      tls {
        cert_path: "/etc/lt/certs/server.pem"
        key_file: "/opt/keys/../keys/server.key"
        ca_files: [ "/etc/lt/ca/root.pem", "/etc/trust/ca.pem" ]
        crl_dir: "/etc/lt/crl/"
        trust_dirs: "/etc/lt/trust"
        extra_paths: "/etc/lt/a/b.pem"
        server_name: "certs/not-a-path"
      }
      max_connection_age { seconds: 3600 }
    }
    listeners { name: "admin" port: 9443 }
    members {
      key: "motcua"
      value {
        agency_code: "000.00.01.H29"
        methods: [ "SubmitDossier", "GetDossier" ]
        can_subscribe { value: false }
      }
    }
    members { key: "so-gddt" value { agency_code: "000.00.12.H29" } }
    storage { kind: STORE_KIND_SQLITE sqlite { db_path: "/etc/lt/data/lienthong.db" } }
    labels { key: "region" value: "Hà Nội" }
    labels { key: "tier" value: "1" }
    port_names { key: 8443 value: "public" }
    port_names { key: 9443 value: "admin" }
    not_before { seconds: 1714525200 nanos: 500000000 }
    scalars {
      i32: -2147483648
      i64: 9223372036854775807
      u32: 4294967295
      u64: 18446744073709551615
      ratio: 0.25
      weight: -1.5
      enabled: true
      label: "42"
      secret: "hello"
      s32: -7
      f64: 12
      explicit_count: 0
      verbosity: LEVEL_LOUD
    }
    fallback_kinds: [ STORE_KIND_POSTGRES, STORE_KIND_SQLITE, STORE_KIND_POSTGRES ]
    log_dir: "/etc/lt/logs"
    limits: [ 1, -2, 3 ]
    drain_timeout { seconds: 1 nanos: 500000000 }
    backoffs { nanos: 500000000 }
    backoffs { seconds: 120 }
    backoffs { seconds: 30 }
    wrappers {
      double_value {}
      float_value { value: 2.5 }
      int64_value { value: -9 }
      uint64_value { value: 9 }
      int32_value {}
      uint32_value { value: 7 }
      bool_value {}
      string_value {}
      bytes_value { value: "\000\001" }
    }
    timeouts { key: "read" value { seconds: 30 } }
  )pb"));
  // Zero-valued wrappers and proto3 optionals are present, unlike unset ones.
  EXPECT_TRUE(gateway.wrappers().has_int32_value());
  EXPECT_TRUE(gateway.wrappers().has_bool_value());
  EXPECT_TRUE(gateway.scalars().has_explicit_count());
  EXPECT_FALSE(gateway.members().at("so-gddt").has_can_subscribe());
}

TEST(LoadYamlIntoMessage, AcceptsJsonNames) {
  const Gateway gateway = LoadOk(R"yaml(
nodeName: gw
listeners:
  - maxConnectionAge: 30s
    tls: {certPath: /c.pem, caFiles: [/ca.pem]}
scalars: {explicitCount: 3}
)yaml");
  ExpectEqualMessages(gateway, FromTextProto(R"pb(
    node_name: "gw"
    listeners {
      max_connection_age { seconds: 30 }
      tls { cert_path: "/c.pem" ca_files: "/ca.pem" }
    }
    scalars { explicit_count: 3 }
  )pb"));
}

TEST(LoadYamlIntoMessage, UnknownFieldSuggestsNearestName) {
  EXPECT_EQ(LoadError("node_name: a\nlistner: []\n"),
            "gw.yaml:2:1: listner: unknown field 'listner'; did you mean 'listeners'?");
  EXPECT_EQ(LoadError("listeners:\n  - name: a\n    adress: x\n"),
            "gw.yaml:3:5: listeners[0].adress: unknown field 'adress'; did you mean 'address'?");
  // A swap of two letters is one edit.
  EXPECT_EQ(LoadError("listeners:\n  - prot: 1\n"),
            "gw.yaml:2:5: listeners[0].prot: unknown field 'prot'; did you mean 'port'?");
  // Written in lowerCamel, the suggestion is in lowerCamel too.
  EXPECT_EQ(LoadError("nodeNme: x\n"),
            "gw.yaml:1:1: nodeNme: unknown field 'nodeNme'; did you mean 'nodeName'?");
  // Equally near names are all offered.
  EXPECT_EQ(LoadError("scalars:\n  x32: 1\n"),
            "gw.yaml:2:3: scalars.x32: unknown field 'x32'; did you mean 'i32' or 'u32' or 's32'?");
}

TEST(LoadYamlIntoMessage, UnknownFieldWithoutNearNameListsValidFields) {
  EXPECT_EQ(LoadError("storage:\n  zzzzzz: 1\n"),
            "gw.yaml:2:3: storage.zzzzzz: unknown field 'zzzzzz'; "
            "valid fields: kind, sqlite, postgres");
}

TEST(LoadYamlIntoMessage, IntegerErrorsAreAllReported) {
  EXPECT_EQ(LoadError(R"yaml(scalars:
  i32: 12abc
  i64: 1.5
  u32: -1
  u64: 18446744073709551616
  s32: 2147483648
  f64: {a: 1}
  explicit_count: ""
)yaml"),
            "gw.yaml:2:8: scalars.i32: expected an integer, got '12abc'\n"
            "gw.yaml:3:8: scalars.i64: expected an integer, got '1.5'\n"
            "gw.yaml:4:8: scalars.u32: value -1 is out of range for uint32\n"
            "gw.yaml:5:8: scalars.u64: value 18446744073709551616 is out of range for uint64\n"
            "gw.yaml:6:8: scalars.s32: value 2147483648 is out of range for int32\n"
            "gw.yaml:7:8: scalars.f64: expected an integer, got a mapping\n"
            "gw.yaml:8:19: scalars.explicit_count: expected an integer, got ''");
}

TEST(LoadYamlIntoMessage, IntegersAcceptQuotesAndSigns) {
  const Gateway gateway = LoadOk("scalars: {i32: \"-5\", u32: +7, i64: '0'}\n");
  EXPECT_EQ(gateway.scalars().i32(), -5);
  EXPECT_EQ(gateway.scalars().u32(), 7u);
  EXPECT_EQ(gateway.scalars().i64(), 0);
}

TEST(LoadYamlIntoMessage, WrongShapeNamesExpectedAndActual) {
  EXPECT_EQ(LoadError(R"yaml(node_name: [a]
listeners: {a: 1}
storage: fast
labels: [a]
scalars:
  ratio: abc
  label: {x: 1}
  enabled: [true]
)yaml"),
            "gw.yaml:1:12: node_name: expected a string, got a sequence\n"
            "gw.yaml:2:12: listeners: expected a sequence, got a mapping\n"
            "gw.yaml:3:10: storage: expected a mapping, got 'fast'\n"
            "gw.yaml:4:9: labels: expected a mapping, got a sequence\n"
            "gw.yaml:6:10: scalars.ratio: expected a number, got 'abc'\n"
            "gw.yaml:7:10: scalars.label: expected a string, got a mapping\n"
            "gw.yaml:8:12: scalars.enabled: expected true or false, got a sequence");
}

TEST(LoadYamlIntoMessage, BoolIsTrueOrFalseOnly) {
  EXPECT_EQ(LoadError("scalars:\n  enabled: yes\n"),
            "gw.yaml:2:12: scalars.enabled: expected true or false, got 'yes'");
  EXPECT_EQ(LoadError("scalars:\n  enabled: on\n"),
            "gw.yaml:2:12: scalars.enabled: expected true or false, got 'on'");
  EXPECT_EQ(LoadError("scalars:\n  enabled: 1\n"),
            "gw.yaml:2:12: scalars.enabled: expected true or false, got '1'");
  EXPECT_TRUE(LoadOk("scalars: {enabled: True}\n").scalars().enabled());
  Gateway gateway;
  EXPECT_TRUE(Load("scalars: {enabled: FALSE}\n", &gateway).ok());
}

TEST(LoadYamlIntoMessage, FloatingPointRangesAndSpecialValues) {
  const Gateway gateway = LoadOk("scalars: {ratio: .inf, weight: -.INF}\n");
  EXPECT_TRUE(std::isinf(gateway.scalars().ratio()) && gateway.scalars().ratio() > 0);
  EXPECT_TRUE(std::isinf(gateway.scalars().weight()) && gateway.scalars().weight() < 0);
  EXPECT_TRUE(std::isnan(LoadOk("scalars: {ratio: .nan}\n").scalars().ratio()));
  EXPECT_EQ(LoadOk("scalars: {ratio: 1e3, weight: 7}\n").scalars().ratio(), 1000.0);
  EXPECT_EQ(LoadError("scalars:\n  weight: 1e39\n  ratio: 1e400\n"),
            "gw.yaml:2:11: scalars.weight: value 1e39 is out of range for float\n"
            "gw.yaml:3:10: scalars.ratio: value 1e400 is out of range for double");
  EXPECT_EQ(LoadError("scalars:\n  ratio: --1\n"),
            "gw.yaml:2:10: scalars.ratio: expected a number, got '--1'");
}

TEST(LoadYamlIntoMessage, BytesAreBase64) {
  EXPECT_EQ(LoadOk("scalars: {secret: AAEC}\n").scalars().secret(), std::string("\0\1\2", 3));
  EXPECT_EQ(LoadError("scalars:\n  secret: not base64!\n"),
            "gw.yaml:2:11: scalars.secret: expected base64-encoded bytes, got 'not base64!'");
}

TEST(LoadYamlIntoMessage, EnumAcceptsFullShortAndCaseInsensitiveNames) {
  for (const char* spelling : {"STORE_KIND_POSTGRES", "store_kind_postgres", "POSTGRES", "postgres",
                               "Postgres"}) {
    const Gateway gateway = LoadOk(std::string("storage: {kind: ") + spelling + "}\n");
    EXPECT_EQ(gateway.storage().kind(), lienthong::test::STORE_KIND_POSTGRES) << spelling;
  }
  // The common prefix of the values is stripped when it is not the enum's own name.
  EXPECT_EQ(LoadOk("scalars: {verbosity: LOUD}\n").scalars().verbosity(),
            lienthong::test::LEVEL_LOUD);
}

TEST(LoadYamlIntoMessage, UnknownEnumValueListsValidOnes) {
  EXPECT_EQ(LoadError("storage:\n  kind: sqlit\nfallback_kinds: [sqlite, 2]\n"),
            "gw.yaml:2:9: storage.kind: unknown value 'sqlit' for enum lienthong.test.StoreKind; "
            "valid values: STORE_KIND_UNSPECIFIED, STORE_KIND_SQLITE, STORE_KIND_POSTGRES\n"
            "gw.yaml:3:26: fallback_kinds[1]: unknown value '2' for enum lienthong.test.StoreKind; "
            "valid values: STORE_KIND_UNSPECIFIED, STORE_KIND_SQLITE, STORE_KIND_POSTGRES");
  EXPECT_EQ(LoadError("storage:\n  kind: [sqlite]\n"),
            "gw.yaml:2:9: storage.kind: expected a value of enum lienthong.test.StoreKind, "
            "got a sequence");
}

TEST(LoadYamlIntoMessage, RepeatedFieldsNeedSequences) {
  EXPECT_EQ(LoadError("limits: 5\n"), "gw.yaml:1:9: limits: expected a sequence, got '5'");
  EXPECT_EQ(LoadError("limits: [1, ~, x]\n"),
            "gw.yaml:1:13: limits[1]: expected an integer, got null\n"
            "gw.yaml:1:16: limits[2]: expected an integer, got 'x'");
  // A null element of a message sequence is an empty message.
  EXPECT_EQ(LoadOk("listeners: [~, {name: b}]\n").listeners_size(), 2);
}

TEST(LoadYamlIntoMessage, MapEntriesAreNamedByKeyInPaths) {
  EXPECT_EQ(LoadError(R"yaml(members:
  motcua:
    can_subscribe: maybe
port_names:
  abc: x
labels:
  "a\"b": [1]
  empty: ~
)yaml"),
            "gw.yaml:3:20: members[\"motcua\"].can_subscribe: expected true or false, got 'maybe'\n"
            "gw.yaml:5:3: port_names[abc]: expected an integer, got 'abc'\n"
            "gw.yaml:7:11: labels[\"a\\\"b\"]: expected a string, got a sequence\n"
            "gw.yaml:8:10: labels[\"empty\"]: expected a string, got null");
  // A null map value of message type is an entry with an empty message.
  const Gateway gateway = LoadOk("members: {so-gddt: ~}\n");
  ASSERT_EQ(gateway.members().count("so-gddt"), 1u);
  EXPECT_EQ(gateway.members().at("so-gddt").ByteSizeLong(), 0u);
}

// Found by tests/fuzz/config_yaml_fuzz (regressions/config_yaml_fuzz/): bytes that are not UTF-8
// were taken into a string field, which then printed back as other text.
TEST(LoadYamlIntoMessage, StringsMustBeUtf8) {
  EXPECT_EQ(LoadError("node_name: \"gw-\xed\xa0\x80-1\"\nlabels:\n  ok: \"\xc3\"\n"),
            "gw.yaml:1:12: node_name: expected UTF-8 text, got bytes that are not UTF-8\n"
            "gw.yaml:3:7: labels[\"ok\"]: expected UTF-8 text, got bytes that are not UTF-8");
  EXPECT_EQ(LoadOk("node_name: \"Sở Giáo dục và Đào tạo\"\n").node_name(),
            "Sở Giáo dục và Đào tạo");
}

// Found by tests/fuzz/config_yaml_fuzz (regressions/config_yaml_fuzz/comma-hang): yaml-cpp 0.7
// returns empty documents forever at a ',' outside a flow collection; the load never returned.
TEST(LoadYamlIntoMessage, ACommaOutsideAFlowCollectionIsAnErrorNotAHang) {
  EXPECT_EQ(LoadError(","),
            "gw.yaml:1:1: the YAML parser cannot read on from here (a ',' outside [ ] or { }?)");
  EXPECT_EQ(LoadError("# a comment\n\"b\",\n"),
            "gw.yaml:2:4: the YAML parser cannot read on from here (a ',' outside [ ] or { }?)");
  EXPECT_EQ(LoadOk("node_name: \"a, b\"\nlabels: {x: \"1\", y: \"2\"}\n").labels().size(), 2u);
}

TEST(LoadYamlIntoMessage, DuplicateKeysAreErrors) {
  EXPECT_EQ(LoadError("node_name: a\nnode_name: b\n"),
            "gw.yaml:2:1: node_name: duplicate key 'node_name' (first at line 1, column 1)");
  EXPECT_EQ(LoadError("node_name: a\nnodeName: b\n"),
            "gw.yaml:2:1: node_name: 'nodeName' sets the same field as 'node_name' at line 1, "
            "column 1");
  EXPECT_EQ(LoadError("members:\n  motcua: {}\n  motcua: {agency_code: x}\n"),
            "gw.yaml:3:3: members[\"motcua\"]: duplicate key 'motcua' (first at line 2, column 3)");
}

TEST(LoadYamlIntoMessage, OneofAcceptsOneMemberOnly) {
  EXPECT_EQ(LoadError("storage:\n  sqlite: {db_path: a.db}\n  postgres: {dsn: x}\n"),
            "gw.yaml:3:3: storage.postgres: oneof 'backend' is already set by 'sqlite' at line 2, "
            "column 3; set only one of sqlite, postgres");
  // A null member sets nothing, so the other member may be given.
  const Gateway gateway = LoadOk("storage:\n  sqlite: ~\n  postgres: {dsn: x, pool_size: 4}\n");
  EXPECT_EQ(gateway.storage().postgres().dsn(), "x");
  EXPECT_EQ(gateway.storage().postgres().pool_size().value(), 4u);
}

TEST(LoadYamlIntoMessage, DurationsFromText) {
  const Gateway gateway =
      LoadOk("drain_timeout: -2s\nbackoffs: [1h, 250us, 1m30s, 0]\ntimeouts: {x: 1.5h}\n");
  ExpectEqualMessages(gateway, FromTextProto(R"pb(
    drain_timeout { seconds: -2 }
    backoffs { seconds: 3600 }
    backoffs { nanos: 250000 }
    backoffs { seconds: 90 }
    backoffs {}
    timeouts { key: "x" value { seconds: 5400 } }
  )pb"));
  EXPECT_EQ(LoadError("drain_timeout: 30\nbackoffs: [{seconds: 1}, inf, 100000000h]\n"),
            "gw.yaml:1:16: drain_timeout: expected a duration such as '30s', '500ms' or '1.5h', "
            "got '30'\n"
            "gw.yaml:2:12: backoffs[0]: expected a duration such as '30s', '500ms' or '1.5h', "
            "got a mapping\n"
            "gw.yaml:2:26: backoffs[1]: expected a duration such as '30s', '500ms' or '1.5h', "
            "got 'inf'\n"
            "gw.yaml:2:31: backoffs[2]: duration '100000000h' is out of range (at most 10000 "
            "years)");
}

TEST(LoadYamlIntoMessage, TimestampsFromRfc3339) {
  EXPECT_EQ(LoadOk("not_before: 2024-05-01T08:00:00Z\n").not_before().seconds(), 1714550400);
  EXPECT_EQ(LoadOk("not_before: 1969-12-31T23:59:59.25Z\n").not_before().seconds(), -1);
  EXPECT_EQ(LoadOk("not_before: 1969-12-31T23:59:59.25Z\n").not_before().nanos(), 250000000);
  EXPECT_EQ(LoadError("not_before: 2024-05-01\n"),
            "gw.yaml:1:13: not_before: expected an RFC 3339 timestamp such as "
            "'2024-05-01T08:00:00Z', got '2024-05-01'");
}

TEST(LoadYamlIntoMessage, WrappersFromPlainScalars) {
  const Gateway gateway =
      LoadOk("wrappers: {bool_value: true, string_value: ~, uint64_value: 5}\n");
  EXPECT_TRUE(gateway.wrappers().bool_value().value());
  EXPECT_FALSE(gateway.wrappers().has_string_value());  // Null leaves it unset.
  EXPECT_EQ(gateway.wrappers().uint64_value().value(), 5u);
  EXPECT_FALSE(gateway.wrappers().has_int32_value());
  EXPECT_EQ(LoadError("wrappers:\n  uint32_value: -3\n  bool_value: {value: true}\n"),
            "gw.yaml:2:17: wrappers.uint32_value: value -3 is out of range for uint32\n"
            "gw.yaml:3:15: wrappers.bool_value: expected true or false, got a mapping");
}

TEST(LoadYamlIntoMessage, NullValuesLeaveFieldsUnset) {
  const Gateway gateway = LoadOk(
      "node_name: ~\nstorage:\nlisteners: null\nnot_before: ~\nscalars: {explicit_count: ~}\n");
  EXPECT_FALSE(gateway.has_storage());
  EXPECT_FALSE(gateway.has_not_before());
  EXPECT_EQ(gateway.listeners_size(), 0);
  EXPECT_FALSE(gateway.scalars().has_explicit_count());
  EXPECT_EQ(gateway.node_name(), "");
  // Quoted, "~" is a string.
  EXPECT_EQ(LoadOk("node_name: \"~\"\n").node_name(), "~");
}

TEST(LoadYamlIntoMessage, PathFieldsResolveAgainstBaseDir) {
  const std::string yaml =
      "log_dir: ../var/log/\nlisteners:\n  - tls: {cert_path: /abs/c.pem, key_file: '', "
      "ca_files: [a.pem, ./b/../c.pem], server_name: x/y}\n";
  Gateway gateway;
  ASSERT_TRUE(Load(yaml, &gateway, "/srv/lt/config").ok());
  EXPECT_EQ(gateway.log_dir(), "/srv/lt/var/log/");
  const lienthong::test::Tls& tls = gateway.listeners(0).tls();
  EXPECT_EQ(tls.cert_path(), "/abs/c.pem");
  EXPECT_EQ(tls.key_file(), "");
  EXPECT_THAT(tls.ca_files(),
              ElementsAre("/srv/lt/config/a.pem", "/srv/lt/config/c.pem"));
  EXPECT_EQ(tls.server_name(), "x/y");
  // Without a base directory nothing is rewritten.
  ASSERT_TRUE(Load(yaml, &gateway, "").ok());
  EXPECT_EQ(gateway.log_dir(), "../var/log/");
  EXPECT_EQ(gateway.listeners(0).tls().ca_files(1), "./b/../c.pem");
}

TEST(LoadYamlIntoMessage, SyntaxErrorsGivePositionAndParserMessage) {
  EXPECT_EQ(LoadError("node_name: a: b\n"), "gw.yaml:1:13: illegal map value");
  EXPECT_EQ(LoadError("limits: [1, 2\nnode_name: x\n"),
            "gw.yaml:2:10: end of sequence flow not found");
}

TEST(LoadYamlIntoMessage, EmptyDocumentIsEmptyMessage) {
  Gateway gateway;
  gateway.set_node_name("stale");
  ASSERT_TRUE(Load("", &gateway).ok());
  EXPECT_EQ(gateway.ByteSizeLong(), 0u);
  gateway.set_node_name("stale");
  ASSERT_TRUE(Load("# only a comment\n\n", &gateway).ok());
  EXPECT_EQ(gateway.ByteSizeLong(), 0u);
}

TEST(LoadYamlIntoMessage, TopLevelMustBeOneMapping) {
  EXPECT_EQ(LoadError("- a\n- b\n"), "gw.yaml:1:1: expected a mapping, got a sequence");
  EXPECT_EQ(LoadError("hello\n"), "gw.yaml:1:1: expected a mapping, got 'hello'");
  EXPECT_EQ(LoadError("node_name: a\n---\nnode_name: b\n"),
            "gw.yaml:3:1: expected one YAML document, found 2");
}

TEST(LoadYamlIntoMessage, FailedLoadLeavesMessageUnchanged) {
  Gateway gateway;
  gateway.set_node_name("kept");
  EXPECT_FALSE(Load("node_name: new\nlimits: [x]\n", &gateway).ok());
  EXPECT_EQ(gateway.node_name(), "kept");
  EXPECT_EQ(gateway.limits_size(), 0);
}

TEST(LoadYamlIntoMessage, ErrorsFromAllLevelsComeTogether) {
  EXPECT_EQ(LoadError(R"yaml(listner: {}
listeners:
  - name: a
    port: 4294967296
    tls:
      cert_path: [x]
  - name: b
    max_connection_age: soon
members:
  motcua: {agency_code: 1, methods: GetDossier}
storage: {kind: mysql}
)yaml"),
            "gw.yaml:1:1: listner: unknown field 'listner'; did you mean 'listeners'?\n"
            "gw.yaml:4:11: listeners[0].port: value 4294967296 is out of range for uint32\n"
            "gw.yaml:6:18: listeners[0].tls.cert_path: expected a string, got a sequence\n"
            "gw.yaml:8:25: listeners[1].max_connection_age: expected a duration such as '30s', "
            "'500ms' or '1.5h', got 'soon'\n"
            "gw.yaml:10:37: members[\"motcua\"].methods: expected a sequence, got 'GetDossier'\n"
            "gw.yaml:11:17: storage.kind: unknown value 'mysql' for enum lienthong.test.StoreKind; "
            "valid values: STORE_KIND_UNSPECIFIED, STORE_KIND_SQLITE, STORE_KIND_POSTGRES");
}

TEST(LoadYamlIntoMessage, SelfReferringAliasStopsAtDepthLimit) {
  // Root and `tree` are levels 1 and 2; 98 `next`s fill levels 3 to 100; the 99th is refused.
  std::string path = "tree";
  for (int level = 3; level <= 100; ++level) path += ".next";
  EXPECT_EQ(LoadError("tree: &t {name: a, next: *t}\n"),
            "gw.yaml:1:7: " + path + ".next: nested deeper than 100 levels");
  // Aliases that do not loop are fine.
  const Gateway gateway = LoadOk("tree: &t {name: a}\nstorage: {postgres: {dsn: x}}\n"
                                 "listeners: [&l {name: l, port: 1}, *l]\n");
  EXPECT_EQ(gateway.listeners(1).port(), 1u);
}

TEST(LoadYamlIntoMessage, UnnamedInputIsCalledYaml) {
  Gateway gateway;
  const absl::Status status = LoadYamlIntoMessage("limits: x\n", YamlLoadOptions{}, &gateway);
  EXPECT_EQ(status.message(), "<yaml>:1:9: limits: expected a sequence, got 'x'");
}

class LoadYamlFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("yaml_proto_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "conf");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST_F(LoadYamlFileTest, RelativePathsResolveAgainstTheFilesFolder) {
  const std::string path =
      Write("conf/gw.yaml", "storage: {sqlite: {db_path: ../data/lt.db}}\nlog_dir: logs\n");
  Gateway gateway;
  ASSERT_TRUE(LoadYamlFileIntoMessage(path, &gateway).ok());
  EXPECT_EQ(gateway.storage().sqlite().db_path(), (dir_ / "data/lt.db").string());
  EXPECT_EQ(gateway.log_dir(), (dir_ / "conf/logs").string());
}

TEST_F(LoadYamlFileTest, ErrorsNameTheFile) {
  const std::string path = Write("conf/bad.yaml", "node_name: ok\nlimits: [1, two]\n");
  Gateway gateway;
  const absl::Status status = LoadYamlFileIntoMessage(path, &gateway);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), path + ":2:13: limits[1]: expected an integer, got 'two'");
}

TEST_F(LoadYamlFileTest, UnreadableFileIsNotFound) {
  Gateway gateway;
  const std::string missing = (dir_ / "conf/missing.yaml").string();
  const absl::Status status = LoadYamlFileIntoMessage(missing, &gateway);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()), StartsWith("cannot read '" + missing + "'"));
  EXPECT_EQ(LoadYamlFileIntoMessage((dir_ / "conf").string(), &gateway).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MessageToYaml, PrintsFieldNamesEnumNamesDurationsAndQuotesAmbiguousStrings) {
  const Gateway gateway = FromTextProto(R"pb(
    node_name: "gw"
    listeners {
      name: "public"
      port: 8443
      tls { ca_files: [ "/a.pem", "/b.pem" ] }
      max_connection_age { seconds: 5400 }
    }
    members { key: "z" value { agency_code: "x" can_subscribe { value: false } } }
    members { key: "a" value {} }
    storage { kind: STORE_KIND_SQLITE sqlite { db_path: "/d.db" } }
    labels { key: "region" value: "Hà Nội" }
    labels { key: "null" value: "~" }
    labels { key: "tier" value: "1" }
    labels { key: "10" value: "on" }
    port_names { key: 443 value: "tls" }
    port_names { key: 80 value: "http" }
    not_before { seconds: 1714525200 nanos: 500000000 }
    scalars { ratio: 0.1 enabled: true label: "000.00.01.H29" secret: "hello" i32: -3 }
    drain_timeout { nanos: 500000000 }
  )pb");
  EXPECT_EQ(MessageToYaml(gateway),
            R"yaml(node_name: gw
listeners:
  - name: public
    port: 8443
    tls:
      ca_files:
        - /a.pem
        - /b.pem
    max_connection_age: 1h30m
members:
  a: {}
  z:
    agency_code: x
    can_subscribe: false
storage:
  kind: STORE_KIND_SQLITE
  sqlite:
    db_path: /d.db
labels:
  "10": "on"
  "null": "~"
  region: Hà Nội
  tier: "1"
port_names:
  80: http
  443: tls
not_before: 2024-05-01T01:00:00.5Z
scalars:
  i32: -3
  ratio: 0.1
  enabled: true
  label: 000.00.01.H29
  secret: aGVsbG8=
drain_timeout: 500ms
)yaml");
  EXPECT_EQ(MessageToYaml(Gateway()), "{}\n");
}

// Found by tests/fuzz/config_yaml_fuzz (regressions/config_yaml_fuzz/trailing-cr): a string
// ending in spaces and a carriage return was printed plain and read back trimmed.
TEST(MessageToYaml, QuotesStringsAPlainScalarWouldNotKeep) {
  for (const std::string value : {"sink.example   \r", " leading", "trailing\t", "a\x01b",
                                  "two\nlines", "tab\tinside"}) {
    Gateway gateway;
    gateway.set_node_name(value);
    const std::string yaml = MessageToYaml(gateway);
    EXPECT_EQ(LoadOk(yaml).node_name(), value) << yaml;
  }
  Gateway plain;
  plain.set_node_name("gw-1 with inner spaces");
  EXPECT_EQ(MessageToYaml(plain), "node_name: gw-1 with inner spaces\n");
}

// Found by tests/fuzz/config_yaml_fuzz (regressions/config_yaml_fuzz/long-map-key): a map key
// over YAML's 1024-character limit for a `key: value` key was printed that way, and the printed
// config did not load back ("illegal map value").
TEST(MessageToYaml, AMapKeyLongerThanYamlsImplicitKeyLimitIsAnExplicitKey) {
  for (const std::string& key :
       {std::string(1100, 'k'), std::string(300, '\0') + "ue", std::string(201, 'x')}) {
    Gateway gateway;
    (*gateway.mutable_labels())[key] = "v";
    (*gateway.mutable_labels())["short"] = "w";
    const std::string yaml = MessageToYaml(gateway);
    EXPECT_THAT(yaml, ::testing::HasSubstr("\n  ? ")) << "an explicit key";
    const Gateway reloaded = LoadOk(yaml);
    ExpectEqualMessages(reloaded, gateway);
    EXPECT_EQ(MessageToYaml(reloaded), yaml);
  }
  Gateway gateway;  // up to 200 bytes, a key stays `key: value`
  (*gateway.mutable_labels())[std::string(200, 'y')] = "v";
  const std::string yaml = MessageToYaml(gateway);
  EXPECT_EQ(yaml, absl::StrCat("labels:\n  ", std::string(200, 'y'), ": v\n"));
  ExpectEqualMessages(LoadOk(yaml), gateway);
}

TEST(MessageToYaml, RoundTripsThroughTheLoader) {
  const Gateway original = LoadOk(kGoodDocument);
  const std::string printed = MessageToYaml(original);
  const Gateway reloaded = LoadOk(printed);
  ExpectEqualMessages(reloaded, original);
  EXPECT_EQ(MessageToYaml(reloaded), printed);
}

}  // namespace
}  // namespace lienthong::config
