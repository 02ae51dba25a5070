// write_file_whole(): temporary file, then rename.
#include "scenarios/files.hpp"

#include <filesystem>
#include <fstream>

namespace scenarios {

bool write_file_whole(const std::string& path, const std::string& text) {
  const std::string partial = path + ".partial";
  bool written = false;
  {
    std::ofstream file(partial, std::ios::trunc);
    written = file && (file << text) && file.flush();
  }
  std::error_code error;
  if (written) std::filesystem::rename(partial, path, error);
  if (!written || error) {
    std::filesystem::remove(partial, error);
    return false;
  }
  return true;
}

}  // namespace scenarios
