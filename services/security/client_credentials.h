// Mutual-TLS client channels to the gateway (lienthongctl, tests, benchmarks) or from it to a
// remote sector sink (the grpc adapter): present a member certificate, verify the server's.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/channel_arguments.h"

namespace lienthong::security {

struct ClientTlsFiles {
  std::string key_file;   // the client's private key
  std::string cert_file;  // the client's certificate chain
  std::string ca_file;    // CAs that sign the server's certificate
};

struct ClientTlsPem {
  std::string key_pem;
  std::string cert_pem;
  std::string ca_pem;
};

absl::StatusOr<ClientTlsPem> ReadClientTlsFiles(const ClientTlsFiles& files);

// A channel to `target` ("host:port"). The server's certificate must chain to ca_pem and match
// the target host (or `server_name` when given). Extra channel arguments may be passed.
std::shared_ptr<grpc::Channel> MakeMutualTlsChannel(const std::string& target,
                                                    const ClientTlsPem& pem,
                                                    const std::string& server_name = "",
                                                    grpc::ChannelArguments args = {});

}  // namespace lienthong::security
