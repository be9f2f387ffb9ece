// Result files: checked before a run, written only after it, never torn.
#pragma once

#include <string>

namespace parscale {

// Throws UsageError (naming `option`) unless `path` can be written: an existing regular,
// writable file, or a new file in an existing writable directory. Touches nothing.
void check_output_path(const std::string& option, const std::string& path);

// Throws UsageError if `path` exists, is not empty and its first line differs from
// `header`: rows of another schema must not be mixed into it.
void check_csv_header(const std::string& path, const std::string& header);

// Appends `row` (one line) to the CSV at `path` under an exclusive advisory lock
// (flock), writing `header` first when the file is empty. Concurrent appenders (job
// arrays, many ranks) therefore never tear or interleave rows. Throws std::runtime_error.
void append_csv_row(const std::string& path, const std::string& header, const std::string& row);

// Writes `text` to a temporary file beside `path` and renames it into place, so readers
// see the old file or the whole new one. Throws std::runtime_error.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace parscale
