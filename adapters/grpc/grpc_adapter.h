// GrpcAdapter: pushes batches to a remote SectorSinkService over mutual TLS, presenting its own
// client certificate, which it rotates when its files change (validated first,
// docs/architecture.md guarantee 8: a bad candidate is refused with a log line and the old
// material keeps working).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "adapters/adapter.h"
#include "lienthong/v1/sector_sink_service.grpc.pb.h"
#include "services/security/client_credentials.h"

namespace lienthong::adapters::grpc_sink {

struct GrpcSinkOptions {
  std::string adapter_name;  // sent as ApplyChangesRequest.adapter
  std::string target;        // host:port
  security::ClientTlsFiles files;
  std::string server_name;  // expected in the sink's certificate; empty: the target host
  absl::Duration deadline = absl::Seconds(10);
  // How often the key, certificate and CA files are checked for change.
  absl::Duration watch_interval = absl::Seconds(1);
};

class GrpcAdapter final : public Adapter {
 public:
  explicit GrpcAdapter(GrpcSinkOptions options) : options_(std::move(options)) {}

  absl::Status Apply(absl::Span<const v1::ChangeEvent> events) override;

  // Serial (hex) of the client certificate in use; empty before the first Apply.
  std::string certificate_serial() const;

 private:
  struct FileStamp {
    int64_t mtime_ns = 0;
    int64_t size = -1;
    bool operator==(const FileStamp& o) const { return mtime_ns == o.mtime_ns && size == o.size; }
  };
  using Stamps = std::array<FileStamp, 3>;  // key, cert, ca

  // Loads the files when they changed since they were last looked at; keeps the channel in use
  // when the candidate is refused. UNAVAILABLE when there is no usable material at all.
  absl::Status RefreshLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const GrpcSinkOptions options_;
  mutable absl::Mutex mu_;
  std::shared_ptr<v1::SectorSinkService::Stub> stub_ ABSL_GUARDED_BY(mu_);
  std::string serial_ ABSL_GUARDED_BY(mu_);
  // Stamps of the files last tried (accepted or refused); none before the first try.
  std::optional<Stamps> seen_ ABSL_GUARDED_BY(mu_);
  absl::Time next_check_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Status last_refusal_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lienthong::adapters::grpc_sink
