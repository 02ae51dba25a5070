// The C runtimes' malloc family, their operator new/delete exports and the Win32 heap, counted
// on Windows in-process (alloc_hooks::alloc_hooks_malloc). No dynamic linker lets one library
// take these names over for a process, so the import table of every loaded module is patched
// (windows_imports.hpp): each counted function's slot gets a counting function that calls the
// very function the slot held. The program's blocks stay exactly what it would get without the
// hooks (_msize and HeapSize unchanged: those and every other function pass untouched); each
// call is counted as a backend call is (accounting.hpp, WrappedCall).
//
// - C runtimes: a slot whose function lies in msvcrt, msvcrtd, ucrtbase, ucrtbased or msvcr*
//   (the api-ms-win-crt-heap forwarders resolve into ucrtbase) gets the counting function of that
//   runtime; up to kMaxRuntimes runtimes, each with its own set, so a block goes back to the
//   runtime that made it. The debug runtime's _malloc_dbg family is counted as malloc.
// - Win32 heap: HeapAlloc, HeapReAlloc and HeapFree of any heap, wherever imported from.
// - Modules loaded later: LoadLibraryA/W/ExA/ExW patch every module once the load returned (what
//   a DLL allocates in its DllMain, before that, is not counted); GetProcAddress of a counted
//   function returns the counting one.
// A block is counted once, under the outermost counted call: a runtime's malloc calls HeapAlloc
// through its own patched import, inside the hooks, and that call passes uncounted; what a runtime
// allocates by itself (_strdup, a stream's buffer) is counted as the HeapAlloc it makes. A block
// made before the hooks were installed is freed uncounted (size_shadow.hpp): the counts stay exact.
#include <windows.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "core/accounting.hpp"
#include "core/backend.hpp"
#include "core/scoped_flag.hpp"
#include "malloc_family/platform/windows_imports.hpp"

namespace {

using alloc_hooks::Source;
namespace detail = alloc_hooks::detail;

// The functions of a C runtime the hooks count, listed once: the runtime's record, how each is
// found and which counting function replaces it expand this list. Each entry: the field, the
// exported name, the function's type.
#define ALLOC_HOOKS_RUNTIME_FUNCTIONS(X)                                                   \
  X(malloc, "malloc", void* (*)(std::size_t))                                              \
  X(calloc, "calloc", void* (*)(std::size_t, std::size_t))                                 \
  X(realloc, "realloc", void* (*)(void*, std::size_t))                                     \
  X(free, "free", void (*)(void*))                                                         \
  X(expand, "_expand", void* (*)(void*, std::size_t))                                      \
  X(recalloc, "_recalloc", void* (*)(void*, std::size_t, std::size_t))                     \
  X(aligned_malloc, "_aligned_malloc", void* (*)(std::size_t, std::size_t))                \
  X(aligned_offset_malloc, "_aligned_offset_malloc",                                       \
    void* (*)(std::size_t, std::size_t, std::size_t))                                      \
  X(aligned_realloc, "_aligned_realloc", void* (*)(void*, std::size_t, std::size_t))       \
  X(aligned_recalloc, "_aligned_recalloc",                                                 \
    void* (*)(void*, std::size_t, std::size_t, std::size_t))                               \
  X(aligned_free, "_aligned_free", void (*)(void*))                                        \
  X(new_scalar, "??2@YAPEAX_K@Z", void* (*)(std::size_t))                                  \
  X(new_array, "??_U@YAPEAX_K@Z", void* (*)(std::size_t))                                  \
  X(delete_scalar, "??3@YAXPEAX@Z", void (*)(void*))                                       \
  X(delete_array, "??_V@YAXPEAX@Z", void (*)(void*))                                       \
  X(malloc_dbg, "_malloc_dbg", void* (*)(std::size_t, int, const char*, int))              \
  X(calloc_dbg, "_calloc_dbg", void* (*)(std::size_t, std::size_t, int, const char*, int)) \
  X(realloc_dbg, "_realloc_dbg", void* (*)(void*, std::size_t, int, const char*, int))     \
  X(expand_dbg, "_expand_dbg", void* (*)(void*, std::size_t, int, const char*, int))       \
  X(free_dbg, "_free_dbg", void (*)(void*, int))

struct Runtime {
  HMODULE module;
  std::size_t (*msize)(void*);  // measures its blocks; required, as malloc and free are
#define ALLOC_HOOKS_RUNTIME_FIELD(field, name, type) std::type_identity_t<type> field;
  ALLOC_HOOKS_RUNTIME_FUNCTIONS(ALLOC_HOOKS_RUNTIME_FIELD)
#undef ALLOC_HOOKS_RUNTIME_FIELD
};
constexpr std::size_t kMaxRuntimes = 4;
Runtime runtimes[kMaxRuntimes];
std::atomic<std::size_t> runtime_count{0};

// The Win32 heap's and the loader's functions, as kernel32 resolves them (on Windows 7 and later
// HeapAlloc is ntdll's RtlAllocateHeap). A slot holding the same function from kernelbase is
// recognised too (`also`).
struct KernelFunctions {
  LPVOID(WINAPI* heap_alloc)(HANDLE, DWORD, SIZE_T);
  LPVOID(WINAPI* heap_realloc)(HANDLE, DWORD, LPVOID, SIZE_T);
  BOOL(WINAPI* heap_free)(HANDLE, DWORD, LPVOID);
  SIZE_T(WINAPI* heap_size)(HANDLE, DWORD, LPCVOID);
  HMODULE(WINAPI* load_library_a)(LPCSTR);
  HMODULE(WINAPI* load_library_w)(LPCWSTR);
  HMODULE(WINAPI* load_library_ex_a)(LPCSTR, HANDLE, DWORD);
  HMODULE(WINAPI* load_library_ex_w)(LPCWSTR, HANDLE, DWORD);
  FARPROC(WINAPI* get_proc_address)(HMODULE, LPCSTR);
};
KernelFunctions kernel{};
KernelFunctions kernelbase{};
HMODULE own_module = nullptr;
// The system's own modules: what they import is how kernel32 forwards to kernelbase and ntdll
// (kernel32's HeapFree calls kernelbase's through its import); patched, a counting function would
// call itself through them.
HMODULE system_modules[3] = {};
SRWLOCK patch_lock = SRWLOCK_INIT;

// ---- Counting around a call

// A WrappedCall of `make`, a lambda making the call, measured by `measure`.
template <typename Make>
detail::WrappedCall wrapped(Make& make, std::size_t (*measure)(const void*, const void*)) {
  return {[](void* self) -> void* { return (*static_cast<Make*>(self))(); }, measure, &make};
}

void* allocated_or_failed(Source source, const detail::Allocation& allocation) {
  if (allocation.block == nullptr) {
    detail::count_failed_allocation(source, allocation.refused_by_limit);
    if (allocation.refused_by_limit) errno = ENOMEM;
  }
  return allocation.block;
}

void* resized_or_failed(Source source, const detail::Reallocation& reallocation) {
  if (reallocation.result.block == nullptr && !reallocation.freed) {
    detail::count_failed_allocation(source, reallocation.result.refused_by_limit);
    if (reallocation.result.refused_by_limit) errno = ENOMEM;
  }
  return reallocation.result.block;
}

template <typename Make>
void* allocate(Source source, std::size_t size, std::size_t (*measure)(const void*, const void*),
               Make make) {
  return allocated_or_failed(
      source, detail::counted_wrapped_allocate(source, size, wrapped(make, measure)));
}

// A resize of `block` to `size`; a null block is an allocation. The realloc forms free at size 0
// (and return nullptr); _expand does not.
enum class AtZero { frees, keeps };
template <typename Make>
void* resize(Source source, void* block, std::size_t size, AtZero at_zero,
             std::size_t (*measure)(const void*, const void*), Make make) {
  if (block == nullptr) return allocate(source, size, measure, make);
  return resized_or_failed(
      source, detail::counted_wrapped_reallocate(source, block, size, at_zero == AtZero::frees,
                                                 wrapped(make, measure)));
}

template <typename Make>
void release(Source source, void* block, std::size_t (*measure)(const void*, const void*),
             Make make) {
  if (block == nullptr) {
    make();
    return;
  }
  detail::counted_wrapped_release(source, block, wrapped(make, measure));
}

bool product_overflows(std::size_t count, std::size_t size) {
  return size != 0 && count > SIZE_MAX / size;
}

// ---- One runtime's counting functions

template <std::size_t R>
std::size_t malloc_block_size(const void*, const void* block) {
  return runtimes[R].msize(const_cast<void*>(block));
}

// An aligned block lies inside a malloc block whose address the runtime keeps in the
// pointer-aligned word just below the aligned address (Microsoft's and Wine's runtimes both):
// its usable size is what that block holds from the aligned address on.
template <std::size_t R>
std::size_t aligned_block_size(const void*, const void* block) {
  const auto address = reinterpret_cast<std::uintptr_t>(block);
  void* const base =
      *reinterpret_cast<void* const*>((address - sizeof(void*)) & ~(sizeof(void*) - 1));
  return runtimes[R].msize(base) - (address - reinterpret_cast<std::uintptr_t>(base));
}

template <std::size_t R>
struct Counting {
  static const Runtime& runtime() { return runtimes[R]; }

  static void* malloc(std::size_t size) {
    return allocate(Source::malloc, size, malloc_block_size<R>,
                    [&] { return runtime().malloc(size); });
  }
  static void* calloc(std::size_t count, std::size_t size) {
    if (product_overflows(count, size)) return runtime().calloc(count, size);  // fails, errno set
    return allocate(Source::malloc, count * size, malloc_block_size<R>,
                    [&] { return runtime().calloc(count, size); });
  }
  static void* realloc(void* block, std::size_t size) {
    return resize(Source::malloc, block, size, AtZero::frees, malloc_block_size<R>,
                  [&] { return runtime().realloc(block, size); });
  }
  static void free(void* block) {
    release(Source::malloc, block, malloc_block_size<R>, [&] {
      runtime().free(block);
      return nullptr;
    });
  }
  // Grows or shrinks a block where it lies, or fails (nullptr, the block as it was).
  static void* expand(void* block, std::size_t size) {
    if (block == nullptr) return runtime().expand(block, size);  // fails with EINVAL
    return resize(Source::malloc, block, size, AtZero::keeps, malloc_block_size<R>,
                  [&] { return runtime().expand(block, size); });
  }
  static void* recalloc(void* block, std::size_t count, std::size_t size) {
    if (product_overflows(count, size)) return runtime().recalloc(block, count, size);
    return resize(Source::malloc, block, count * size, AtZero::frees, malloc_block_size<R>,
                  [&] { return runtime().recalloc(block, count, size); });
  }
  static void* aligned_malloc(std::size_t size, std::size_t alignment) {
    return allocate(Source::malloc, size, aligned_block_size<R>,
                    [&] { return runtime().aligned_malloc(size, alignment); });
  }
  static void* aligned_offset_malloc(std::size_t size, std::size_t alignment, std::size_t offset) {
    return allocate(Source::malloc, size, aligned_block_size<R>,
                    [&] { return runtime().aligned_offset_malloc(size, alignment, offset); });
  }
  static void* aligned_realloc(void* block, std::size_t size, std::size_t alignment) {
    return resize(Source::malloc, block, size, AtZero::frees, aligned_block_size<R>,
                  [&] { return runtime().aligned_realloc(block, size, alignment); });
  }
  static void* aligned_recalloc(void* block, std::size_t count, std::size_t size,
                                std::size_t alignment) {
    if (product_overflows(count, size))
      return runtime().aligned_recalloc(block, count, size, alignment);
    return resize(Source::malloc, block, count * size, AtZero::frees, aligned_block_size<R>,
                  [&] { return runtime().aligned_recalloc(block, count, size, alignment); });
  }
  static void aligned_free(void* block) {
    release(Source::malloc, block, aligned_block_size<R>, [&] {
      runtime().aligned_free(block);
      return nullptr;
    });
  }
  // The runtime's operator new is its malloc until that fails; then its new_handler and bad_alloc,
  // which must not cross the hooks (no exception passes through them). So the block comes from the
  // runtime's malloc, counted; when that fails (or the live-bytes limit refuses: the runtime's
  // operator new is not refused), the runtime's operator new takes over, uncounted.
  static void* new_scalar(std::size_t size) {
    void* block = allocate(Source::operator_new, size, malloc_block_size<R>,
                           [&] { return runtime().malloc(size); });
    return block != nullptr ? block : runtime().new_scalar(size);
  }
  static void* new_array(std::size_t size) {
    void* block = allocate(Source::operator_new, size, malloc_block_size<R>,
                           [&] { return runtime().malloc(size); });
    return block != nullptr ? block : runtime().new_array(size);
  }
  static void delete_scalar(void* block) {
    release(Source::operator_new, block, malloc_block_size<R>, [&] {
      runtime().delete_scalar(block);
      return nullptr;
    });
  }
  static void delete_array(void* block) {
    release(Source::operator_new, block, malloc_block_size<R>, [&] {
      runtime().delete_array(block);
      return nullptr;
    });
  }

  // The debug runtime's forms (msvcrtd, ucrtbased): a block type and the caller's file and line
  // beside the same requests.
  static void* malloc_dbg(std::size_t size, int type, const char* file, int line) {
    return allocate(Source::malloc, size, malloc_block_size<R>,
                    [&] { return runtime().malloc_dbg(size, type, file, line); });
  }
  static void* calloc_dbg(std::size_t count, std::size_t size, int type, const char* file,
                          int line) {
    if (product_overflows(count, size)) return runtime().calloc_dbg(count, size, type, file, line);
    return allocate(Source::malloc, count * size, malloc_block_size<R>,
                    [&] { return runtime().calloc_dbg(count, size, type, file, line); });
  }
  static void* realloc_dbg(void* block, std::size_t size, int type, const char* file, int line) {
    return resize(Source::malloc, block, size, AtZero::frees, malloc_block_size<R>,
                  [&] { return runtime().realloc_dbg(block, size, type, file, line); });
  }
  static void* expand_dbg(void* block, std::size_t size, int type, const char* file, int line) {
    if (block == nullptr) return runtime().expand_dbg(block, size, type, file, line);
    return resize(Source::malloc, block, size, AtZero::keeps, malloc_block_size<R>,
                  [&] { return runtime().expand_dbg(block, size, type, file, line); });
  }
  static void free_dbg(void* block, int type) {
    release(Source::malloc, block, malloc_block_size<R>, [&] {
      runtime().free_dbg(block, type);
      return nullptr;
    });
  }

  // The counting function for the export `name` of this runtime, or nullptr.
  static void* replacement(const char* name) {
#define ALLOC_HOOKS_RUNTIME_REPLACEMENT(field, exported, type) \
  if (std::strcmp(name, exported) == 0)                        \
    return runtime().field != nullptr ? reinterpret_cast<void*>(&field) : nullptr;
    ALLOC_HOOKS_RUNTIME_FUNCTIONS(ALLOC_HOOKS_RUNTIME_REPLACEMENT)
#undef ALLOC_HOOKS_RUNTIME_REPLACEMENT
    return nullptr;
  }
};

template <std::size_t... R>
void* runtime_replacement(std::size_t slot, const char* name, std::index_sequence<R...>) {
  void* found = nullptr;
  ((slot == R ? (found = Counting<R>::replacement(name), 0) : 0), ...);
  return found;
}

// ---- The Win32 heap's counting functions

// One call's arguments, which the size of a block also needs (its heap).
struct HeapCall {
  HANDLE heap;
  DWORD flags;
  LPVOID block;
  SIZE_T size;
  BOOL freed;
};

std::size_t heap_block_size(const void* arguments, const void* block) {
  return kernel.heap_size(static_cast<const HeapCall*>(arguments)->heap, 0, block);
}
void* call_heap_alloc(void* arguments) {
  const HeapCall& call = *static_cast<HeapCall*>(arguments);
  return kernel.heap_alloc(call.heap, call.flags, call.size);
}
void* call_heap_realloc(void* arguments) {
  const HeapCall& call = *static_cast<HeapCall*>(arguments);
  return kernel.heap_realloc(call.heap, call.flags, call.block, call.size);
}
void* call_heap_free(void* arguments) {
  HeapCall& call = *static_cast<HeapCall*>(arguments);
  call.freed = kernel.heap_free(call.heap, call.flags, call.block);
  return nullptr;
}

LPVOID WINAPI counted_heap_alloc(HANDLE heap, DWORD flags, SIZE_T size) {
  HeapCall call{heap, flags, nullptr, size, FALSE};
  return allocated_or_failed(
      Source::win32_heap, detail::counted_wrapped_allocate(
                              Source::win32_heap, size, {call_heap_alloc, heap_block_size, &call}));
}

// HEAP_REALLOC_IN_PLACE_ONLY fails (nullptr, the block as it was) where the block cannot grow in
// place; a size of 0 is a block of 0 bytes, not a free.
LPVOID WINAPI counted_heap_realloc(HANDLE heap, DWORD flags, LPVOID block, SIZE_T size) {
  if (block == nullptr) return kernel.heap_realloc(heap, flags, block, size);  // fails
  HeapCall call{heap, flags, block, size, FALSE};
  return resized_or_failed(Source::win32_heap, detail::counted_wrapped_reallocate(
                                                   Source::win32_heap, block, size, false,
                                                   {call_heap_realloc, heap_block_size, &call}));
}

BOOL WINAPI counted_heap_free(HANDLE heap, DWORD flags, LPVOID block) {
  if (block == nullptr) return kernel.heap_free(heap, flags, block);
  HeapCall call{heap, flags, block, 0, FALSE};
  detail::counted_wrapped_release(Source::win32_heap, block,
                                  {call_heap_free, heap_block_size, &call});
  return call.freed;
}

// ---- Modules and functions found later

void patch_every_module();

HMODULE patched_after(HMODULE module) {
  if (module != nullptr) patch_every_module();
  return module;
}
HMODULE WINAPI counted_load_library_a(LPCSTR file) {
  return patched_after(kernel.load_library_a(file));
}
HMODULE WINAPI counted_load_library_w(LPCWSTR file) {
  return patched_after(kernel.load_library_w(file));
}
HMODULE WINAPI counted_load_library_ex_a(LPCSTR file, HANDLE reserved, DWORD flags) {
  return patched_after(kernel.load_library_ex_a(file, reserved, flags));
}
HMODULE WINAPI counted_load_library_ex_w(LPCWSTR file, HANDLE reserved, DWORD flags) {
  return patched_after(kernel.load_library_ex_w(file, reserved, flags));
}

void* replacement_for(const char* function, void* current);

FARPROC WINAPI counted_get_proc_address(HMODULE module, LPCSTR name) {
  const FARPROC found = kernel.get_proc_address(module, name);
  if (found == nullptr || IS_INTRESOURCE(name)) return found;  // by ordinal: not one of ours
  void* replacement = replacement_for(name, reinterpret_cast<void*>(found));
  return replacement != nullptr ? reinterpret_cast<FARPROC>(replacement) : found;
}

// ---- Which function replaces which

HMODULE module_of(const void* address) {
  HMODULE module = nullptr;
  GetModuleHandleExW(
      GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
      static_cast<LPCWSTR>(address), &module);
  return module;
}

// An export of `module` as the function type it has (through void*: FARPROC is a placeholder
// type), found by the kernel's own GetProcAddress: this module's import of it is patched.
template <typename Function>
Function export_of(HMODULE module, const char* name) {
  const auto get_proc_address =
      kernel.get_proc_address != nullptr ? kernel.get_proc_address : GetProcAddress;
  return reinterpret_cast<Function>(reinterpret_cast<void*>(get_proc_address(module, name)));
}

SRWLOCK registration_lock = SRWLOCK_INIT;

int registered_slot(HMODULE module) {
  const std::size_t count = runtime_count.load(std::memory_order_acquire);
  for (std::size_t slot = 0; slot < count; ++slot) {
    if (runtimes[slot].module == module) return static_cast<int>(slot);
  }
  return -1;
}

// The slot of the C runtime `module`, registered on first sight; -1 when it is no runtime, lacks
// malloc, free or _msize, or all slots are taken. The record is made before the lock (finding the
// functions may take the loader's lock, which a thread in a DllMain holds while it asks for
// GetProcAddress) and published complete, before any import points at its functions.
int runtime_slot(HMODULE module) {
  if (const int slot = registered_slot(module); slot >= 0) return slot;
  const alloc_hooks::platform::RuntimeKind kind = alloc_hooks::platform::runtime_kind(module);
  if (kind == alloc_hooks::platform::RuntimeKind::none) return -1;
  Runtime found{};
  found.module = module;
  found.msize = export_of<std::size_t (*)(void*)>(module, "_msize");
#define ALLOC_HOOKS_FIND_RUNTIME_FUNCTION(field, exported, type) \
  found.field = export_of<type>(module, exported);
  ALLOC_HOOKS_RUNTIME_FUNCTIONS(ALLOC_HOOKS_FIND_RUNTIME_FUNCTION)
#undef ALLOC_HOOKS_FIND_RUNTIME_FUNCTION
  if (found.msize == nullptr || found.malloc == nullptr || found.free == nullptr) return -1;
  if (kind == alloc_hooks::platform::RuntimeKind::debug) {
    // A debug runtime keeps a header below an aligned block, not the malloc block's address:
    // its aligned functions pass uncounted, and what they allocate is counted as the HeapAlloc
    // the runtime makes.
    found.aligned_malloc = nullptr;
    found.aligned_offset_malloc = nullptr;
    found.aligned_realloc = nullptr;
    found.aligned_recalloc = nullptr;
    found.aligned_free = nullptr;
  }
  AcquireSRWLockExclusive(&registration_lock);
  int slot = registered_slot(module);
  const std::size_t count = runtime_count.load(std::memory_order_relaxed);
  if (slot < 0 && count < kMaxRuntimes) {
    runtimes[count] = found;
    runtime_count.store(count + 1, std::memory_order_release);
    slot = static_cast<int>(count);
  }
  ReleaseSRWLockExclusive(&registration_lock);
  return slot;
}

// Whether `current` is the kernel's `field` function (as kernel32 or kernelbase exports it).
template <typename Function>
bool is_kernel_function(void* current, Function KernelFunctions::*field) {
  return current != nullptr && (current == reinterpret_cast<void*>(kernel.*field) ||
                                current == reinterpret_cast<void*>(kernelbase.*field));
}

// The counting function to put where `function` resolved to `current`, or nullptr.
void* replacement_for(const char* function, void* current) {
  if (current == nullptr || module_of(current) == own_module) return nullptr;  // ours already
#define ALLOC_HOOKS_KERNEL_REPLACEMENT(exported, field, counting) \
  if (std::strcmp(function, exported) == 0)                       \
    return is_kernel_function(current, &KernelFunctions::field)   \
               ? reinterpret_cast<void*>(counting)                \
               : nullptr;
  ALLOC_HOOKS_KERNEL_REPLACEMENT("HeapAlloc", heap_alloc, counted_heap_alloc)
  ALLOC_HOOKS_KERNEL_REPLACEMENT("HeapReAlloc", heap_realloc, counted_heap_realloc)
  ALLOC_HOOKS_KERNEL_REPLACEMENT("HeapFree", heap_free, counted_heap_free)
  ALLOC_HOOKS_KERNEL_REPLACEMENT("LoadLibraryA", load_library_a, counted_load_library_a)
  ALLOC_HOOKS_KERNEL_REPLACEMENT("LoadLibraryW", load_library_w, counted_load_library_w)
  ALLOC_HOOKS_KERNEL_REPLACEMENT("LoadLibraryExA", load_library_ex_a, counted_load_library_ex_a)
  ALLOC_HOOKS_KERNEL_REPLACEMENT("LoadLibraryExW", load_library_ex_w, counted_load_library_ex_w)
  ALLOC_HOOKS_KERNEL_REPLACEMENT("GetProcAddress", get_proc_address, counted_get_proc_address)
#undef ALLOC_HOOKS_KERNEL_REPLACEMENT
  const int slot = runtime_slot(module_of(current));
  if (slot < 0) return nullptr;
  return runtime_replacement(static_cast<std::size_t>(slot), function,
                             std::make_index_sequence<kMaxRuntimes>{});
}

// Patches every module loaded now. What the patching itself allocates (the loader's and the
// system's own work) is the hooks', not the program's.
void patch_every_module() {
  const detail::ScopedFlag own_work(detail::inside_hooks_flag());
  AcquireSRWLockExclusive(&patch_lock);
  alloc_hooks::platform::patch_loaded_modules(replacement_for, [](HMODULE module) {
    for (HMODULE system : system_modules) {
      if (module == system) return false;
    }
    // The hooks in a DLL of their own (alloc_hooks_inject.dll) hold none of the program's code:
    // their own calls go straight to the runtime. Linked into the program, they share its table.
    return module != own_module || own_module == GetModuleHandleW(nullptr);
  });
  ReleaseSRWLockExclusive(&patch_lock);
}

template <typename Function>
void find(HMODULE module, const char* name, Function& function) {
  function = module != nullptr ? export_of<Function>(module, name) : nullptr;
}

void find_kernel_functions(HMODULE module, KernelFunctions& functions) {
  find(module, "HeapAlloc", functions.heap_alloc);
  find(module, "HeapReAlloc", functions.heap_realloc);
  find(module, "HeapFree", functions.heap_free);
  find(module, "HeapSize", functions.heap_size);
  find(module, "LoadLibraryA", functions.load_library_a);
  find(module, "LoadLibraryW", functions.load_library_w);
  find(module, "LoadLibraryExA", functions.load_library_ex_a);
  find(module, "LoadLibraryExW", functions.load_library_ex_w);
  find(module, "GetProcAddress", functions.get_proc_address);
}

}  // namespace

extern "C" {

// Installs the counting functions in every module loaded now, and so in every one loaded later.
// Runs once, from a constructor of the program (below); the linker keeps it by this name.
void alloc_hooks_install_windows_imports() {
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  (void)detail::active_backend();  // the settings read before the first counted call
  system_modules[0] = GetModuleHandleW(L"kernel32.dll");
  system_modules[1] = GetModuleHandleW(L"kernelbase.dll");
  system_modules[2] = GetModuleHandleW(L"ntdll.dll");
  find_kernel_functions(system_modules[0], kernel);
  find_kernel_functions(system_modules[1], kernelbase);
  own_module = module_of(reinterpret_cast<const void*>(&counted_heap_alloc));
  if (kernel.heap_alloc == nullptr || kernel.heap_size == nullptr ||
      kernel.get_proc_address == nullptr)
    return;
  patch_every_module();
}

}  // extern "C"

namespace {
// Before the program's own constructors (GCC: priority 101 is the first a program may use;
// MSVC: the C initialisers' section .CRT$XCB runs before the default .CRT$XCU).
#if defined(_MSC_VER)
void install_at_start() {
  alloc_hooks_install_windows_imports();
}
#pragma section(".CRT$XCB", read)
__declspec(allocate(".CRT$XCB")) void (*const install_at_start_entry)() = install_at_start;
#else
__attribute__((constructor(101))) void install_at_start() {
  alloc_hooks_install_windows_imports();
}
#endif
}  // namespace
