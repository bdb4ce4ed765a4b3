// Request and response of a unary callback method on one protobuf arena per call.
//
// Why: a SubmitDossier request parses into dozens of strings and sub-messages, the response
// copies them again, and with gRPC's default holder each is its own malloc and free. On an
// arena they come from one block that the call frees at once when it completes.
// Set it per method on a CallbackService: SetMessageAllocatorFor_<Method>(&allocator); the
// allocator must outlive the server. The messages stay valid until gRPC releases the holder,
// after the call's Finish has been sent, as with the default holder.
#pragma once

#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"

namespace lienthong::exchange {

template <typename Request, typename Response>
class ArenaMessageAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder(); }

 private:
  // The first block sits inside the holder: one allocation per call for a typical dossier.
  static constexpr size_t kInlineBlock = 8192;

  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() : arena_(Options(inline_block_)) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options(char* block) {
      google::protobuf::ArenaOptions options;
      options.initial_block = block;
      options.initial_block_size = kInlineBlock;
      return options;
    }
    alignas(16) char inline_block_[kInlineBlock];
    google::protobuf::Arena arena_;
  };
};

}  // namespace lienthong::exchange
