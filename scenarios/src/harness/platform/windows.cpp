// Windows implementation of the scenarios' platform facts.
#include <windows.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "platform/platform.hpp"
#include "process/process.hpp"
#include "scenarios/allocators.hpp"

namespace scenarios::platform {

namespace {

template <typename Function>
Function find_function(HMODULE module, const char* name) {
  // Through void*: FARPROC's own type does not convert to another function type cleanly.
  return reinterpret_cast<Function>(reinterpret_cast<void*>(GetProcAddress(module, name)));
}

// The version Windows really runs: GetVersionEx reports what the manifest asks for.
std::string windows_version() {
  using RtlGetVersionFunction = LONG(WINAPI*)(OSVERSIONINFOW*);
  const HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  OSVERSIONINFOW version{};
  version.dwOSVersionInfoSize = sizeof version;
  const auto rtl_get_version = find_function<RtlGetVersionFunction>(ntdll, "RtlGetVersion");
  if (rtl_get_version == nullptr || rtl_get_version(&version) != 0) return "Windows";
  std::string text = "Windows " + std::to_string(version.dwMajorVersion) + "." +
                     std::to_string(version.dwMinorVersion) + "." +
                     std::to_string(version.dwBuildNumber);
  // Timings under wine are not Windows timings: the result says so.
  using WineGetVersionFunction = const char*(CDECL*)();
  if (const auto wine_get_version =
          find_function<WineGetVersionFunction>(ntdll, "wine_get_version")) {
    text += std::string(" (wine ") + wine_get_version() + ")";
  }
  return text;
}

}  // namespace

std::string os_description() {
  SYSTEM_INFO system{};
  GetNativeSystemInfo(&system);
  const char* machine = system.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_AMD64   ? "x86_64"
                        : system.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_ARM64 ? "arm64"
                                                                                        : "other";
  return windows_version() + " " + machine;
}

std::string cpu_model() {
  char name[256] = {};
  DWORD size = sizeof name;
  if (RegGetValueA(HKEY_LOCAL_MACHINE, R"(HARDWARE\DESCRIPTION\System\CentralProcessor\0)",
                   "ProcessorNameString", RRF_RT_REG_SZ, nullptr, name, &size) != ERROR_SUCCESS) {
    return "unknown";
  }
  std::string model = name;
  model.erase(0, model.find_first_not_of(' '));
  return model;
}

void restart_with_backend(const std::string& backend, char** argv) {
  // Windows has no exec: the same program runs again, with the same arguments and the backend's
  // environment, as a child that shares this console's handles, and its exit status becomes this
  // process's.
  char program[MAX_PATH];
  const DWORD length = GetModuleFileNameA(nullptr, program, sizeof program);
  if (length == 0 || length == sizeof program) return;
  process::Command command;
  command.program = program;
  command.argument0 = argv[0];
  for (char** argument = argv + 1; *argument != nullptr; ++argument)
    command.arguments.push_back(*argument);
  for (const auto& [name, value] : allocator_environment(backend))
    command.environment.push_back(name + "=" + value);
  const std::optional<process::Ending> ending = process::run(command);
  if (!ending) return;
  std::exit(ending->status.value_or(1));
}

}  // namespace scenarios::platform
