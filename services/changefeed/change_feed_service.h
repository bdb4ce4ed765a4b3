// ChangeFeedService over gRPC. Subscribe is a raw-bytes server stream so that every subscriber
// sends the feed's one serialized copy of an event; Ack is an ordinary unary call.
#pragma once

#include <functional>
#include <string>

#include "lienthong/v1/change_feed_service.grpc.pb.h"
#include "services/changefeed/change_feed.h"
#include "services/exchange/exchange_call.h"

namespace lienthong::changefeed {

// Which record types a member may subscribe to (the access policy; allow-all when unset).
using SubscribePermission = std::function<bool(const std::string& member, v1::RecordType type)>;

class ChangeFeedServiceImpl final
    : public v1::ChangeFeedService::WithRawCallbackMethod_Subscribe<
          v1::ChangeFeedService::CallbackService> {
 public:
  ChangeFeedServiceImpl(const exchange::GatewayContext* gateway, ChangeFeed* feed,
                        SubscribePermission may_subscribe = nullptr)
      : gateway_(gateway), feed_(feed), may_subscribe_(std::move(may_subscribe)) {}

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* Ack(grpc::CallbackServerContext* context,
                                const v1::AckRequest* request,
                                v1::AckResponse* response) override;

 private:
  const exchange::GatewayContext* gateway_;
  ChangeFeed* feed_;
  SubscribePermission may_subscribe_;
};

}  // namespace lienthong::changefeed
