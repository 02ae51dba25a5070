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
// - The ALLOC_HOOKS_ variables the runner added are taken out of the environment once read: out
//   of the process's block and out of the copies the C runtimes loaded before this DLL made
//   (leave_environment_as_given).
// Nothing here allocates; the stacks are raw addresses with the module list, symbolized by the
// runner.
#include <windows.h>
// psapi.h needs windows.h first.
#include <psapi.h>

#include <cstdio>
#include <cwchar>

#include "core/accounting.hpp"
#include "core/backend.hpp"
#include "core/platform/platform.hpp"
#include "core/scoped_flag.hpp"
#include "malloc_family/platform/windows_imports.hpp"
#include "preload/profile_report.hpp"

namespace alloc_hooks::detail {

namespace {

char report_path[4096];

// Every module of the process, with its base and its path in UTF-8.
// Calls `each(module)` for every module of the process (the first 2048, in load order).
template <typename Each>
void for_each_module(Each each) {
  static HMODULE modules[2048];
  DWORD needed = 0;
  if (!K32EnumProcessModules(GetCurrentProcess(), modules, sizeof modules, &needed)) return;
  const DWORD count = needed / sizeof(HMODULE) < 2048 ? needed / sizeof(HMODULE) : 2048;
  for (DWORD i = 0; i < count; ++i) each(modules[i]);
}

void list_modules(ModuleLine line) {
  for_each_module([line](HMODULE module) {
    static wchar_t wide[4096];
    static char path[4 * 4096];
    const DWORD length = GetModuleFileNameW(module, wide, 4096);
    if (length == 0 || length >= 4096) return;
    if (WideCharToMultiByte(CP_UTF8, 0, wide, static_cast<int>(length) + 1, path, sizeof path,
                            nullptr, nullptr) == 0)
      return;
    line(reinterpret_cast<std::uintptr_t>(module), path);
  });
}

// Whether an environment entry ("NAME=value") is one of the hooks' variables; names compare as
// Windows compares them, ignoring case.
template <typename Char>
bool is_ours(const Char* entry) {
  static constexpr char kPrefix[] = "ALLOC_HOOKS_";
  for (std::size_t i = 0; i + 1 < sizeof kPrefix; ++i) {
    Char c = entry[i];
    if (c >= 'a' && c <= 'z') c = static_cast<Char>(c - 'a' + 'A');
    if (c != static_cast<Char>(kPrefix[i])) return false;
  }
  return true;
}

// Takes the hooks' entries out of a C runtime's null-terminated array of entries, in place (the
// pointers shift down; the strings stay where they are, unused).
template <typename Char>
void compact(Char** entries) {
  if (entries == nullptr) return;
  Char** kept = entries;
  for (Char** entry = entries; *entry != nullptr; ++entry) {
    if (!is_ours(*entry)) *kept++ = *entry;
  }
  *kept = nullptr;
}

template <typename T>
T exported(HMODULE module, const char* name) {
  return reinterpret_cast<T>(reinterpret_cast<void*>(GetProcAddress(module, name)));
}

// A C runtime's copies of the environment, made when it loaded: msvcrt's (and msvcr*'s) exported
// arrays, ucrtbase's through its accessors. `main`'s envp is one of them (__initenv, or UCRT's
// initial narrow environment). Copies not made yet are left to be made from the cleaned block.
void clean_runtime_copies(HMODULE module) {
  for (const char* name : {"_environ", "__initenv"}) {
    if (const auto array = exported<char***>(module, name)) compact(*array);
  }
  for (const char* name : {"_wenviron", "__winitenv"}) {
    if (const auto array = exported<wchar_t***>(module, name)) compact(*array);
  }
  using NarrowAccessor = char*** (*)();
  using WideAccessor = wchar_t*** (*)();
  if (const auto environ_of = exported<NarrowAccessor>(module, "__p__environ"))
    compact(*environ_of());
  wchar_t** wide = nullptr;
  if (const auto wenviron_of = exported<WideAccessor>(module, "__p__wenviron")) {
    wide = *wenviron_of();
    compact(wide);
  }
  if (const auto initial = exported<char** (*)()>(module, "_get_initial_narrow_environment"))
    compact(initial());
  // Asked for only where the wide copy exists: else the call would make one.
  const auto initial_wide = exported<wchar_t** (*)()>(module, "_get_initial_wide_environment");
  if (initial_wide != nullptr && wide != nullptr) compact(initial_wide());
}

// The environment the program was given: the hooks' variables (every one read by now: the
// settings when the hooks started, the report's path in DllMain) taken out of the process's
// block, which the program's children inherit, and out of each loaded C runtime's copies.
// Nothing here allocates where the hooks count: the block's copy and the removals are the
// system's own (kernelbase and ntdll are not patched), the runtimes' arrays shrink in place.
void leave_environment_as_given() {
  static wchar_t names[64][256];
  std::size_t count = 0;
  if (wchar_t* block = GetEnvironmentStringsW()) {
    for (const wchar_t* entry = block; *entry != L'\0'; entry += std::wcslen(entry) + 1) {
      const wchar_t* equals = std::wcschr(entry + 1, L'=');
      if (!is_ours(entry) || equals == nullptr || count == 64) continue;
      const std::size_t length = static_cast<std::size_t>(equals - entry);
      if (length >= 256) continue;
      std::wmemcpy(names[count], entry, length);
      names[count++][length] = L'\0';
    }
    FreeEnvironmentStringsW(block);
  }
  for (std::size_t i = 0; i < count; ++i) SetEnvironmentVariableW(names[i], nullptr);
  for_each_module([](HMODULE module) {
    if (platform::runtime_kind(module) != platform::RuntimeKind::none) clean_runtime_copies(module);
  });
}

}  // namespace

}  // namespace alloc_hooks::detail

// The C runtime calls this after its own start-up in this DLL, and before its own end.
extern "C" BOOL WINAPI DllMain(HINSTANCE, DWORD reason, LPVOID reserved) {
  using namespace alloc_hooks;
  if (reason == DLL_PROCESS_ATTACH) {
    (void)detail::active_backend();  // every setting read
    if (const char* path = platform::environment("ALLOC_HOOKS_PROFILE_OUT"))
      std::snprintf(detail::report_path, sizeof detail::report_path, "%s", path);
    const detail::ScopedFlag own_work(detail::inside_hooks_flag());
    detail::leave_environment_as_given();
  } else if (reason == DLL_PROCESS_DETACH && reserved != nullptr &&
             detail::report_path[0] != '\0') {
    // reserved != nullptr: the process is ending (not a FreeLibrary).
    // The program's exit status is its own: a report that cannot be written is said, and the
    // runner finds no figures.
    // Windows follows no child process: the one the runner started, its arguments the runner's.
    const detail::ProcessIdentity process{static_cast<long long>(GetCurrentProcessId())};
    if (!detail::write_profile_report(detail::report_path, "exit", process, nullptr,
                                      detail::list_modules))
      platform::say(
          "cannot write the profile report (ALLOC_HOOKS_PROFILE_OUT): no figures; the exit "
          "status stays the program's");
  }
  return TRUE;
}
