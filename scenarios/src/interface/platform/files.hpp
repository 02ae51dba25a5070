// The platform part of writing output files (files.cpp), one implementation file per OS
// (linux.cpp, windows.cpp beside it).
#pragma once

namespace scenarios::platform {

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
