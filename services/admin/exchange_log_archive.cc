// Writing, handing off and verifying exchange-log archives.
#include "services/admin/exchange_log_archive.h"

#include <dirent.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "services/admin/exchange_log_timestamp_audit.h"
#include "services/admin/head_timestamper.h"
#include "services/common/files.h"
#include "services/common/proto_time.h"
#include "services/store/exchange_log.h"

extern char** environ;

namespace lienthong::admin {
namespace {

using nlohmann::json;

constexpr absl::string_view kPrefix = "exchange-log-";
constexpr absl::string_view kSuffix = ".jsonl";

std::string Hex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

std::string ArchiveName(int64_t first, int64_t last) {
  return absl::StrFormat("exchange-log-%012d-%012d.jsonl", first, last);
}

// "exchange-log-<first>-<last>.jsonl" → the two seqs.
bool ParseArchiveName(absl::string_view name, ArchiveFile* out) {
  if (!absl::StartsWith(name, kPrefix) || !absl::EndsWith(name, kSuffix)) return false;
  name.remove_prefix(kPrefix.size());
  name.remove_suffix(kSuffix.size());
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '-');
  if (parts.size() != 2) return false;
  return absl::SimpleAtoi(parts[0], &out->first_seq) && absl::SimpleAtoi(parts[1], &out->last_seq) &&
         out->first_seq > 0 && out->last_seq >= out->first_seq;
}

json EntryJson(const store::ExchangeLogEntry& e) {
  return json{{"seq", e.seq},
              {"time_us", absl::ToUnixMicros(e.time)},
              {"member", e.member},
              {"method", e.method},
              {"request_digest", Hex(e.request_digest)},
              {"status", e.status_code},
              {"request_bytes", e.request_bytes},
              {"response_bytes", e.response_bytes},
              {"records", e.records},
              {"response_digest", Hex(e.response_digest)},
              {"end_user", e.end_user},
              {"correlation_id", e.correlation_id},
              {"hash_format", e.hash_format},
              {"prev_hash", Hex(e.prev_hash)},
              {"hash", Hex(e.hash)}};
}

bool HexField(const json& j, const char* key, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return false;
  const std::string& hex = it->get_ref<const std::string&>();
  if (hex.size() % 2 != 0) return false;
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  *out = absl::HexStringToBytes(hex);
  return true;
}

template <typename T>
bool Field(const json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it == j.end()) return false;
  try {
    *out = it->get<T>();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

// One entry line; false when a field is missing or of the wrong type.
bool EntryFromJson(const json& j, store::ExchangeLogEntry* e) {
  int64_t time_us = 0;
  if (!j.is_object() || !Field(j, "seq", &e->seq) || !Field(j, "time_us", &time_us) ||
      !Field(j, "member", &e->member) || !Field(j, "method", &e->method) ||
      !HexField(j, "request_digest", &e->request_digest) || !Field(j, "status", &e->status_code) ||
      !Field(j, "request_bytes", &e->request_bytes) ||
      !Field(j, "response_bytes", &e->response_bytes) || !Field(j, "records", &e->records) ||
      !HexField(j, "response_digest", &e->response_digest) || !Field(j, "end_user", &e->end_user) ||
      !Field(j, "correlation_id", &e->correlation_id) ||
      !Field(j, "hash_format", &e->hash_format) || !HexField(j, "prev_hash", &e->prev_hash) ||
      !HexField(j, "hash", &e->hash)) {
    return false;
  }
  e->time = absl::FromUnixMicros(time_us);
  return true;
}

json TokenJson(const store::ExchangeLogTimestamp& t) {
  return json{{"timestamp",
               {{"id", t.id},
                {"seq", t.seq},
                {"head_hash", Hex(t.head_hash)},
                {"gen_time_us", absl::ToUnixMicros(t.gen_time)},
                {"tsa_url", t.tsa_url},
                {"token", absl::Base64Escape(t.token)}}}};
}

// A token line; false when it is not one or a field is missing or of the wrong type.
bool TokenFromJson(const json& line, store::ExchangeLogTimestamp* t) {
  if (!line.is_object()) return false;
  auto it = line.find("timestamp");
  if (it == line.end() || !it->is_object()) return false;
  const json& j = *it;
  int64_t gen_time_us = 0;
  std::string token_b64;
  if (!Field(j, "id", &t->id) || !Field(j, "seq", &t->seq) ||
      !HexField(j, "head_hash", &t->head_hash) || !Field(j, "gen_time_us", &gen_time_us) ||
      !Field(j, "tsa_url", &t->tsa_url) || !Field(j, "token", &token_b64) ||
      !absl::Base64Unescape(token_b64, &t->token)) {
    return false;
  }
  t->gen_time = absl::FromUnixMicros(gen_time_us);
  return true;
}

}  // namespace

ArchiveOptions ArchiveOptionsOf(const config::v1::GatewayConfig& config) {
  const auto& archive = config.retention().exchange_log_archive();
  ArchiveOptions options;
  options.dir = archive.dir();
  if (archive.entries_per_file() > 0) options.entries_per_file = archive.entries_per_file();
  options.command.assign(archive.command().begin(), archive.command().end());
  if (archive.has_command_timeout()) options.command_timeout = FromProtoDuration(archive.command_timeout());
  return options;
}

absl::StatusOr<std::vector<ArchiveFile>> ListArchives(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot read the archive folder ", dir, ": ",
                                            std::strerror(errno)));
  }
  std::vector<ArchiveFile> files;
  while (dirent* entry = readdir(d)) {
    ArchiveFile file;
    if (!ParseArchiveName(entry->d_name, &file)) continue;
    file.name = entry->d_name;
    files.push_back(std::move(file));
  }
  closedir(d);
  std::sort(files.begin(), files.end(), [](const ArchiveFile& a, const ArchiveFile& b) {
    return std::tie(a.first_seq, a.last_seq) < std::tie(b.first_seq, b.last_seq);
  });
  return files;
}

absl::StatusOr<std::string> WriteArchive(const std::string& dir,
                                         const std::vector<store::ExchangeLogEntry>& entries,
                                         const std::vector<store::ExchangeLogTimestamp>& tokens,
                                         absl::Time now) {
  if (entries.empty()) return absl::InvalidArgumentError("no entries to archive");
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].seq != entries[i - 1].seq + 1) {
      return absl::InternalError(absl::StrCat("entries to archive are not consecutive at ",
                                              entries[i].seq));
    }
  }
  std::string previous_name;
  std::string previous_sha;
  {
    auto files = ListArchives(dir);
    if (!files.ok()) return files.status();
    if (!files->empty()) {
      previous_name = files->back().name;
      auto bytes = ReadFileToString(absl::StrCat(dir, "/", previous_name));
      if (!bytes.ok()) return bytes.status();
      previous_sha = Hex(store::Sha256(*bytes));
    }
  }
  std::string text;
  const json header = {{"format", kArchiveFormat},
                       {"first_seq", entries.front().seq},
                       {"last_seq", entries.back().seq},
                       {"entries", entries.size()},
                       {"timestamps", tokens.size()},
                       {"previous_archive", previous_name},
                       {"previous_archive_sha256", previous_sha},
                       {"created", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", now, absl::UTCTimeZone())}};
  absl::StrAppend(&text, header.dump(), "\n");
  for (const auto& entry : entries) absl::StrAppend(&text, EntryJson(entry).dump(), "\n");
  for (const auto& token : tokens) absl::StrAppend(&text, TokenJson(token).dump(), "\n");
  const json trailer = {{"end", true},
                        {"entries", entries.size()},
                        {"last_hash", Hex(entries.back().hash)},
                        {"sha256", Hex(store::Sha256(text))}};
  absl::StrAppend(&text, trailer.dump(), "\n");
  const std::string path =
      absl::StrCat(dir, "/", ArchiveName(entries.front().seq, entries.back().seq));
  // Temporary name, fsync, rename, fsync of the folder.
  if (absl::Status written = WritePrivateFile(path, text, 0640); !written.ok()) return written;
  return path;
}

absl::Status RunArchiveCommand(const std::vector<std::string>& command, const std::string& path,
                               absl::Duration timeout) {
  if (command.empty()) return absl::OkStatus();
  std::vector<std::string> args = command;
  args.push_back(path);
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
  if (spawned != 0) {
    return absl::UnavailableError(absl::StrCat("archive command ", command[0],
                                               " could not start: ", std::strerror(spawned)));
  }
  const absl::Time deadline = absl::Now() + timeout;
  int wstatus = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &wstatus, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("archive command ", command[0],
                                                 ": waitpid: ", std::strerror(errno)));
    }
    if (absl::Now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &wstatus, 0);
      return absl::UnavailableError(absl::StrCat("archive command ", command[0], " did not end within ",
                                                 absl::FormatDuration(timeout), " and was killed"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return absl::OkStatus();
  if (WIFEXITED(wstatus)) {
    return absl::UnavailableError(absl::StrCat("archive command ", command[0], " exited with ",
                                               WEXITSTATUS(wstatus)));
  }
  return absl::UnavailableError(absl::StrCat("archive command ", command[0],
                                             " was ended by signal ", WTERMSIG(wstatus)));
}

namespace {

// The walk over the archives of one folder.
class ArchiveWalk {
 public:
  ArchiveWalk(std::string dir, const TsaTrust* trust) : dir_(std::move(dir)), trust_(trust) {}

  absl::StatusOr<ArchiveVerdict> Run() {
    auto files = ListArchives(dir_);
    if (!files.ok()) return files.status();
    const ArchiveFile* previous = nullptr;
    std::string previous_sha;
    for (const ArchiveFile& file : *files) {
      auto bytes = ReadFileToString(absl::StrCat(dir_, "/", file.name));
      if (!bytes.ok()) {
        Problem(file.name, 0, absl::StrCat("unreadable: ", bytes.status().message()));
        continue;
      }
      Check(file, previous, previous_sha, *bytes);
      ++verdict_.archives;
      if (verdict_.archives == 1) verdict_.first_seq = file.first_seq;
      verdict_.last_archive = file.name;
      previous = &file;
      previous_sha = store::Sha256(*bytes);
    }
    verdict_.last_seq = last_seq_;
    verdict_.last_hash = last_hash_;
    // Each archived entry that recorded a token: the archives hold that token (unless its
    // entry is older than the oldest archive here).
    for (const auto& [archive, claim] : token_claims_) {
      const auto& [recorded_by, stamped, digest] = claim;
      if (stamped < verdict_.first_seq || token_digests_.contains(digest)) continue;
      Problem(archive, stamped,
              absl::StrCat("missing: entry ", recorded_by, " records a token of entry ", stamped,
                           " (SHA-256 ", Hex(digest),
                           ") that no archive holds: a token was deleted"));
    }
    return verdict_;
  }

 private:
  void Problem(const std::string& archive, int64_t seq, std::string problem) {
    verdict_.problems.push_back(ArchiveProblem{archive, seq, std::move(problem)});
  }

  void Check(const ArchiveFile& file, const ArchiveFile* previous, const std::string& previous_sha,
             const std::string& bytes) {
    std::vector<absl::string_view> lines = absl::StrSplit(bytes, '\n');
    if (!lines.empty() && lines.back().empty()) lines.pop_back();
    if (lines.size() < 2) {
      Problem(file.name, 0, "cut: the file has no header or no last line");
      return;
    }
    const json header = json::parse(lines.front(), nullptr, /*allow_exceptions=*/false);
    const json trailer = json::parse(lines.back(), nullptr, false);
    std::string format;
    if (!header.is_object() || !Field(header, "format", &format) ||
        (format != kArchiveFormat && format != kArchiveFormatV1)) {
      Problem(file.name, 0, "not an archive: its first line is not a header of this format");
      return;
    }
    // The whole file: the trailer's digest of everything before it.
    std::string recorded_sha;
    bool ended = false;
    if (!trailer.is_object() || !Field(trailer, "end", &ended) || !ended ||
        !HexField(trailer, "sha256", &recorded_sha)) {
      Problem(file.name, 0, "cut: its last line is not the archive's end line");
    } else {
      const size_t before_trailer = bytes.size() - lines.back().size() - 1;
      if (store::Sha256(absl::string_view(bytes).substr(0, before_trailer)) != recorded_sha) {
        Problem(file.name, 0, "changed: the file's SHA-256 is not the one its last line records");
      }
    }
    // The link to the previous archive.
    std::string previous_name;
    std::string linked_sha;
    Field(header, "previous_archive", &previous_name);
    HexField(header, "previous_archive_sha256", &linked_sha);
    if (!previous_name.empty()) {
      if (previous == nullptr || previous->name != previous_name) {
        Problem(file.name, previous != nullptr ? last_seq_ + 1 : file.first_seq,
                absl::StrCat("missing: it follows archive ", previous_name,
                             ", which is not in the folder", previous != nullptr
                                 ? absl::StrCat(" (the archive before it here is ", previous->name, ")")
                                 : ""));
      } else if (linked_sha != previous_sha) {
        Problem(previous_name, 0,
                absl::StrCat("changed: its SHA-256 is not the one archive ", file.name,
                             " recorded when it was written"));
      }
    } else if (previous != nullptr) {
      Problem(file.name, file.first_seq,
              absl::StrCat("inserted: it names no previous archive, but ", previous->name,
                           " comes before it"));
    }
    if (previous != nullptr && file.first_seq > last_seq_ + 1) {
      Problem(file.name, last_seq_ + 1,
              absl::StrCat("missing: entries ", last_seq_ + 1, "..", file.first_seq - 1,
                           " are in no archive"));
    }
    // The entries, then (v2) the tokens.
    int64_t expected = file.first_seq;
    int64_t count = 0;
    std::vector<store::ExchangeLogTimestamp> tokens;
    absl::flat_hash_map<int64_t, std::string> hashes;  // seq → hash its fields give
    for (size_t i = 1; i + 1 < lines.size(); ++i) {
      const json line = json::parse(lines[i], nullptr, false);
      if (format != kArchiveFormatV1 && line.is_object() && line.contains("timestamp")) {
        store::ExchangeLogTimestamp token;
        if (!TokenFromJson(line, &token)) {
          Problem(file.name, 0, absl::StrCat("edited: line ", i + 1, " is not a token"));
        } else {
          tokens.push_back(std::move(token));
        }
        continue;
      }
      store::ExchangeLogEntry entry;
      if (!EntryFromJson(line, &entry)) {
        Problem(file.name, expected, absl::StrCat("edited: line ", i + 1, " is not an entry"));
        ++expected;
        continue;
      }
      ++count;
      if (entry.seq > expected) {
        Problem(file.name, expected,
                absl::StrCat("removed: entries ", expected, "..", entry.seq - 1,
                             " are missing from the archive"));
      } else if (entry.seq < expected) {
        Problem(file.name, entry.seq,
                absl::StrCat("inserted: entry ", entry.seq, " is out of order (", expected,
                             " was expected)"));
      }
      ClaimToken(file.name, entry);
      hashes[entry.seq] = store::ComputeEntryHash(entry, entry.prev_hash);
      if (hashes[entry.seq] != entry.hash) {
        Problem(file.name, entry.seq,
                absl::StrCat("edited: the fields of entry ", entry.seq,
                             " no longer give its hash"));
      } else if (!last_hash_.empty() && entry.prev_hash != last_hash_ &&
                 entry.seq == last_seq_ + 1) {
        Problem(file.name, entry.seq,
                absl::StrCat("removed: entry ", entry.seq, " does not link to entry ", last_seq_,
                             " (entries before it were removed and the chain re-linked)"));
      }
      ++verdict_.entries_checked;
      last_seq_ = entry.seq;
      last_hash_ = entry.hash;
      expected = entry.seq + 1;
    }
    CheckTokens(file, header, tokens, hashes);
    int64_t header_count = -1;
    Field(header, "entries", &header_count);
    if (header_count != count) {
      Problem(file.name, 0,
              absl::StrCat("cut: the header says ", header_count, " entries, the file holds ",
                           count));
    }
    if (last_seq_ != file.last_seq) {
      Problem(file.name, last_seq_ + 1,
              absl::StrCat("removed: the archive is named to end at entry ", file.last_seq,
                           " but its last entry is ", last_seq_));
      last_seq_ = file.last_seq;
    }
  }

  // An entry that recorded a timestamp token (HeadTimestamper): remembered, to be found.
  void ClaimToken(const std::string& archive, const store::ExchangeLogEntry& entry) {
    if (entry.method != kTimestampMethod || entry.records.size() != 1 ||
        !absl::StartsWith(entry.records[0], kTimestampRecordPrefix)) {
      return;
    }
    int64_t stamped = 0;
    if (!absl::SimpleAtoi(absl::string_view(entry.records[0])
                              .substr(sizeof(kTimestampRecordPrefix) - 1),
                          &stamped)) {
      return;
    }
    token_claims_.emplace_back(archive,
                               std::make_tuple(entry.seq, stamped, entry.request_digest));
  }

  // The tokens of one archive, against its entries' hashes.
  void CheckTokens(const ArchiveFile& file, const json& header,
                   const std::vector<store::ExchangeLogTimestamp>& tokens,
                   const absl::flat_hash_map<int64_t, std::string>& hashes) {
    int64_t header_tokens = 0;
    Field(header, "timestamps", &header_tokens);
    if (header_tokens != static_cast<int64_t>(tokens.size())) {
      Problem(file.name, 0,
              absl::StrCat("cut: the header says ", header_tokens, " timestamp tokens, the file "
                           "holds ", tokens.size()));
    }
    for (const store::ExchangeLogTimestamp& token : tokens) {
      token_digests_.insert(store::Sha256(token.token));
      auto hash = hashes.find(token.seq);
      if (hash == hashes.end()) {
        Problem(file.name, token.seq,
                absl::StrCat("inserted: token ", token.id, " stamps entry ", token.seq,
                             ", which this archive does not hold"));
        continue;
      }
      if (trust_ == nullptr) {
        ++verdict_.timestamps_unchecked;
        continue;
      }
      TimestampToken contents;
      std::string problem = JudgeToken(token, hash->second, *trust_, &contents);
      if (!problem.empty()) {
        Problem(file.name, token.seq, std::move(problem));
      } else {
        ++verdict_.timestamps_verified;
      }
    }
  }

  const std::string dir_;
  const TsaTrust* const trust_;
  ArchiveVerdict verdict_;
  int64_t last_seq_ = 0;
  std::string last_hash_;
  absl::flat_hash_set<std::string> token_digests_;
  // (archive, (recording entry, stamped entry, token digest))
  std::vector<std::pair<std::string, std::tuple<int64_t, int64_t, std::string>>> token_claims_;
};

}  // namespace

absl::StatusOr<ArchiveVerdict> VerifyArchives(const std::string& dir, const TsaTrust* trust) {
  return ArchiveWalk(dir, trust).Run();
}

void CheckLiveAnchor(int64_t anchor_seq, const std::string& anchor_hash, ArchiveVerdict* verdict) {
  if (anchor_seq == 0) return;  // nothing was let go
  if (verdict->archives == 0) {
    verdict->problems.push_back(ArchiveProblem{
        "", 1, absl::StrCat("missing: the live log let entries 1..", anchor_seq,
                            " go and the folder holds no archive")});
    return;
  }
  if (anchor_seq > verdict->last_seq) {
    verdict->problems.push_back(ArchiveProblem{
        "", verdict->last_seq + 1,
        absl::StrCat("missing: the live log let entries ", verdict->last_seq + 1, "..", anchor_seq,
                     " go and no archive holds them (the newest archive is ",
                     verdict->last_archive, ")")});
    return;
  }
  if (anchor_seq == verdict->last_seq && anchor_hash != verdict->last_hash) {
    verdict->problems.push_back(ArchiveProblem{
        verdict->last_archive, anchor_seq,
        absl::StrCat("changed: entry ", anchor_seq, " ends the archives with another hash than "
                     "the live log's anchor")});
  }
}

}  // namespace lienthong::admin
