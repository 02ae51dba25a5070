// Linux part of `memory_baseline profile`: PATH search, the ELF check for a dynamic loader
// (PT_INTERP), and the program started with the preload library (LD_PRELOAD) and extra
// environment.
#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "memory_baseline/results.hpp"
#include "platform/platform.hpp"
#include "platform/profile.hpp"

namespace memory_baseline::platform {

namespace {

bool is_executable_file(const std::string& path) {
  struct stat status {};
  return stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode) &&
         access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<std::string> find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (is_executable_file(name)) return name;
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string folders = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= folders.size()) {
    const std::size_t end = std::min(folders.find(':', start), folders.size());
    const std::string folder = end > start ? folders.substr(start, end - start) : ".";
    const std::string candidate = folder + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

std::string why_not_preloadable(const std::string& program) {
  std::ifstream file(program, std::ios::binary);
  char magic[4] = {};
  file.read(magic, sizeof magic);
  if (file.gcount() >= 2 && magic[0] == '#' && magic[1] == '!') return "";  // a script
  if (file.gcount() < 4 || std::memcmp(magic, ELFMAG, SELFMAG) != 0)
    return "is neither an ELF executable nor a script";
  Elf64_Ehdr header{};
  file.seekg(0);
  file.read(reinterpret_cast<char*>(&header), sizeof header);
  if (!file || header.e_ident[EI_CLASS] != ELFCLASS64)
    return "is not a 64-bit ELF executable (the preload library is 64-bit)";
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment{};
    file.seekg(static_cast<std::streamoff>(header.e_phoff + i * header.e_phentsize));
    file.read(reinterpret_cast<char*>(&segment), sizeof segment);
    if (!file) break;
    if (segment.p_type == PT_INTERP) return "";
  }
  return "is statically linked: a preload library cannot reach it (link it with "
         "alloc_hooks::alloc_hooks for its operator new instead, docs/profile.md)";
}

std::string allocator_problem(const std::string&) {
  return "";
}

process::Process start_program(const std::string& program, const std::string& argument0,
                               const std::vector<std::string>& arguments,
                               const std::string& library,
                               const std::vector<std::string>& hooks_environment) {
  process::Command command{program, argument0, arguments, hooks_environment};
  // The hooks first, before any library the user preloads.
  const char* preloaded = std::getenv("LD_PRELOAD");
  command.environment.push_back(
      "LD_PRELOAD=" + library +
      (preloaded != nullptr && *preloaded != '\0' ? std::string(":") + preloaded : ""));
  return process::Process::start(command);
}

std::string hooks_library() {
  const std::filesystem::path library =
      std::filesystem::path(executable_directory()) / ".." / "lib" / "liballoc_hooks_preload.so";
  std::error_code error;
  const std::filesystem::path canonical = std::filesystem::weakly_canonical(library, error);
  return (error ? library : canonical).string();
}

}  // namespace memory_baseline::platform
