// PostTimestampQuery over libcurl's easy interface.
#include "services/admin/tsa_http.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace lienthong::admin {
namespace {

// curl_global_init is not thread-safe; once, before the first handle.
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  auto* body = static_cast<std::string*>(out);
  // A TimeStampResp is a few KiB; a TSA that sends megabytes is not one.
  if (body->size() + size * count > (1 << 20)) return 0;
  body->append(data, size * count);
  return size * count;
}

struct CurlFree {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

absl::StatusOr<std::string> PostTimestampQuery(const std::string& url, absl::string_view query_der,
                                               absl::Duration timeout) {
  InitCurlOnce();
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return absl::UnavailableError("libcurl could not make a handle");
  std::unique_ptr<curl_slist, CurlFree> headers;
  for (const char* header :
       {"Content-Type: application/timestamp-query", "Accept: application/timestamp-reply"}) {
    headers.reset(curl_slist_append(headers.release(), header));
  }
  std::string body;
  char error[CURL_ERROR_SIZE] = {0};
  CURL* h = curl.get();
  // Every option must take: an ignored failure could post to another protocol or without TLS
  // verification.
  const bool set =
      curl_easy_setopt(h, CURLOPT_URL, url.c_str()) == CURLE_OK &&
      curl_easy_setopt(h, CURLOPT_POST, 1L) == CURLE_OK &&
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, query_der.data()) == CURLE_OK &&
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(query_der.size())) == CURLE_OK &&
      curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK &&
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &AppendBody) == CURLE_OK &&
      curl_easy_setopt(h, CURLOPT_WRITEDATA, static_cast<void*>(&body)) == CURLE_OK &&
      curl_easy_setopt(h, CURLOPT_ERRORBUFFER, static_cast<char*>(error)) == CURLE_OK &&
      curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                       static_cast<long>(absl::ToInt64Milliseconds(timeout))) == CURLE_OK &&
      curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
      curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
  if (!set) return absl::UnavailableError("libcurl refused an option of the TSA request");
  const CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    const std::string why =
        absl::StrCat("POST ", url, ": ", error[0] != 0 ? error : curl_easy_strerror(code));
    if (code == CURLE_OPERATION_TIMEDOUT) return absl::DeadlineExceededError(why);
    return absl::UnavailableError(why);
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    return absl::UnavailableError(absl::StrCat("POST ", url, ": HTTP ", status));
  }
  return body;
}

}  // namespace lienthong::admin
