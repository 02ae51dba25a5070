// A DLL the Windows malloc-family test loads with LoadLibrary after the hooks were installed: its
// allocations go through its own import table, which the hooks patch when it is loaded.
#include <windows.h>

#include <cstddef>
#include <cstdlib>

extern "C" {

__declspec(dllexport) void* library_malloc(std::size_t size) {
  return std::malloc(size);
}

__declspec(dllexport) void library_free(void* block) {
  std::free(block);
}

__declspec(dllexport) void* library_heap_alloc(std::size_t size) {
  return HeapAlloc(GetProcessHeap(), 0, size);
}

__declspec(dllexport) int library_heap_free(void* block) {
  return HeapFree(GetProcessHeap(), 0, block);
}

}  // extern "C"
