// Windows part of writing output files: there is no file-size signal, a write beyond a quota fails.
#include "platform/files.hpp"

namespace scenarios::platform {

FileSizeLimitFailsWrites::FileSizeLimitFailsWrites() = default;
FileSizeLimitFailsWrites::~FileSizeLimitFailsWrites() = default;

}  // namespace scenarios::platform
