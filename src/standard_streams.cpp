#include "standard_streams.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace parscale {

StandardStreams reserve_standard_streams() {
  StandardStreams streams;
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      if (fd == STDOUT_FILENO) {
        streams.stdout_was_closed = true;
      }
      // open() returns the lowest free descriptor, which is `fd` here.
      const int opened = ::open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
      if (opened >= 0 && opened != fd) {
        ::dup2(opened, fd);
        ::close(opened);
      }
    }
  }
  return streams;
}

std::string write_standard_output(const std::string& text, const StandardStreams& streams) {
  if (streams.stdout_was_closed) {
    return "standard output is closed";
  }
  errno = 0;
  const std::size_t written = std::fwrite(text.data(), 1, text.size(), stdout);
  if (std::fflush(stdout) != 0 || written != text.size() || std::ferror(stdout) != 0) {
    return errno != 0 ? std::strerror(errno) : "write failed";
  }
  return "";
}

}  // namespace parscale
