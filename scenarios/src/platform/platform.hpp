// Machine facts and process control the scenarios need, one implementation file per OS (memory
// readings are the monitor library's).
#pragma once

#include <cstdint>
#include <string>

namespace scenarios::platform {

std::string os_description();  // e.g. "Linux 6.1.0 x86_64"
std::string cpu_model();
// Runs this program again, same arguments, under another alloc_hooks backend (the backend is
// fixed before main): Linux replaces the process (exec); Windows runs a child and exits with its
// status. Returns only on failure.
void restart_with_backend(const std::string& backend, char** argv);

// While one lives, a write beyond the file-size limit (ulimit -f) fails with EFBIG instead of
// ending the process with SIGXFSZ, so that the writer can report it and remove its temporary.
// Nothing to do where no such signal exists.
class FileSizeLimitFailsWrites {
 public:
  FileSizeLimitFailsWrites();
  ~FileSizeLimitFailsWrites();
  FileSizeLimitFailsWrites(const FileSizeLimitFailsWrites&) = delete;
  FileSizeLimitFailsWrites& operator=(const FileSizeLimitFailsWrites&) = delete;

 private:
  void (*previous_)(int) = nullptr;
};

}  // namespace scenarios::platform
