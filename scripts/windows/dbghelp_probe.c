/* Loads one module into a DbgHelp session of its own and names one address in it: whether
   DbgHelp (under wine: its DWARF reader) survives the module's debug information. Used for the
   measurements in docs/windows.md, "Named call sites".
   Build: x86_64-w64-mingw32-gcc -O1 scripts/windows/dbghelp_probe.c -o dbghelp_probe.exe -ldbghelp
   Run:   wine dbghelp_probe.exe 'Z:\path\to\module.dll' [OFFSET]
   Prints the base and the symbol at base + OFFSET (default 0x1010); wine reports a page fault
   when its reader crashed. */
#include <windows.h>
/* After windows.h, which it needs. */
#include <dbghelp.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: dbghelp_probe MODULE [OFFSET]\n");
    return 2;
  }
  HANDLE session = (HANDLE)(ULONG_PTR)0x1234; /* any value unique in the process */
  SymSetOptions(SYMOPT_LOAD_LINES | SYMOPT_DEFERRED_LOADS | SYMOPT_UNDNAME);
  if (!SymInitialize(session, NULL, FALSE)) {
    printf("SymInitialize failed\n");
    return 1;
  }
  const DWORD64 base = SymLoadModuleEx(session, NULL, argv[1], NULL, 0x140000000ULL, 0, NULL, 0);
  printf("base %llx\n", (unsigned long long)base);
  fflush(stdout);
  char buffer[sizeof(SYMBOL_INFO) + MAX_SYM_NAME];
  SYMBOL_INFO* symbol = (SYMBOL_INFO*)buffer;
  symbol->SizeOfStruct = sizeof(SYMBOL_INFO);
  symbol->MaxNameLen = MAX_SYM_NAME;
  DWORD64 displacement = 0;
  const DWORD64 address = base + strtoull(argc > 2 ? argv[2] : "0x1010", NULL, 0);
  if (SymFromAddr(session, address, &displacement, symbol))
    printf("%s+%llu\n", symbol->Name, (unsigned long long)displacement);
  else
    printf("no symbol\n");
  return 0;
}
