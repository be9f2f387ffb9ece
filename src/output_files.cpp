#include "output_files.hpp"

#include "record.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"

namespace parscale {

namespace {

std::string errno_text() { return std::strerror(errno); }

// Closes the descriptor on every path out of a function.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

void write_all(int fd, const std::string& text, const std::string& path) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::runtime_error(fmt::format("cannot write {}: {}", path, errno_text()));
    }
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace

void check_output_path(const std::string& option, const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      throw UsageError(fmt::format("{}: '{}' is a directory; expected a writable file path", option, path));
    }
    if (!S_ISREG(info.st_mode)) {
      throw UsageError(fmt::format("{}: '{}' is not a regular file; expected a writable file path", option, path));
    }
    // Opening (without truncating) is the real test: access() says yes to root for files
    // that root still cannot write (e.g. under /proc or /sys).
    FileDescriptor probe(::open(path.c_str(), O_WRONLY | O_APPEND | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (::access(path.c_str(), W_OK) != 0 || probe.get() < 0) {
      throw UsageError(fmt::format("{}: '{}' is not writable ({}); expected a writable file path", option, path,
                                   errno_text()));
    }
    return;
  }
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) {
    parent = ".";
  }
  struct stat parent_info {};
  if (::stat(parent.c_str(), &parent_info) != 0) {
    throw UsageError(fmt::format("{}: directory '{}' does not exist; expected a writable file path", option,
                                 parent.string()));
  }
  if (!S_ISDIR(parent_info.st_mode)) {
    throw UsageError(fmt::format("{}: '{}' is not a directory; expected a writable file path", option,
                                 parent.string()));
  }
  // A file created and removed at once is the real test (see above); it has a hidden
  // temporary name, never the target's.
  std::string probe_name = (parent / ".parscale-probe.XXXXXX").string();
  const int probe = ::access(parent.c_str(), W_OK | X_OK) == 0 ? ::mkstemp(probe_name.data()) : -1;
  if (probe < 0) {
    throw UsageError(fmt::format("{}: directory '{}' is not writable ({}); expected a writable file path", option,
                                 parent.string(), errno_text()));
  }
  ::close(probe);
  ::unlink(probe_name.c_str());
}

void check_csv_header(const std::string& path, const std::string& header) {
  std::ifstream in(path);
  std::string first_line;
  if (!in || !std::getline(in, first_line)) {
    return;  // missing or empty: the header will be written
  }
  if (first_line != header) {
    std::string first_row;
    const int version = std::getline(in, first_row) ? csv_row_schema_version(first_row) : 0;
    if (version != 0 && version != kRecordSchemaVersion) {
      throw UsageError(fmt::format("--csv: '{}' was written by record schema {} (this program writes {}); "
                                   "start a new file, e.g. move the old one aside",
                                   path, version, kRecordSchemaVersion));
    }
    throw UsageError(fmt::format(
        "--csv: '{}' has a different header (another program or schema version); expected a new file or one "
        "written by this schema",
        path));
  }
}

void append_csv_row(const std::string& path, const std::string& header, const std::string& row) {
  FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    throw std::runtime_error(fmt::format("cannot open {}: {}", path, errno_text()));
  }
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) {
      throw std::runtime_error(fmt::format("cannot lock {}: {}", path, errno_text()));
    }
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    throw std::runtime_error(fmt::format("cannot stat {}: {}", path, errno_text()));
  }
  // Header and row go out in one write(): with O_APPEND and the lock, no reader or other
  // appender sees a part of them.
  const std::string text = info.st_size == 0 ? fmt::format("{}\n{}\n", header, row) : fmt::format("{}\n", row);
  write_all(fd.get(), text, path);
  if (::fsync(fd.get()) != 0) {
    throw std::runtime_error(fmt::format("cannot flush {}: {}", path, errno_text()));
  }
  // Closing releases the lock.
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::filesystem::path target(path);
  const std::filesystem::path directory = target.parent_path().empty() ? "." : target.parent_path();
  const std::string pattern = directory / fmt::format(".{}.tmp.XXXXXX", target.filename().string());
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  FileDescriptor fd(::mkstemp(name.data()));
  if (fd.get() < 0) {
    throw std::runtime_error(fmt::format("cannot create a temporary file for {}: {}", path, errno_text()));
  }
  const std::string temporary(name.data());
  try {
    write_all(fd.get(), text, path);
    if (::fchmod(fd.get(), 0644) != 0 || ::fsync(fd.get()) != 0) {
      throw std::runtime_error(fmt::format("cannot write {}: {}", path, errno_text()));
    }
    if (::close(fd.release()) != 0) {
      throw std::runtime_error(fmt::format("cannot write {}: {}", path, errno_text()));
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
      throw std::runtime_error(fmt::format("cannot rename into {}: {}", path, errno_text()));
    }
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
}

}  // namespace parscale
