# spdlog for the mingw-w64 cross build: header-only, over header-only fmt (Debian's spdlog headers
# are set for an external fmt).
include(${CMAKE_CURRENT_LIST_DIR}/../header_only_target.cmake)
header_only_target(spdlog::spdlog FMT_HEADER_ONLY)
