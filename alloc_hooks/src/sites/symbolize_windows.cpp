// Windows: function and file:line through DbgHelp, which reads PDBs (MSVC) and, under wine, the
// DWARF 4 the cross build emits (wine's DbgHelp does not read DWARF 5: the cross build asks for 4).
// Addresses of this process are looked up in it (its modules, and those loaded later:
// SymRefreshModuleList); addresses of another process (a profiled program, whose module list
// comes with them) in a DbgHelp session of their own, each module loaded at the base it had
// there. DbgHelp is not thread-safe: one lock serves every symbolizer. Without debug information
// a frame names its module and the offset in it.
#include <windows.h>
// After windows.h, which it needs.
#include <dbghelp.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "alloc_hooks/symbolize.hpp"

namespace alloc_hooks {

namespace {

std::mutex dbghelp_lock;

// This process's session, made once, with every module loaded now.
bool this_process_ready() {
  static const bool ready = [] {
    SymSetOptions(SymGetOptions() | SYMOPT_LOAD_LINES | SYMOPT_DEFERRED_LOADS | SYMOPT_UNDNAME);
    return SymInitialize(GetCurrentProcess(), nullptr, TRUE) != FALSE;
  }();
  return ready;
}

std::string file_name(const std::string& path) {
  const std::size_t slash = path.find_last_of("\\/");
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string forward_slashes(const char* path) {
  std::string text(path);
  std::replace(text.begin(), text.end(), '\\', '/');
  return text;
}

}  // namespace

struct Symbolizer::State {
  std::vector<Module> modules;  // another process's, by base; empty: this process
  // The session of another process's modules: DbgHelp names a session by any unique value.
  HANDLE session = nullptr;
  std::unordered_map<std::uintptr_t, std::vector<Frame>> frames;
};

Symbolizer::Symbolizer(const std::vector<Module>& modules) : state_(std::make_unique<State>()) {
  state_->modules = modules;
  std::sort(state_->modules.begin(), state_->modules.end(),
            [](const Module& a, const Module& b) { return a.bias < b.bias; });
  if (state_->modules.empty()) return;
  const std::lock_guard<std::mutex> hold(dbghelp_lock);
  SymSetOptions(SymGetOptions() | SYMOPT_LOAD_LINES | SYMOPT_DEFERRED_LOADS | SYMOPT_UNDNAME);
  const auto session = reinterpret_cast<HANDLE>(state_.get());
  if (SymInitialize(session, nullptr, FALSE) == FALSE) return;
  state_->session = session;
  for (const Module& module : state_->modules)
    SymLoadModuleEx(session, nullptr, module.path.c_str(), nullptr, module.bias, 0, nullptr, 0);
}

Symbolizer::~Symbolizer() {
  if (state_->session == nullptr) return;
  const std::lock_guard<std::mutex> hold(dbghelp_lock);
  SymCleanup(state_->session);
}

const std::vector<Frame>& Symbolizer::frames(std::uintptr_t return_address) {
  const auto [entry, inserted] = state_->frames.try_emplace(return_address);
  if (!inserted) return entry->second;
  Frame& frame = entry->second.emplace_back();
  frame.address = return_address;
  HANDLE session = state_->session;
  if (!state_->modules.empty()) {
    // The module with the highest base at or below the address.
    const auto above = std::upper_bound(
        state_->modules.begin(), state_->modules.end(), return_address,
        [](std::uintptr_t address, const Module& module) { return address < module.bias; });
    if (above != state_->modules.begin()) {
      const Module& module = *std::prev(above);
      frame.module = file_name(module.path);
      frame.offset = return_address - module.bias;
    }
  } else {
    HMODULE module = nullptr;
    char path[MAX_PATH];
    if (GetModuleHandleExA(
            GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
            reinterpret_cast<const char*>(return_address), &module) &&
        GetModuleFileNameA(module, path, sizeof path) > 0) {
      frame.module = file_name(path);
      frame.offset = return_address - reinterpret_cast<std::uintptr_t>(module);
    }
  }
  const std::lock_guard<std::mutex> hold(dbghelp_lock);
  if (state_->modules.empty()) {
    if (!this_process_ready()) return entry->second;
    session = GetCurrentProcess();
  }
  if (session == nullptr) return entry->second;
  // The call before the return address: its last byte, which lies in the calling function.
  const DWORD64 call = return_address - 1;
  if (state_->modules.empty() && SymGetModuleBase64(session, call) == 0)
    SymRefreshModuleList(session);  // a module loaded after the session was made
  alignas(SYMBOL_INFO) char buffer[sizeof(SYMBOL_INFO) + MAX_SYM_NAME];
  auto* symbol = reinterpret_cast<SYMBOL_INFO*>(buffer);
  symbol->SizeOfStruct = sizeof(SYMBOL_INFO);
  symbol->MaxNameLen = MAX_SYM_NAME;
  DWORD64 displacement = 0;
  // The name and the line are looked up apart: a function may have a line table and no name.
  if (SymFromAddr(session, call, &displacement, symbol))
    frame.function.assign(symbol->Name, symbol->NameLen);
  IMAGEHLP_LINE64 line{};
  line.SizeOfStruct = sizeof line;
  DWORD column = 0;
  if (SymGetLineFromAddr64(session, call, &column, &line)) {
    frame.file = forward_slashes(line.FileName);
    frame.line = line.LineNumber;
  }
  return entry->second;
}

}  // namespace alloc_hooks
