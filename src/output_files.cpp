#include "output_files.hpp"

#include "record.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"

namespace parscale {

namespace {

std::string errno_text() { return std::strerror(errno); }

// The fixed, short name of every temporary file (the JSON's, the check's probe): its
// length never depends on the target's name, so a legal target name never makes it too long.
constexpr const char* kTemporaryPattern = ".parscale.tmp.XXXXXX";

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

// The mode a newly created file gets: 0666 minus the umask. umask() can only be read by
// setting it, so it is set back at once (rank 0 alone calls this, from one thread).
mode_t new_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return static_cast<mode_t>(0666 & ~mask);
}

std::string realpath_of(const std::string& path) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) {
    return path;
  }
  std::string text(resolved);
  std::free(resolved);
  return text;
}

// The file a path finally names, links followed: realpath() for an existing file, else
// the real directory plus the name. Used to write through links and to compare names.
std::string resolved_target(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    return realpath_of(path);
  }
  const std::filesystem::path given(path);
  const std::string parent = given.parent_path().empty() ? "." : given.parent_path().string();
  return (std::filesystem::path(realpath_of(parent)) / given.filename()).string();
}

// What the check learnt about one output file.
struct Target {
  const OutputFile* file = nullptr;
  std::string resolved;            // links followed
  std::optional<struct stat> existing;  // the target's stat when it exists
};

[[noreturn]] void refuse(const OutputFile& file, const std::string& what) {
  throw UsageError(fmt::format("{}: '{}' {}; expected a writable file path", file.option, file.path, what));
}

// A temporary file created and removed at once in `directory`: the real test of whether
// the file a write needs can be made there (access() says yes to root where creating
// fails, e.g. under /sys), with the very name pattern the write uses.
void probe_directory(const OutputFile& file, const std::string& directory) {
  std::string name = (std::filesystem::path(directory) / kTemporaryPattern).string();
  const int probe = ::access(directory.c_str(), W_OK | X_OK) == 0 ? ::mkstemp(name.data()) : -1;
  if (probe < 0) {
    throw UsageError(fmt::format("{}: directory '{}' is not writable ({}); expected a writable file path",
                                 file.option, directory, errno_text()));
  }
  ::close(probe);
  ::unlink(name.c_str());
}

Target inspect(const OutputFile& file) {
  Target target;
  target.file = &file;
  struct stat link_info {};
  if (::lstat(file.path.c_str(), &link_info) != 0) {
    if (errno != ENOENT) {  // ENAMETOOLONG, ENOTDIR, ELOOP in a directory, EACCES
      refuse(file, fmt::format("cannot be used ({})", errno_text()));
    }
  } else {
    struct stat info {};
    if (::stat(file.path.c_str(), &info) != 0) {
      if (errno == ELOOP) {
        refuse(file, "is a symbolic link loop");
      }
      if (errno == ENOENT) {
        refuse(file, "is a dangling symbolic link (its target does not exist)");
      }
      refuse(file, fmt::format("cannot be followed ({})", errno_text()));
    }
    if (S_ISDIR(info.st_mode)) {
      refuse(file, "is a directory");
    }
    if (!S_ISREG(info.st_mode)) {
      refuse(file, "is not a regular file");
    }
    target.existing = info;
  }
  target.resolved = resolved_target(file.path);
  const std::filesystem::path resolved(target.resolved);
  const std::string directory = resolved.parent_path().empty() ? "." : resolved.parent_path().string();
  if (!target.existing) {
    const std::filesystem::path given(file.path);
    const std::string parent = given.parent_path().empty() ? "." : given.parent_path().string();
    struct stat parent_info {};
    if (::stat(parent.c_str(), &parent_info) != 0) {
      throw UsageError(fmt::format("{}: directory '{}' does not exist; expected a writable file path", file.option,
                                   parent));
    }
    if (!S_ISDIR(parent_info.st_mode)) {
      throw UsageError(fmt::format("{}: '{}' is not a directory; expected a writable file path", file.option, parent));
    }
    const long name_max = ::pathconf(directory.c_str(), _PC_NAME_MAX);
    const std::size_t name_length = resolved.filename().string().size();
    if ((name_max > 0 && name_length > static_cast<std::size_t>(name_max)) || target.resolved.size() >= PATH_MAX) {
      refuse(file, fmt::format("has a name too long for its file system ({} characters, at most {})", name_length,
                               name_max));
    }
  }
  if (target.existing && file.kind == OutputKind::append_csv) {
    // Opening (without truncating) is the real test: access() says yes to root for files
    // that root still cannot write (e.g. under /proc or /sys).
    FileDescriptor probe(::open(file.path.c_str(), O_RDWR | O_APPEND | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (::access(file.path.c_str(), W_OK) != 0 || probe.get() < 0) {
      refuse(file, fmt::format("is not writable ({})", errno_text()));
    }
  } else {
    // A new file is created in the directory; a replacement needs its temporary file there.
    probe_directory(file, directory);
  }
  return target;
}

// The shape of an existing CSV, read with CSV quoting (a quoted cell may hold commas and
// newlines): its first line, and the last record's line number and field count.
struct CsvShape {
  std::string first_line;
  std::size_t last_line = 0;    // 1-based line where the last record starts
  std::size_t last_fields = 0;  // fields of the last record
  bool ends_with_newline = true;
};

CsvShape read_csv_shape(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CsvShape shape;
  shape.first_line = text.substr(0, text.find('\n'));
  std::size_t line = 1;
  std::size_t record_line = 1;
  std::size_t fields = 1;
  bool quoted = false;
  for (const char c : text) {
    if (c == '"') {
      quoted = !quoted;  // "" inside a quoted cell toggles twice: still quoted
    } else if (c == ',' && !quoted) {
      ++fields;
    } else if (c == '\n') {
      ++line;
      if (!quoted) {
        shape.last_line = record_line;
        shape.last_fields = fields;
        record_line = line;
        fields = 1;
      }
    }
  }
  if (!text.empty() && (text.back() != '\n' || quoted)) {
    shape.ends_with_newline = false;
    shape.last_line = record_line;
    shape.last_fields = fields;
  }
  return shape;
}

void check_csv_content(const OutputFile& file, const std::string& header) {
  const CsvShape shape = read_csv_shape(file.path);
  if (shape.first_line.empty() && shape.last_line == 0) {
    return;  // empty: the header will be written
  }
  if (shape.first_line != header) {
    std::ifstream in(file.path, std::ios::binary);
    std::string first_row;
    std::getline(in, first_row);  // the header
    const int version = std::getline(in, first_row) ? csv_row_schema_version(first_row) : 0;
    if (version != 0 && version != kRecordSchemaVersion) {
      throw UsageError(fmt::format("{}: '{}' was written by record schema {} (this program writes {}); "
                                   "start a new file, e.g. move the old one aside",
                                   file.option, file.path, version, kRecordSchemaVersion));
    }
    throw UsageError(fmt::format(
        "{}: '{}' has a different header (another program or schema version); expected a new file or one "
        "written by this schema",
        file.option, file.path));
  }
  std::size_t width = 1;
  for (const char c : header) {
    width += c == ',' ? 1 : 0;
  }
  if (!shape.ends_with_newline) {
    throw UsageError(fmt::format("{}: '{}' line {} is not a whole row (no final newline: cut off?); remove or "
                                 "repair that line before appending to the file",
                                 file.option, file.path, shape.last_line));
  }
  if (shape.last_fields != width) {
    throw UsageError(fmt::format("{}: '{}' line {} is not a whole row ({} fields, the header has {}); remove or "
                                 "repair that line before appending to the file",
                                 file.option, file.path, shape.last_line, shape.last_fields, width));
  }
}

}  // namespace

void check_output_files(const std::vector<OutputFile>& files, const std::string& csv_header) {
  std::vector<Target> targets;
  for (const OutputFile& file : files) {
    if (file.path.empty()) {
      continue;
    }
    Target target = inspect(file);
    for (const Target& earlier : targets) {
      const bool same_inode = target.existing && earlier.existing &&
                              target.existing->st_dev == earlier.existing->st_dev &&
                              target.existing->st_ino == earlier.existing->st_ino;
      if (same_inode || target.resolved == earlier.resolved) {
        throw UsageError(fmt::format("{} and {} name the same file ('{}' and '{}'); give each a file of its own",
                                     earlier.file->option, file.option, earlier.file->path, file.path));
      }
    }
    if (target.existing && file.kind == OutputKind::append_csv) {
      check_csv_content(file, csv_header);
    }
    targets.push_back(std::move(target));
  }
}

void append_csv_row(const std::string& path, const std::string& header, const std::string& row) {
  FileDescriptor fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666));  // read: the last byte
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
  const off_t length_before = info.st_size;
  if (length_before > 0) {
    // Checked before the run; checked again under the lock, since only appenders that
    // take it are kept from tearing the file.
    char last = '\n';
    if (::pread(fd.get(), &last, 1, length_before - 1) != 1 || last != '\n') {
      throw std::runtime_error(
          fmt::format("cannot append to {}: it no longer ends with a whole row (changed since the check)", path));
    }
  }
  // Header and row go out in one write(): with O_APPEND and the lock, no reader or other
  // appender sees a part of them.
  const std::string text = length_before == 0 ? fmt::format("{}\n{}\n", header, row) : fmt::format("{}\n", row);
  try {
    write_all(fd.get(), text, path);
    if (::fsync(fd.get()) != 0) {
      throw std::runtime_error(fmt::format("cannot flush {}: {}", path, errno_text()));
    }
  } catch (const std::runtime_error&) {
    // Still under the lock: cutting back removes exactly our own bytes, never another job's row.
    if (::ftruncate(fd.get(), length_before) == 0) {
      ::fsync(fd.get());
    }
    throw;
  }
  // Closing releases the lock.
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::filesystem::path target(resolved_target(path));  // through links, like the CSV
  const std::filesystem::path directory = target.parent_path().empty() ? "." : target.parent_path();
  struct stat existing {};
  const mode_t mode = ::stat(target.c_str(), &existing) == 0 ? static_cast<mode_t>(existing.st_mode & 07777)
                                                              : new_file_mode();
  std::string name = (directory / kTemporaryPattern).string();
  FileDescriptor fd(::mkstemp(name.data()));
  if (fd.get() < 0) {
    throw std::runtime_error(fmt::format("cannot create a temporary file for {}: {}", path, errno_text()));
  }
  const std::string temporary(name);
  try {
    write_all(fd.get(), text, path);
    if (::fchmod(fd.get(), mode) != 0 || ::fsync(fd.get()) != 0) {
      throw std::runtime_error(fmt::format("cannot write {}: {}", path, errno_text()));
    }
    if (::close(fd.release()) != 0) {
      throw std::runtime_error(fmt::format("cannot write {}: {}", path, errno_text()));
    }
    if (::rename(temporary.c_str(), target.c_str()) != 0) {
      throw std::runtime_error(fmt::format("cannot rename into {}: {}", path, errno_text()));
    }
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
}

}  // namespace parscale
