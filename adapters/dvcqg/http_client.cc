// HttpJsonClient over libcurl's easy interface.
#include "adapters/dvcqg/http_client.h"

#include <curl/curl.h>

#include <mutex>

#include "absl/strings/str_cat.h"

namespace lienthong::adapters::dvcqg {
namespace {

// curl_global_init is not thread-safe; do it once before the first handle.
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// Frees a curl_slist when the call ends, whichever way.
struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void Add(const std::string& header) { list = curl_slist_append(list, header.c_str()); }
};

}  // namespace

namespace internal {

absl::Status CurlOptionStatus(int curl_code, absl::string_view option) {
  if (curl_code == CURLE_OK) return absl::OkStatus();
  // Not the dossier's fault: a libcurl built without the feature, or out of memory. Retried,
  // and visible in `adapters status`.
  return absl::UnavailableError(absl::StrCat("libcurl refused ", option, ": ",
                                             curl_easy_strerror(static_cast<CURLcode>(curl_code))));
}

}  // namespace internal

HttpJsonClient::HttpJsonClient(HttpOptions options) : options_(std::move(options)) {
  InitCurlOnce();
  curl_ = curl_easy_init();
}

HttpJsonClient::~HttpJsonClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

absl::StatusOr<HttpReply> HttpJsonClient::PostJson(const std::string& url,
                                                   const std::vector<std::string>& headers,
                                                   const std::string& json) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return absl::UnavailableError("libcurl could not make a handle");
  curl_easy_reset(curl);  // keeps the connection cache, forgets the last call's options
  HeaderList list;
  list.Add("Content-Type: application/json; charset=utf-8");
  list.Add("Accept: application/json");
  for (const std::string& header : headers) list.Add(header);

  HttpReply reply;
  char error[CURL_ERROR_SIZE] = {0};
  // Every option is checked: an ignored failure could send without TLS verification, without
  // the CA file or to a protocol other than HTTP(S). The first failure ends the call.
  absl::Status options_set;
  auto set = [&](CURLoption option, const char* name, auto value) {
    if (options_set.ok()) {
      options_set = internal::CurlOptionStatus(curl_easy_setopt(curl, option, value), name);
    }
  };
  set(CURLOPT_URL, "CURLOPT_URL", url.c_str());
  set(CURLOPT_POST, "CURLOPT_POST", 1L);
  set(CURLOPT_POSTFIELDS, "CURLOPT_POSTFIELDS", json.data());
  set(CURLOPT_POSTFIELDSIZE_LARGE, "CURLOPT_POSTFIELDSIZE_LARGE",
      static_cast<curl_off_t>(json.size()));
  set(CURLOPT_HTTPHEADER, "CURLOPT_HTTPHEADER", list.list);
  set(CURLOPT_WRITEFUNCTION, "CURLOPT_WRITEFUNCTION", &AppendBody);
  set(CURLOPT_WRITEDATA, "CURLOPT_WRITEDATA", static_cast<void*>(&reply.body));
  set(CURLOPT_ERRORBUFFER, "CURLOPT_ERRORBUFFER", static_cast<char*>(error));
  set(CURLOPT_NOSIGNAL, "CURLOPT_NOSIGNAL", 1L);  // timeouts without SIGALRM (threads)
  set(CURLOPT_TIMEOUT_MS, "CURLOPT_TIMEOUT_MS",
      static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
  set(CURLOPT_PROTOCOLS_STR, "CURLOPT_PROTOCOLS_STR", "http,https");
  set(CURLOPT_FOLLOWLOCATION, "CURLOPT_FOLLOWLOCATION", 0L);  // would re-send the password
  set(CURLOPT_SSL_VERIFYPEER, "CURLOPT_SSL_VERIFYPEER", 1L);
  set(CURLOPT_SSL_VERIFYHOST, "CURLOPT_SSL_VERIFYHOST", 2L);
  if (!options_.ca_file.empty()) set(CURLOPT_CAINFO, "CURLOPT_CAINFO", options_.ca_file.c_str());
  if (!options_set.ok()) return options_set;

  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    const std::string why =
        absl::StrCat("POST ", url, ": ", error[0] != 0 ? error : curl_easy_strerror(code));
    if (code == CURLE_OPERATION_TIMEDOUT) return absl::DeadlineExceededError(why);
    return absl::UnavailableError(why);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status_code);
  return reply;
}

}  // namespace lienthong::adapters::dvcqg
