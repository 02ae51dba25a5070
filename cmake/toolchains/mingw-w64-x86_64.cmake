# Cross-build for 64-bit Windows with Debian's mingw-w64 (posix-threads compiler, so std::thread
# works); the programs run under wine, which ctest and test discovery use as the emulator.
# Packages: g++-mingw-w64-x86-64-posix wine (scripts/windows/build_dependencies.sh builds the rest).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${MINGW_TRIPLE}-windres)

# Self-contained executables: no libstdc++/winpthreads DLLs to find at run time.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Headers, libraries and CMake packages come from the mingw sysroot and the prefix that
# scripts/windows/build_dependencies.sh filled, never from the build machine's /usr.
set(MINGW_DEPENDENCIES_PREFIX "" CACHE PATH "Prefix of scripts/windows/build_dependencies.sh")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES MINGW_DEPENDENCIES_PREFIX)
set(CMAKE_FIND_ROOT_PATH /usr/${MINGW_TRIPLE} ${MINGW_DEPENDENCIES_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

find_program(WINE_PROGRAM wine REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${WINE_PROGRAM})
