// Writing a result or report file whole or not at all, shared by the scenarios and the runner.
#pragma once

#include <string>

namespace scenarios {

// Writes `text` to PATH.partial and renames it to `path`, so no reader ever sees a half-written
// file. Returns false (and leaves neither file behind) when the path cannot be written.
bool write_file_whole(const std::string& path, const std::string& text);

}  // namespace scenarios
