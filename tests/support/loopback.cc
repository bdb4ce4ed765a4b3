// Free ports and HTTP/1.0 GET over loopback.
#include "tests/support/loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace lienthong::test {
namespace {

// Closes a socket when the scope ends.
class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

}  // namespace

absl::StatusOr<int> FreeLoopbackPort() {
  Socket socket;
  if (socket.fd() < 0) return absl::ErrnoToStatus(errno, "socket");
  sockaddr_in address = Loopback(0);
  if (::bind(socket.fd(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return absl::ErrnoToStatus(errno, "bind 127.0.0.1:0");
  }
  socklen_t length = sizeof(address);
  if (::getsockname(socket.fd(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return absl::ErrnoToStatus(errno, "getsockname");
  }
  return ntohs(address.sin_port);
}

absl::StatusOr<HttpResponse> HttpGet(int port, const std::string& path, absl::Duration timeout) {
  Socket socket;
  if (socket.fd() < 0) return absl::ErrnoToStatus(errno, "socket");
  const timeval tv = absl::ToTimeval(timeout);
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in address = Loopback(port);
  if (::connect(socket.fd(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("connect 127.0.0.1:", port));
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1:", port, "\r\n\r\n");
  if (::send(socket.fd(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return absl::ErrnoToStatus(errno, "send");
  }
  std::string reply;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::recv(socket.fd(), buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "recv (timeout?)");
    if (n == 0) break;  // HTTP/1.0: the server closes after the body
    reply.append(buffer, static_cast<size_t>(n));
  }
  const size_t head_end = reply.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    return absl::DataLossError(absl::StrCat("no HTTP header in reply: ", reply));
  }
  // Status line: "HTTP/1.1 200 OK".
  const std::vector<std::string> status_line =
      absl::StrSplit(reply.substr(0, reply.find("\r\n")), ' ');
  HttpResponse response;
  if (status_line.size() < 2 || !absl::SimpleAtoi(status_line[1], &response.status_code)) {
    return absl::DataLossError(absl::StrCat("bad HTTP status line in reply: ", reply));
  }
  response.body = reply.substr(head_end + 4);
  return response;
}

std::string PrometheusSample(const std::string& exposition, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (absl::ConsumePrefix(&line, series) && absl::ConsumePrefix(&line, " ")) {
      return std::string(line);
    }
  }
  return "";
}

}  // namespace lienthong::test
