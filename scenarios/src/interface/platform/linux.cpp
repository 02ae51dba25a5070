// Linux part of writing output files: SIGXFSZ ignored while a file is written.
#include <csignal>

#include "platform/files.hpp"

namespace scenarios::platform {

FileSizeLimitFailsWrites::FileSizeLimitFailsWrites() : previous_(std::signal(SIGXFSZ, SIG_IGN)) {}

FileSizeLimitFailsWrites::~FileSizeLimitFailsWrites() {
  if (previous_ != SIG_ERR) std::signal(SIGXFSZ, previous_);
}

}  // namespace scenarios::platform
