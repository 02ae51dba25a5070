# spdlog for the mingw-w64 cross build: header-only, over header-only fmt (Debian's spdlog headers
# are set for an external fmt). Installed by scripts/windows/build_dependencies.sh.
if(TARGET spdlog::spdlog)
  return()  # found before, by another directory
endif()
add_library(spdlog::spdlog INTERFACE IMPORTED)
set_target_properties(spdlog::spdlog PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${CMAKE_CURRENT_LIST_DIR}/../../../include"
  INTERFACE_COMPILE_DEFINITIONS "FMT_HEADER_ONLY")
