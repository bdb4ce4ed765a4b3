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
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list.list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM (threads)
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect would re-send the password
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());

  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    const std::string why = absl::StrCat("POST ", url, ": ", error[0] != 0 ? error
                                                                           : curl_easy_strerror(code));
    if (code == CURLE_OPERATION_TIMEDOUT) return absl::DeadlineExceededError(why);
    return absl::UnavailableError(why);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status_code);
  return reply;
}

}  // namespace lienthong::adapters::dvcqg
