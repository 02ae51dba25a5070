/* The Windows counterpart of every_function.c, for `memory_baseline profile` under wine
 * (tests/tools/memory_baseline/profile_windows_test.cpp): an unmodified program, never linked with
 * the hooks. Usage: every_function_windows ITERATIONS [MODE]; modes:
 *   exit-3      returns 3 from main          crash   writes through a null pointer
 *   exit-alloc  the exit handler allocates 12345 bytes and keeps them
 *   threads     the 8 threads make 1,000 malloc(64)/free pairs each
 *   big         also holds 4 MiB at once
 *   environment prints how many ALLOC_HOOKS_ variables it sees in each view of its environment:
 *               main's envp, _environ, getenv, the process's block, _wenviron
 * In every mode the program registers its exit handler and starts and joins 8 threads, which
 * allocate in the runtime themselves (the exit handler's table, a thread's data): so runs in two
 * modes differ by exactly what the mode adds.
 * Each iteration allocates the same blocks and frees them all, so that two runs differ by exactly
 * the iterations between them:
 *   malloc(100), calloc(10, 30), realloc of the first to 5000 (an allocation and a free),
 *   _aligned_malloc(1000, 64), HeapAlloc(process heap, 3000), then free, free, _aligned_free,
 *   HeapFree: 5 allocations of 100 + 300 + 5000 + 1000 + 3000 = 9,400 bytes, 5 frees of the same.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

static void* volatile sink;
static const char* mode = "";

static void keep(void* block) {
  sink = block;
}

static void allocate_at_exit(void) {
  if (strcmp(mode, "exit-alloc") == 0) keep(malloc(12345));
}

static DWORD WINAPI allocate_pairs(LPVOID unused) {
  (void)unused;
  const int pairs = strcmp(mode, "threads") == 0 ? 1000 : 0;
  for (int i = 0; i < pairs; ++i) {
    void* block = malloc(64);
    keep(block);
    free(block);
  }
  return 0;
}

static int is_hooks_entry(const char* entry) {
  return _strnicmp(entry, "ALLOC_HOOKS_", 12) == 0;
}

static int is_hooks_wide_entry(const wchar_t* entry) {
  return _wcsnicmp(entry, L"ALLOC_HOOKS_", 12) == 0;
}

static void print_hooks_variables_seen(char** envp) {
  int in_envp = 0, in_environ = 0, in_block = 0, in_wenviron = 0;
  for (char** entry = envp; *entry != NULL; ++entry) in_envp += is_hooks_entry(*entry);
  for (char** entry = _environ; *entry != NULL; ++entry) in_environ += is_hooks_entry(*entry);
  const int by_getenv =
      (getenv("ALLOC_HOOKS_PROFILE_OUT") != NULL) + (getenv("ALLOC_HOOKS_PROBE") != NULL);
  wchar_t* block = GetEnvironmentStringsW();
  for (const wchar_t* entry = block; *entry != L'\0'; entry += wcslen(entry) + 1)
    in_block += is_hooks_wide_entry(entry);
  FreeEnvironmentStringsW(block);
  (void)_wgetenv(L"PATH"); /* the wide copy made, if it was not */
  for (wchar_t** entry = _wenviron; entry != NULL && *entry != NULL; ++entry)
    in_wenviron += is_hooks_wide_entry(*entry);
  printf("envp %d _environ %d getenv %d block %d _wenviron %d\n", in_envp, in_environ, by_getenv,
         in_block, in_wenviron);
}

int main(int argc, char** argv, char** envp) {
  const int iterations = argc > 1 ? atoi(argv[1]) : 1;
  mode = argc > 2 ? argv[2] : "";
  atexit(allocate_at_exit);
  for (int i = 0; i < iterations; ++i) {
    char* a = malloc(100);
    char* b = calloc(10, 30);
    a = realloc(a, 5000);
    void* c = _aligned_malloc(1000, 64);
    void* d = HeapAlloc(GetProcessHeap(), 0, 3000);
    keep(a);
    keep(b);
    keep(c);
    keep(d);
    free(a);
    free(b);
    _aligned_free(c);
    HeapFree(GetProcessHeap(), 0, d);
  }
  if (strcmp(mode, "environment") == 0) print_hooks_variables_seen(envp);
  if (strcmp(mode, "exit-3") == 0) return 3;
  if (strcmp(mode, "crash") == 0) {
    volatile int* volatile nowhere = NULL; /* read at run time: no trap instruction in its place */
    *nowhere = 1;
  }
  HANDLE threads[8];
  for (int t = 0; t < 8; ++t) threads[t] = CreateThread(NULL, 0, allocate_pairs, NULL, 0, NULL);
  WaitForMultipleObjects(8, threads, TRUE, INFINITE);
  for (int t = 0; t < 8; ++t) CloseHandle(threads[t]);
  if (strcmp(mode, "big") == 0) {
    void* big = malloc(4 << 20); /* site: big */
    memset(big, 1, 4 << 20);
    keep(big);
    free(big);
  }
  return 0;
}
