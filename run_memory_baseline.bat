@echo off
rem Windows twin of run_memory_baseline.sh: runs every scenario under the C runtime's heap and
rem mimalloc with the runner, which writes memory_baseline_results.json, results\report.html and
rem results\report.md, prints the compliance lines and a line naming every breach, and decides the
rem exit status (0 held, 1 a budget failed, 2 bad input); this script forwards it. The verdict gates
rem on the C runtime's heap (system) and mimalloc; a breach under another allocator is a finding
rem that does not fail the run (--gate-allocators LIST names the gating set, docs\runner.md).
rem Arguments go to "memory_baseline run" (e.g. --limit-mb 512).
rem Which build runs:
rem   MEMORY_BASELINE_BUILD=folder  a prebuilt build (e.g. the mingw-w64 cross build), used as is;
rem   build-windows\bin             the mingw-w64 cross build's folder, if it is there;
rem   otherwise                     the MSVC build of the "windows-msvc" preset (CMakePresets.json,
rem                                 Visual Studio 2022 and vcpkg), configured and built first.
rem Written for cmd and for wine's cmd, which CI runs it under: no findstr, no && or ||.
setlocal
cd /d "%~dp0"

echo ======================================================
echo  Memory baseline: heap allocations of the vector index
echo  Targets: ^< 1 GiB memory, ^< 5 ms per allocation (the defaults of --limit-mb, --alloc-budget-us)
echo  Gated on: system and mimalloc (--gate-allocators to choose)
echo ======================================================

if defined MEMORY_BASELINE_BUILD goto prebuilt
set MEMORY_BASELINE_BUILD=build-windows
if exist "build-windows\bin\memory_baseline.exe" goto prebuilt
goto msvc

:prebuilt
set RUNNER=%MEMORY_BASELINE_BUILD%\bin\memory_baseline.exe
if exist "%RUNNER%" goto run
echo run_memory_baseline.bat: %RUNNER% not found (MEMORY_BASELINE_BUILD=%MEMORY_BASELINE_BUILD%)
exit /b 2

:msvc
if not defined VCPKG_ROOT goto no_vcpkg
cmake --version >nul 2>nul
if errorlevel 1 goto no_cmake
echo Configuring and building (MSVC, Release, preset windows-msvc) ...
if exist "build\msvc\CMakeCache.txt" goto msvc_build
cmake --preset windows-msvc
if errorlevel 1 goto build_failed
:msvc_build
cmake --build --preset windows-msvc
if errorlevel 1 goto build_failed
set RUNNER=build\msvc\bin\Release\memory_baseline.exe

:run
echo Running the scenarios with %RUNNER% ...
"%RUNNER%" run --out results --results memory_baseline_results.json %*
set STATUS=%ERRORLEVEL%
if %STATUS% neq 0 goto failed
echo Memory baseline passed
exit /b 0

:failed
echo Memory baseline FAILED with exit status %STATUS%
exit /b %STATUS%

:no_vcpkg
echo run_memory_baseline.bat: VCPKG_ROOT is not set; install vcpkg and set it (see README.md),
echo or set MEMORY_BASELINE_BUILD to a prebuilt build folder
exit /b 2

:no_cmake
echo run_memory_baseline.bat: cmake is not on PATH; run this from a Visual Studio Developer Command Prompt
exit /b 2

:build_failed
echo run_memory_baseline.bat: the MSVC build FAILED
exit /b 2
