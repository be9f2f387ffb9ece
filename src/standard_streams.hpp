// Standard output as the place a run's result must reach: a failed write to it is a
// run-time error, never silently ignored.
#pragma once

#include <string>

namespace parscale {

struct StandardStreams {
  bool stdout_was_closed = false;  // descriptor 1 was not open when the program started
};

// Call first in main(), before MPI or any file is opened: any of descriptors 0, 1, 2 that
// is closed is opened on /dev/null, so no file or socket opened later can take its number
// (a summary printed to a closed stdout would otherwise land in whatever got descriptor 1).
StandardStreams reserve_standard_streams();

// Writes `text` to stdout and flushes it. Returns "" on success, else what went wrong
// (errno's text, or that stdout was closed at start).
std::string write_standard_output(const std::string& text, const StandardStreams& streams);

}  // namespace parscale
