#include "service/reflection_service.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <algorithm>
#include <set>
#include <utility>

#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace pynq_remote::service {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;

// The two versions differ only in their package, so one template serves both.
struct V1alpha {
  using Service = grpc::reflection::v1alpha::ServerReflection;
  using Request = grpc::reflection::v1alpha::ServerReflectionRequest;
  using Response = grpc::reflection::v1alpha::ServerReflectionResponse;
};
struct V1 {
  using Service = grpc::reflection::v1::ServerReflection;
  using Request = grpc::reflection::v1::ServerReflectionRequest;
  using Response = grpc::reflection::v1::ServerReflectionResponse;
};

// `file`, then its transitive dependencies, each serialized once: a client needs them all
// to build the file's descriptors. The asked-for file comes first, as from gRPC's own
// service: clients (grpcurl) take the first as the answer.
void AddFileAndDependencies(const FileDescriptor* file, std::set<std::string>* seen,
                            std::vector<std::string>* out) {
  if (!seen->insert(file->name()).second) return;
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  out->push_back(proto.SerializeAsString());
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddFileAndDependencies(file->dependency(i), seen, out);
  }
}

// The file that extends `type_name` with field `number`, or nullptr.
const FileDescriptor* FindExtensionFile(const DescriptorPool& pool, const std::string& type_name,
                                        int number) {
  const Descriptor* type = pool.FindMessageTypeByName(type_name);
  if (type == nullptr) return nullptr;
  const FieldDescriptor* extension = pool.FindExtensionByNumber(type, number);
  return extension == nullptr ? nullptr : extension->file();
}

// An error goes back in the response, not as the call's status: the stream stays open.
template <class Response>
void SetError(grpc::StatusCode code, const std::string& message, Response* response) {
  response->mutable_error_response()->set_error_code(code);
  response->mutable_error_response()->set_error_message(message);
}

// `file` and its dependencies, or NOT_FOUND with `missing` when there is no file.
template <class Response>
void SetFile(const FileDescriptor* file, const std::string& missing, Response* response) {
  if (file == nullptr) return SetError(grpc::StatusCode::NOT_FOUND, missing, response);
  std::set<std::string> seen;
  std::vector<std::string> files;
  AddFileAndDependencies(file, &seen, &files);
  auto* out = response->mutable_file_descriptor_response()->mutable_file_descriptor_proto();
  for (std::string& bytes : files) out->Add(std::move(bytes));
}

template <class Response>
void SetExtensionNumbers(const DescriptorPool& pool, const std::string& type_name,
                         Response* response) {
  const Descriptor* type = pool.FindMessageTypeByName(type_name);
  if (type == nullptr) {
    return SetError(grpc::StatusCode::NOT_FOUND, "type not found: " + type_name, response);
  }
  std::vector<const FieldDescriptor*> extensions;
  pool.FindAllExtensions(type, &extensions);
  std::vector<int> numbers;
  for (const FieldDescriptor* extension : extensions) numbers.push_back(extension->number());
  std::sort(numbers.begin(), numbers.end());
  auto* out = response->mutable_all_extension_numbers_response();
  out->set_base_type_name(type->full_name());
  for (int number : numbers) out->add_extension_number(number);
}

// The response to one request, by the field the request sets.
template <class Api>
void Answer(const typename Api::Request& request, const std::vector<std::string>& services,
            typename Api::Response* response) {
  using Request = typename Api::Request;
  const DescriptorPool& pool = *DescriptorPool::generated_pool();
  response->Clear();
  response->set_valid_host(request.host());
  *response->mutable_original_request() = request;
  switch (request.message_request_case()) {
    case Request::kFileByFilename:
      return SetFile(pool.FindFileByName(request.file_by_filename()),
                     "file not found: " + request.file_by_filename(), response);
    case Request::kFileContainingSymbol:
      return SetFile(pool.FindFileContainingSymbol(request.file_containing_symbol()),
                     "symbol not found: " + request.file_containing_symbol(), response);
    case Request::kFileContainingExtension: {
      const auto& extension = request.file_containing_extension();
      return SetFile(
          FindExtensionFile(pool, extension.containing_type(), extension.extension_number()),
          "extension not found: " + std::to_string(extension.extension_number()) + " of " +
              extension.containing_type(),
          response);
    }
    case Request::kAllExtensionNumbersOfType:
      return SetExtensionNumbers(pool, request.all_extension_numbers_of_type(), response);
    case Request::kListServices:
      for (const std::string& name : services) {
        response->mutable_list_services_response()->add_service()->set_name(name);
      }
      return;
    default:  // unset, or a field added to the protocol after this server
      return SetError(grpc::StatusCode::UNIMPLEMENTED,
                      "the request sets no field this server answers (file_by_filename, "
                      "file_containing_symbol, file_containing_extension, "
                      "all_extension_numbers_of_type, list_services)",
                      response);
  }
}

// One ServerReflectionInfo stream, from the request for it to its end, on the queue's thread:
// read a request, write its answer, read the next. One operation is outstanding at a time,
// and Finish is reached exactly once: a failed read (the client half-closed, cancelled or
// went away) or a failed write (cancelled). Between requests only the pending read remains:
// no thread waits. Deleted once the Finish has completed and gRPC has reported the call done.
template <class Api>
class InfoCall final {
 public:
  InfoCall(typename Api::Service::AsyncService& service, const std::vector<std::string>& services,
           IdleStreams* idle, AsyncQueue& queue)
      : live_(queue), service_(service), services_(services), idle_(idle), queue_(queue) {
    context_.AsyncNotifyWhenDone(&done_tag_);
    service_.RequestServerReflectionInfo(&context_, &stream_, queue_.cq(), queue_.cq(),
                                         &arrived_tag_);
  }

 private:
  void Arrived(bool ok) {
    if (!ok) {  // the server is stopping: no call, and no done tag will come
      delete this;
      return;
    }
    if (!queue_.stopping()) new InfoCall(service_, services_, idle_, queue_);
    if (idle_ != nullptr) idle_->Add(&context_);
    stream_.Read(&request_, &read_tag_);
  }

  void ReadDone(bool ok) {
    if (!ok) return Finish(grpc::Status::OK);
    Answer<Api>(request_, services_, &response_);
    stream_.Write(response_, &write_tag_);
  }

  void WriteDone(bool ok) {
    if (!ok) return Finish(grpc::Status::CANCELLED);
    response_.Clear();  // an idle stream keeps no descriptors
    stream_.Read(&request_, &read_tag_);
  }

  void Finish(const grpc::Status& status) { stream_.Finish(status, &finish_tag_); }

  void Finished(bool) {
    finished_ = true;
    if (done_) End();
  }

  void Done(bool) {
    done_ = true;
    if (finished_) End();  // else a cancelled call's pending operation fails, then Finish
  }

  void End() {
    if (idle_ != nullptr) idle_->Remove(&context_);
    delete this;
  }

  AsyncQueue::Live live_;  // first: released last
  typename Api::Service::AsyncService& service_;
  const std::vector<std::string>& services_;  // the ReflectionService's, which outlives us
  IdleStreams* const idle_;                   // ended at shutdown; null: not tracked
  AsyncQueue& queue_;
  grpc::ServerContext context_;
  grpc::ServerAsyncReaderWriter<typename Api::Response, typename Api::Request> stream_{&context_};
  AsyncQueue::FnTag arrived_tag_{[this](bool ok) { Arrived(ok); }};
  AsyncQueue::FnTag read_tag_{[this](bool ok) { ReadDone(ok); }};
  AsyncQueue::FnTag write_tag_{[this](bool ok) { WriteDone(ok); }};
  AsyncQueue::FnTag finish_tag_{[this](bool ok) { Finished(ok); }};
  AsyncQueue::FnTag done_tag_{[this](bool ok) { Done(ok); }};
  typename Api::Request request_;
  typename Api::Response response_;
  bool finished_ = false;
  bool done_ = false;
};

}  // namespace

ReflectionService::ReflectionService(std::vector<std::string> service_names, IdleStreams* idle) {
  service_names.push_back(V1alpha::Service::service_full_name());
  service_names.push_back(V1::Service::service_full_name());
  for (std::string& name : service_names) {
    if (std::find(service_names_.begin(), service_names_.end(), name) == service_names_.end()) {
      service_names_.push_back(std::move(name));
    }
  }
  v1alpha_ = std::make_unique<V1alpha::Service::AsyncService>();
  v1_ = std::make_unique<V1::Service::AsyncService>();
  idle_ = idle;
}

ReflectionService::~ReflectionService() = default;

void ReflectionService::RegisterWith(grpc::ServerBuilder& builder, AsyncQueue& queue) {
  builder.RegisterService(v1alpha_.get());
  builder.RegisterService(v1_.get());
  queue.OnStart([this, &queue] {
    new InfoCall<V1alpha>(static_cast<V1alpha::Service::AsyncService&>(*v1alpha_), service_names_,
                          idle_, queue);
    new InfoCall<V1>(static_cast<V1::Service::AsyncService&>(*v1_), service_names_, idle_, queue);
  });
}

}  // namespace pynq_remote::service
