# CLI11 for the mingw-w64 cross build (header-only; Debian's headers, copied).
if(TARGET CLI11::CLI11)
  return()  # found before, by another directory
endif()
add_library(CLI11::CLI11 INTERFACE IMPORTED)
set_target_properties(CLI11::CLI11 PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${CMAKE_CURRENT_LIST_DIR}/../../../include")
