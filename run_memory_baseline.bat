@echo off
rem Windows twin of run_memory_baseline.sh: builds memory-baseline (Release) with CMake and runs
rem every scenario under the system allocator and mimalloc. The runner writes
rem memory_baseline_results.json, results\report.html and results\report.md, prints the compliance
rem lines and decides the exit status; this script only forwards it (no findstr).
rem Arguments go to "memory_baseline run" (e.g. --limit-mb 512).
setlocal
cd /d "%~dp0"

echo ======================================================
echo  Memory baseline: heap allocations of the vector index
echo  Targets: ^< 1GB memory, ^< 5ms per allocation
echo ======================================================

if not defined BUILD_DIR set BUILD_DIR=build
set RUNNER=%BUILD_DIR%\bin\memory_baseline.exe
if exist "%RUNNER%" goto run

echo Configuring and building (Release) in %BUILD_DIR% ...
cmake -S . -B "%BUILD_DIR%" -DCMAKE_BUILD_TYPE=Release
if errorlevel 1 goto build_failed
cmake --build "%BUILD_DIR%" --config Release --target memory_baseline scenario_vector scenario_concepts scenario_fragmentation scenario_concurrent
if errorlevel 1 goto build_failed
if not exist "%RUNNER%" set RUNNER=%BUILD_DIR%\bin\Release\memory_baseline.exe

:run
echo Running the scenarios ...
"%RUNNER%" run --out results --results memory_baseline_results.json %*
set STATUS=%ERRORLEVEL%
if %STATUS% neq 0 (
  echo Memory baseline FAILED with exit status %STATUS%
  exit /b %STATUS%
)
echo Memory baseline passed
exit /b 0

:build_failed
echo Build FAILED
exit /b 2
