// Result files: checked before a run, written only after it, never torn.
//
// Links: both kinds of file are written THROUGH symbolic links. A CSV row is appended to
// the link's target; a JSON file replaces the link's target (its temporary file is made in
// the target's directory), so the link itself stays. A dangling link or a link loop is
// refused before the run. See docs/result-files.md.
#pragma once

#include <string>
#include <vector>

namespace parscale {

enum class OutputKind {
  append_csv,  // one row appended under a lock (--csv)
  replace,     // a whole file replaced atomically by a rename (--json, --checkpoint)
};

struct OutputFile {
  std::string option;  // "--csv": named in every error line
  std::string path;    // as given
  OutputKind kind = OutputKind::replace;
};

// Throws UsageError (one line naming the option) unless every file can be written as its
// kind needs: no two of them are the same file (by device and inode, or by the resolved
// path for files still to be made); no dangling link, link loop or over-long name; the
// directory takes the temporary file a replacement needs; an existing CSV has
// `csv_header` as its first line and ends with a whole row of that many fields followed
// by a newline. Touches nothing (a probe file is created and removed at once).
void check_output_files(const std::vector<OutputFile>& files, const std::string& csv_header);

// Appends `row` (one line) to the CSV at `path` under an exclusive advisory lock (flock),
// writing `header` first when the file is empty. Concurrent appenders (job arrays, many
// ranks) therefore never tear or interleave rows. If the write or the flush fails (a full
// disk), the file is cut back to its length before the append, under the same lock, so no
// part of the row remains. Refuses (without writing) a file that no longer ends with a
// newline. Throws std::runtime_error.
void append_csv_row(const std::string& path, const std::string& header, const std::string& row);

// Writes `text` to a temporary file in the (link-resolved) target's directory and renames
// it into place, so readers see the old file or the whole new one. A new file gets mode
// 0666 minus the umask; a replaced file keeps its mode. Throws std::runtime_error.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace parscale
