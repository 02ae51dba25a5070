// Windows: function and file:line through DbgHelp, which reads PDBs (MSVC) and, under wine, the
// DWARF 4 the cross build emits (wine's DbgHelp does not read DWARF 5: the cross build asks for 4).
// Each module is given to DbgHelp the first time an address falls in it, at the base it has in
// the process the addresses came from: this process's modules as found by address, another
// process's (a profiled program's) from the module list that comes with them. DbgHelp is not
// thread-safe: one lock serves every symbolizer. Without debug information a frame names its
// module and the offset in it.
//
// Under wine a module whose DWARF holds a name of 1,000 characters or more is not given to
// DbgHelp: wine's reader copies a name into a 2,000-byte buffer from its end without a bound
// (dwarf2_get_cpp_name) and crashes the process later, and a 1,990-character type name with a
// member function crashed it too; half that length was always read. C++ template instantiations
// reach such names (nlohmann::json inside std::unique_ptr and std::tuple: 3,120 characters); such
// a module keeps module+offset frames. docs/windows.md, "Named call sites", has the measurements.
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

constexpr std::size_t kLongestNameRead = 999;

bool under_wine() {
  static const bool wine = [] {
    const HMODULE ntdll = GetModuleHandleA("ntdll.dll");
    return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
  }();
  return wine;
}

// A read-only view of a whole file, unmapped at scope exit.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const HANDLE file = CreateFileA(path.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE,
                                    nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (file == INVALID_HANDLE_VALUE) return;
    LARGE_INTEGER size{};
    if (GetFileSizeEx(file, &size) && size.QuadPart > 0) {
      const HANDLE mapping = CreateFileMappingA(file, nullptr, PAGE_READONLY, 0, 0, nullptr);
      if (mapping != nullptr) {
        data_ = static_cast<const unsigned char*>(MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0));
        if (data_ != nullptr) size_ = static_cast<std::size_t>(size.QuadPart);
        CloseHandle(mapping);  // the view keeps the mapping
      }
    }
    CloseHandle(file);
  }
  ~MappedFile() {
    if (data_ != nullptr) UnmapViewOfFile(data_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  // The bytes [offset, offset + length), or null when the file is shorter.
  const unsigned char* at(std::size_t offset, std::size_t length) const {
    return offset <= size_ && length <= size_ - offset ? data_ + offset : nullptr;
  }

 private:
  const unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
};

template <typename T>
bool read(const MappedFile& file, std::size_t offset, T& value) {
  const unsigned char* bytes = file.at(offset, sizeof value);
  if (bytes != nullptr) std::memcpy(&value, bytes, sizeof value);
  return bytes != nullptr;
}

// Whether the module file's .debug_info holds a run of 1,000+ printable characters: the
// inline names (DW_FORM_string, which GCC uses for PE targets) of that length, linkage names
// included. A long run that
// is not a name only costs the module its names. A file that cannot be read is let through:
// DbgHelp reads nothing from it either.
bool has_name_wine_overflows_on(const std::string& path) {
  const MappedFile file(path);
  IMAGE_DOS_HEADER dos{};
  DWORD signature = 0;
  IMAGE_FILE_HEADER header{};
  if (!read(file, 0, dos) || dos.e_magic != IMAGE_DOS_SIGNATURE) return false;
  const std::size_t pe = static_cast<std::size_t>(dos.e_lfanew);
  if (!read(file, pe, signature) || signature != IMAGE_NT_SIGNATURE ||
      !read(file, pe + sizeof signature, header))
    return false;
  // Section names longer than 8 characters ("/4") are offsets into the COFF string table,
  // which follows the symbol table (18-byte records).
  const std::size_t strings =
      std::size_t{header.PointerToSymbolTable} + std::size_t{header.NumberOfSymbols} * 18;
  const std::size_t sections = pe + sizeof signature + sizeof header + header.SizeOfOptionalHeader;
  for (WORD index = 0; index < header.NumberOfSections; ++index) {
    IMAGE_SECTION_HEADER section{};
    if (!read(file, sections + index * sizeof section, section)) return false;
    const char* short_name = reinterpret_cast<const char*>(section.Name);
    std::string name(short_name, strnlen(short_name, IMAGE_SIZEOF_SHORT_NAME));
    if (name.size() > 1 && name[0] == '/' && header.PointerToSymbolTable != 0) {
      const std::size_t offset = strings + std::strtoul(name.c_str() + 1, nullptr, 10);
      const unsigned char* text = file.at(offset, 1);
      name = text != nullptr ? std::string(reinterpret_cast<const char*>(text),
                                           strnlen(reinterpret_cast<const char*>(text), 64))
                             : std::string();
    }
    if (name != ".debug_info") continue;
    const unsigned char* bytes = file.at(section.PointerToRawData, section.SizeOfRawData);
    if (bytes == nullptr) return false;
    std::size_t run = 0;
    for (DWORD i = 0; i < section.SizeOfRawData; ++i) {
      run = bytes[i] >= 0x20 && bytes[i] < 0x7f ? run + 1 : 0;
      if (run > kLongestNameRead) return true;
    }
  }
  return false;
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

// A DbgHelp session and the modules given to it, by base: whether each has usable symbols.
struct Session {
  HANDLE handle = nullptr;  // DbgHelp names a session by any value unique in the process
  std::unordered_map<std::uintptr_t, bool> modules;

  explicit Session(HANDLE unique) {
    SymSetOptions(SymGetOptions() | SYMOPT_LOAD_LINES | SYMOPT_DEFERRED_LOADS | SYMOPT_UNDNAME);
    if (SymInitialize(unique, nullptr, FALSE) != FALSE) handle = unique;
  }
  ~Session() {
    if (handle != nullptr) SymCleanup(handle);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Loads the module at `base` the first time; whether DbgHelp may be asked about it.
  bool has(const std::string& path, std::uintptr_t base) {
    if (handle == nullptr) return false;
    const auto [entry, inserted] = modules.try_emplace(base, false);
    if (inserted && !(under_wine() && has_name_wine_overflows_on(path)))
      entry->second =
          SymLoadModuleEx(handle, nullptr, path.c_str(), nullptr, base, 0, nullptr, 0) != 0;
    return entry->second;
  }
};

// This process's session, made once and kept: each module is read once for every symbolizer.
Session& this_process_session() {
  static char unique;
  static Session session(&unique);
  return session;
}

}  // namespace

struct Symbolizer::State {
  std::vector<Module> modules;       // another process's, by base; empty: this process
  std::unique_ptr<Session> session;  // another process's
  std::unordered_map<std::uintptr_t, std::vector<Frame>> frames;
};

Symbolizer::Symbolizer(const std::vector<Module>& modules) : state_(std::make_unique<State>()) {
  state_->modules = modules;
  std::sort(state_->modules.begin(), state_->modules.end(),
            [](const Module& a, const Module& b) { return a.bias < b.bias; });
}

Symbolizer::~Symbolizer() {
  const std::lock_guard<std::mutex> hold(dbghelp_lock);
  state_->session.reset();
}

const std::vector<Frame>& Symbolizer::frames(std::uintptr_t return_address) {
  const auto [entry, inserted] = state_->frames.try_emplace(return_address);
  if (!inserted) return entry->second;
  Frame& frame = entry->second.emplace_back();
  frame.address = return_address;
  std::string path;
  std::uintptr_t base = 0;
  if (!state_->modules.empty()) {
    // The module with the highest base at or below the address.
    const auto above = std::upper_bound(
        state_->modules.begin(), state_->modules.end(), return_address,
        [](std::uintptr_t address, const Module& module) { return address < module.bias; });
    if (above != state_->modules.begin()) {
      path = std::prev(above)->path;
      base = std::prev(above)->bias;
    }
  } else {
    HMODULE module = nullptr;
    char module_path[MAX_PATH];
    if (GetModuleHandleExA(
            GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
            reinterpret_cast<const char*>(return_address), &module) &&
        GetModuleFileNameA(module, module_path, sizeof module_path) > 0) {
      path = module_path;
      base = reinterpret_cast<std::uintptr_t>(module);
    }
  }
  if (path.empty()) return entry->second;
  frame.module = file_name(path);
  frame.offset = return_address - base;

  const std::lock_guard<std::mutex> hold(dbghelp_lock);
  Session* session = &this_process_session();
  if (!state_->modules.empty()) {
    if (state_->session == nullptr)
      state_->session = std::make_unique<Session>(reinterpret_cast<HANDLE>(state_.get()));
    session = state_->session.get();
  }
  if (!session->has(path, base)) return entry->second;
  // The call before the return address: its last byte, which lies in the calling function.
  const DWORD64 call = return_address - 1;
  alignas(SYMBOL_INFO) char buffer[sizeof(SYMBOL_INFO) + MAX_SYM_NAME];
  auto* symbol = reinterpret_cast<SYMBOL_INFO*>(buffer);
  symbol->SizeOfStruct = sizeof(SYMBOL_INFO);
  symbol->MaxNameLen = MAX_SYM_NAME;
  DWORD64 displacement = 0;
  // The name and the line are looked up apart: a function may have a line table and no name.
  if (SymFromAddr(session->handle, call, &displacement, symbol))
    frame.function.assign(symbol->Name, symbol->NameLen);
  IMAGEHLP_LINE64 line{};
  line.SizeOfStruct = sizeof line;
  DWORD column = 0;
  if (SymGetLineFromAddr64(session->handle, call, &column, &line)) {
    frame.file = forward_slashes(line.FileName);
    frame.line = line.LineNumber;
  }
  return entry->second;
}

}  // namespace alloc_hooks
