// Output files (results, baselines, reports), shared by the scenarios and the runner: checked
// before any work starts, then written whole or not at all.
//
// A path may name a regular file or a missing one (written to PATH.partial beside it, then
// renamed over it, so no reader ever sees half a file), a character device or a FIFO (written in
// place: /dev/null, /dev/stdout; never replaced), or a symbolic link to any of these (the link
// stays, its target is written). A directory or any other kind of file is refused.
#pragma once

#include <string>
#include <vector>

namespace scenarios {

// Why `path` cannot be written, or "" when it can (its folder exists and takes new files, or the
// device accepts writes). Leaves nothing behind.
std::string output_problem(const std::string& path);

// Why the paths cannot all be written, or "": each one's output_problem, and two paths that name
// the same file (`what` names each path for the message, e.g. "--results").
struct OutputPath {
  std::string what;
  std::string path;
};
std::string output_problems(const std::vector<OutputPath>& paths);

struct OutputFile {
  std::string path;
  std::string text;
};
// Writes every file, or, when any one cannot be written, replaces none of the regular files and
// leaves no temporary behind. Returns "" on success, else one line naming the file and the
// reason. A file-size limit (ulimit -f) fails the write instead of killing the process.
std::string write_files_whole(const std::vector<OutputFile>& files);
std::string write_file_whole(const std::string& path, const std::string& text);

}  // namespace scenarios
