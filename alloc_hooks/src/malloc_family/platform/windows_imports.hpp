// The import address tables of the modules loaded in this process (Windows): every function a
// module imports by name from a DLL is offered to a chooser, which may put another function in
// its slot. This is how the hooks see a program's malloc, HeapAlloc, ... on Windows, where no
// dynamic linker lets a library take those names over: each module calls what its own table
// holds, so every module's table is patched, the C runtime's own included (patching only the
// executable misses the runtime's calls).
#pragma once

#include <windows.h>

#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::platform {

// `choose(function, current)`: the function to put in the slot that now holds `current` (what
// the imported `function` resolved to, in whichever DLL: a forwarder's slot holds the function it
// forwards to), or nullptr to leave it.
using ImportChooser = void* (*)(const char* function, void* current);

// Patches the imports of one module; returns how many slots changed. Imports by ordinal, and
// delay-loaded imports (resolved on first call, through the module's own helper), are left alone.
int patch_imports(HMODULE module, ImportChooser choose);

// Patches every module loaded now for which `wanted(module)`; returns how many slots changed.
int patch_loaded_modules(ImportChooser choose, bool (*wanted)(HMODULE module));

// Whether `name` (a DLL's file name, any case) equals `wanted`, or starts with it when `wanted`
// ends in '*'.
bool dll_name_is(const char* name, const char* wanted);

// What `module` is, by its file name: a C runtime the hooks count (msvcrt, ucrtbase, msvcr*), a
// debug one, or neither.
enum class RuntimeKind { none, release, debug };
RuntimeKind runtime_kind(HMODULE module);

}  // namespace alloc_hooks::platform
ALLOC_HOOKS_INTERNAL_END
