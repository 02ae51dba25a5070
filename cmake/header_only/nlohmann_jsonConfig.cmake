# nlohmann-json for the mingw-w64 cross build (header-only; Debian's headers, copied).
include(${CMAKE_CURRENT_LIST_DIR}/../header_only_target.cmake)
header_only_target(nlohmann_json::nlohmann_json)
