// Output files: each target resolved through symbolic links, regular targets staged as
// TARGET.partial and renamed once every file is written, devices and FIFOs written in place.
#include "scenarios/files.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "platform/files.hpp"

namespace scenarios {

namespace {

namespace fs = std::filesystem;

enum class Kind { replaced, in_place, refused };

struct Target {
  fs::path path;  // symbolic links resolved
  Kind kind = Kind::refused;
  std::string problem;  // why, when refused
};

// The file `path` names, as one absolute spelling: symbolic links followed (a dangling one to
// where its target would be), and a missing file as its folder's canonical path and its name.
fs::path resolved_path(const fs::path& path, int links_left = 40) {
  std::error_code error;
  if (fs::is_symlink(fs::symlink_status(path, error)) && links_left > 0) {
    const fs::path target = fs::read_symlink(path, error);
    if (!error) {
      return resolved_path(target.is_absolute() ? target : path.parent_path() / target,
                           links_left - 1);
    }
  }
  if (fs::exists(path, error)) {
    if (fs::path canonical = fs::canonical(path, error); !error) return canonical;
  }
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  if (fs::path canonical = fs::canonical(folder, error); !error) return canonical / path.filename();
  return fs::absolute(path, error).lexically_normal();
}

Target resolve(const std::string& path) {
  if (path.empty()) return {{}, Kind::refused, "an empty file name"};
  std::error_code error;
  const fs::path resolved = resolved_path(path);
  const fs::file_status status = fs::status(resolved, error);
  switch (status.type()) {
    case fs::file_type::not_found:
    case fs::file_type::regular:
      return {resolved, Kind::replaced, {}};
    case fs::file_type::character:
    case fs::file_type::fifo:
      return {resolved, Kind::in_place, {}};
    case fs::file_type::directory:
      return {resolved, Kind::refused, path + " is a directory"};
    default:
      return {resolved, Kind::refused,
              path + " is not a regular file, a character device or a FIFO"};
  }
}

fs::path staging_path(const fs::path& target) {
  return fs::path(target.string() + ".partial");
}

std::string reason() {
  return errno != 0 ? std::string(": ") + std::strerror(errno) : std::string();
}

// Writes `text` to `path` (truncating); "" or the failure.
std::string write_text(const fs::path& path, const std::string& text, const std::string& name) {
  errno = 0;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return "cannot write " + name + reason();
  file.write(text.data(), static_cast<std::streamsize>(text.size()));
  file.flush();
  if (!file) return "cannot write " + name + reason();
  file.close();
  if (file.fail()) return "cannot write " + name + reason();
  return {};
}

}  // namespace

std::string output_problem(const std::string& path) {
  const Target target = resolve(path);
  if (target.kind == Kind::refused) return "cannot write " + target.problem;
  std::error_code error;
  if (target.kind == Kind::in_place) {
    // A FIFO is not opened here: that would wait for a reader.
    if (fs::is_fifo(target.path, error)) return {};
    errno = 0;
    return std::ofstream(target.path, std::ios::app) ? std::string()
                                                     : "cannot write " + path + reason();
  }
  const fs::path folder =
      target.path.parent_path().empty() ? fs::path(".") : target.path.parent_path();
  if (!fs::is_directory(folder, error))
    return "cannot write " + path + ": folder " + folder.string() + " does not exist";
  const fs::path probe = staging_path(target.path);
  errno = 0;
  const bool writable = static_cast<bool>(std::ofstream(probe, std::ios::trunc));
  const std::string why = reason();
  fs::remove(probe, error);
  return writable ? std::string() : "cannot write " + path + why;
}

std::string output_problems(const std::vector<OutputPath>& paths) {
  std::vector<fs::path> seen;
  for (const OutputPath& output : paths) {
    if (std::string problem = output_problem(output.path); !problem.empty())
      return output.what + ": " + problem;
    const fs::path resolved = resolve(output.path).path;
    for (std::size_t i = 0; i < seen.size(); ++i) {
      if (seen[i] == resolved)
        return output.what + " and " + paths[i].what + " name the same file " + output.path;
    }
    seen.push_back(resolved);
  }
  return {};
}

std::string write_files_whole(const std::vector<OutputFile>& files) {
  const platform::FileSizeLimitFailsWrites size_limit_fails_writes;
  std::vector<Target> targets;
  for (const OutputFile& file : files) {
    targets.push_back(resolve(file.path));
    if (targets.back().kind == Kind::refused) return "cannot write " + targets.back().problem;
  }
  std::vector<fs::path> staged;
  const auto fail = [&staged](std::string message) {
    std::error_code ignored;
    for (const fs::path& partial : staged) fs::remove(partial, ignored);
    return message;
  };
  // Regular files first, to the side: a failure among them replaces nothing.
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (targets[i].kind != Kind::replaced) continue;
    staged.push_back(staging_path(targets[i].path));
    if (std::string problem = write_text(staged.back(), files[i].text, files[i].path);
        !problem.empty())
      return fail(problem);
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (targets[i].kind != Kind::in_place) continue;
    if (std::string problem = write_text(targets[i].path, files[i].text, files[i].path);
        !problem.empty())
      return fail(problem);
  }
  std::size_t renamed = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (targets[i].kind != Kind::replaced) continue;
    std::error_code error;
    fs::rename(staged[renamed], targets[i].path, error);
    if (error) {
      staged.erase(staged.begin(), staged.begin() + static_cast<std::ptrdiff_t>(renamed));
      return fail("cannot write " + files[i].path + ": " + error.message());
    }
    ++renamed;
  }
  return {};
}

std::string write_file_whole(const std::string& path, const std::string& text) {
  return write_files_whole({{path, text}});
}

}  // namespace scenarios
