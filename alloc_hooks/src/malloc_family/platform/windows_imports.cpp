// Import-table patching (windows_imports.hpp): the PE import directory of a loaded module is a
// list of descriptors, one per DLL, each with two parallel arrays: the names the module imports
// (OriginalFirstThunk) and the addresses the loader resolved them to (FirstThunk, the import
// address table the module's code calls through). A slot is replaced with one atomic pointer
// store, its page made writable for that store only.
#include "malloc_family/platform/windows_imports.hpp"
// After windows.h, which it needs.
#include <psapi.h>

#include <cstdint>

namespace alloc_hooks::platform {

namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

const IMAGE_NT_HEADERS64* headers_of(const unsigned char* base) {
  const auto* dos = reinterpret_cast<const IMAGE_DOS_HEADER*>(base);
  if (dos->e_magic != IMAGE_DOS_SIGNATURE) return nullptr;
  const auto* nt = reinterpret_cast<const IMAGE_NT_HEADERS64*>(base + dos->e_lfanew);
  if (nt->Signature != IMAGE_NT_SIGNATURE ||
      nt->OptionalHeader.Magic != IMAGE_NT_OPTIONAL_HDR64_MAGIC)
    return nullptr;
  return nt;
}

bool replace_slot(ULONGLONG* slot, void* replacement) {
  // Writable for the store, executable still where the table shares a page with code.
  MEMORY_BASIC_INFORMATION page{};
  if (VirtualQuery(slot, &page, sizeof page) == 0) return false;
  const DWORD executable =
      PAGE_EXECUTE | PAGE_EXECUTE_READ | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY;
  DWORD protection = 0;
  if (!VirtualProtect(slot, sizeof *slot,
                      (page.Protect & executable) != 0 ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE,
                      &protection))
    return false;
  InterlockedExchangePointer(reinterpret_cast<void* volatile*>(slot), replacement);
  VirtualProtect(slot, sizeof *slot, protection, &protection);
  return true;
}

}  // namespace

bool dll_name_is(const char* name, const char* wanted) {
  for (;; ++name, ++wanted) {
    if (*wanted == '*' && wanted[1] == '\0') return true;
    if (lower(*name) != lower(*wanted)) return false;
    if (*name == '\0') return true;
  }
}

int patch_imports(HMODULE module, ImportChooser choose) {
  auto* base = reinterpret_cast<unsigned char*>(module);
  const IMAGE_NT_HEADERS64* nt = headers_of(base);
  if (nt == nullptr) return 0;
  const IMAGE_DATA_DIRECTORY& directory =
      nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_IMPORT];
  if (directory.VirtualAddress == 0 || directory.Size == 0) return 0;
  int changed = 0;
  for (auto* descriptor =
           reinterpret_cast<IMAGE_IMPORT_DESCRIPTOR*>(base + directory.VirtualAddress);
       descriptor->Name != 0; ++descriptor) {
    // Without the name array (an old bound import) the function in a slot cannot be told.
    if (descriptor->OriginalFirstThunk == 0 || descriptor->FirstThunk == 0) continue;
    auto* names = reinterpret_cast<IMAGE_THUNK_DATA64*>(base + descriptor->OriginalFirstThunk);
    auto* slots = reinterpret_cast<IMAGE_THUNK_DATA64*>(base + descriptor->FirstThunk);
    for (; names->u1.AddressOfData != 0; ++names, ++slots) {
      if (IMAGE_SNAP_BY_ORDINAL64(names->u1.Ordinal)) continue;
      const auto* by_name =
          reinterpret_cast<const IMAGE_IMPORT_BY_NAME*>(base + names->u1.AddressOfData);
      void* current = reinterpret_cast<void*>(slots->u1.Function);
      void* replacement = choose(reinterpret_cast<const char*>(by_name->Name), current);
      if (replacement != nullptr && replacement != current &&
          replace_slot(&slots->u1.Function, replacement))
        ++changed;
    }
  }
  return changed;
}

int patch_loaded_modules(ImportChooser choose, bool (*wanted)(HMODULE module)) {
  // A fixed list (no allocation of ours); a process with more modules than this has its first
  // ones patched, in load order.
  HMODULE modules[2048];
  DWORD needed = 0;
  if (!K32EnumProcessModules(GetCurrentProcess(), modules, sizeof modules, &needed)) return 0;
  const DWORD count = needed / sizeof(HMODULE) < 2048 ? needed / sizeof(HMODULE) : 2048;
  int changed = 0;
  for (DWORD i = 0; i < count; ++i) {
    // Held loaded while its table is patched (another thread may unload it meanwhile: then it is
    // not found, and skipped).
    HMODULE held = nullptr;
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
                            reinterpret_cast<LPCWSTR>(modules[i]), &held) ||
        held != modules[i]) {
      if (held != nullptr) FreeLibrary(held);
      continue;
    }
    if (wanted(held)) changed += patch_imports(held, choose);
    FreeLibrary(held);
  }
  return changed;
}

RuntimeKind runtime_kind(HMODULE module) {
  wchar_t path[MAX_PATH];
  const DWORD length = GetModuleFileNameW(module, path, MAX_PATH);
  if (length == 0 || length >= MAX_PATH) return RuntimeKind::none;
  const wchar_t* base = path + length;
  while (base > path && base[-1] != L'\\' && base[-1] != L'/') --base;
  char name[MAX_PATH];
  std::size_t i = 0;
  for (; base[i] != L'\0' && i + 1 < sizeof name; ++i)
    name[i] = base[i] < 128 ? static_cast<char>(base[i]) : '?';
  name[i] = '\0';
  if (dll_name_is(name, "msvcrtd.dll") || dll_name_is(name, "ucrtbased.dll"))
    return RuntimeKind::debug;
  if (dll_name_is(name, "msvcrt.dll") || dll_name_is(name, "ucrtbase.dll"))
    return RuntimeKind::release;
  if (dll_name_is(name, "msvcr*")) {  // msvcr120.dll, msvcr120d.dll
    return i >= 5 && (name[i - 5] == 'd' || name[i - 5] == 'D') ? RuntimeKind::debug
                                                                : RuntimeKind::release;
  }
  return RuntimeKind::none;
}

}  // namespace alloc_hooks::platform
