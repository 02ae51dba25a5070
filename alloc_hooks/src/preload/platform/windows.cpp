// The injected DLL's own part (alloc_hooks_inject.dll, Windows): `memory_baseline profile` starts a
// program suspended and loads this DLL into it before the program's own code runs
// (tools/memory_baseline/src/platform/profile_windows.cpp). The hooks and the counting of the C
// runtimes' malloc family and of the Win32 heap are the same objects as in the static targets;
// their constructor (malloc_family/platform/windows.cpp) patches every module's imports when this
// DLL is loaded. This adds the report for the runner, written when the program exits
// (profile_report.hpp).
//
// - ALLOC_HOOKS_PROFILE_OUT names the file (UTF-8). The report is written at DLL_PROCESS_DETACH
//   of the process's exit: ExitProcess sends it after the program's exit handlers and static
//   destructors ran, and to this DLL, loaded last, first.
// - A process ended by TerminateProcess or an unhandled exception detaches no DLL: no report.
// Nothing here allocates; the stacks are raw addresses with the module list, symbolized by the
// runner.
#include <windows.h>
// psapi.h needs windows.h first.
#include <psapi.h>

#include <cstdio>

#include "core/platform/platform.hpp"
#include "preload/profile_report.hpp"

namespace alloc_hooks::detail {

namespace {

char report_path[4096];

// Every module of the process, with its base and its path in UTF-8.
void list_modules(ModuleLine line) {
  static HMODULE modules[2048];
  DWORD needed = 0;
  if (!K32EnumProcessModules(GetCurrentProcess(), modules, sizeof modules, &needed)) return;
  const DWORD count = needed / sizeof(HMODULE) < 2048 ? needed / sizeof(HMODULE) : 2048;
  for (DWORD i = 0; i < count; ++i) {
    static wchar_t wide[4096];
    static char path[4 * 4096];
    const DWORD length = GetModuleFileNameW(modules[i], wide, 4096);
    if (length == 0 || length >= 4096) continue;
    if (WideCharToMultiByte(CP_UTF8, 0, wide, static_cast<int>(length) + 1, path, sizeof path,
                            nullptr, nullptr) == 0)
      continue;
    line(reinterpret_cast<std::uintptr_t>(modules[i]), path);
  }
}

}  // namespace

}  // namespace alloc_hooks::detail

// The C runtime calls this after its own start-up in this DLL, and before its own end.
extern "C" BOOL WINAPI DllMain(HINSTANCE, DWORD reason, LPVOID reserved) {
  using namespace alloc_hooks;
  if (reason == DLL_PROCESS_ATTACH) {
    if (const char* path = platform::environment("ALLOC_HOOKS_PROFILE_OUT"))
      std::snprintf(detail::report_path, sizeof detail::report_path, "%s", path);
  } else if (reason == DLL_PROCESS_DETACH && reserved != nullptr &&
             detail::report_path[0] != '\0') {
    // reserved != nullptr: the process is ending (not a FreeLibrary).
    // The program's exit status is its own: a report that cannot be written is said, and the
    // runner finds no figures.
    if (!detail::write_profile_report(detail::report_path, "exit", detail::list_modules))
      platform::say(
          "cannot write the profile report (ALLOC_HOOKS_PROFILE_OUT): no figures; the exit "
          "status stays the program's");
  }
  return TRUE;
}
