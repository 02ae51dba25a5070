# nlohmann-json for the mingw-w64 cross build (header-only; Debian's headers, copied).
if(TARGET nlohmann_json::nlohmann_json)
  return()  # found before, by another directory
endif()
add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
set_target_properties(nlohmann_json::nlohmann_json PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${CMAKE_CURRENT_LIST_DIR}/../../../include")
