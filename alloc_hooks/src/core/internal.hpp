// The hooks' internals are no library's interface. Marked hidden (ELF), they are reached directly
// from the preload's position-independent code, not through the global offset table or the
// procedure linkage table, and the preload exports only what it replaces. Each internal header
// wraps its declarations in ALLOC_HOOKS_INTERNAL_BEGIN ... ALLOC_HOOKS_INTERNAL_END (never around
// an #include).
#pragma once

#if defined(__ELF__)
#define ALLOC_HOOKS_INTERNAL_BEGIN _Pragma("GCC visibility push(hidden)")
#define ALLOC_HOOKS_INTERNAL_END _Pragma("GCC visibility pop")
#else  // a DLL exports only what it names
#define ALLOC_HOOKS_INTERNAL_BEGIN
#define ALLOC_HOOKS_INTERNAL_END
#endif
