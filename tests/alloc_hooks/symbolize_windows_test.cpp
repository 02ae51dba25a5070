// The Windows symbolizer under wine: a module whose DWARF holds a name of 1,000 characters or
// more is not given to wine's DbgHelp, which crashes the process on names of about 2,000
// (alloc_hooks/src/symbolize/platform/windows.cpp); its frames name the module and the offset. A
// module whose longest name is 900 characters is read and named. Both modules are built from one
// source (programs/named_module.cpp.in), only the name's length differs.
#include <gtest/gtest.h>
#include <windows.h>

#include <cstdint>
#include <string>

#include "alloc_hooks/symbolize.hpp"

namespace {

bool under_wine() {
  const HMODULE ntdll = GetModuleHandleA("ntdll.dll");
  return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

// The frame of an address inside `module`'s module_function, as a return address there would be.
alloc_hooks::Frame frame_in(const char* module) {
  const HMODULE library = LoadLibraryA(module);
  EXPECT_NE(library, nullptr) << module;
  if (library == nullptr) return {};
  const auto function =
      reinterpret_cast<std::uintptr_t>(GetProcAddress(library, "module_function"));
  EXPECT_NE(function, 0u) << module;
  alloc_hooks::Symbolizer symbolizer({});  // this process's modules
  // The call before a return address of function + 2 is function + 1: inside it.
  return symbolizer.frames(function + 2).back();
}

TEST(WindowsSymbolizer, AModuleWithANameWineCannotReadKeepsModuleAndOffset) {
  if (!under_wine()) GTEST_SKIP() << "wine's DbgHelp only (Microsoft's reads no DWARF)";
  const alloc_hooks::Frame frame = frame_in(LONG_NAME_MODULE);
  EXPECT_EQ(frame.module, LONG_NAME_MODULE);
  EXPECT_GT(frame.offset, 0u);
  EXPECT_EQ(frame.function, "");
  EXPECT_EQ(frame.line, 0u);
}

TEST(WindowsSymbolizer, AModuleWhoseNamesWineReadsIsNamed) {
  if (!under_wine()) GTEST_SKIP() << "wine's DbgHelp only (Microsoft's reads no DWARF)";
  const alloc_hooks::Frame frame = frame_in(SHORT_NAME_MODULE);
  EXPECT_EQ(frame.module, SHORT_NAME_MODULE);
  EXPECT_EQ(frame.function, "module_function");
  EXPECT_EQ(frame.file.substr(frame.file.find_last_of('/') + 1),
            std::string(SHORT_NAME_MODULE_SOURCE));
  EXPECT_EQ(frame.line, 17u);  // module_function's line in programs/named_module.cpp.in
}

}  // namespace
