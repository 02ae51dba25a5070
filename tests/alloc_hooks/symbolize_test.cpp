// The Linux symbolizer: what it reads at one place of a module file it gives again to any later
// Symbolizer of the process that meets that place, at whatever address the module was loaded
// there (the processes of a profiled tree run the same programs elsewhere in memory); another file
// at the same offset is read apart.
#include <link.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "alloc_hooks/symbolize.hpp"

namespace {

__attribute__((noinline)) int named_function_of_this_test(int value) {
  return value * 3 + 1;
}

// The module of this test's program, and its address of named_function_of_this_test (a "return
// address" one byte inside it, as frames() reads the byte before).
struct Place {
  std::vector<alloc_hooks::Module> modules;
  std::uintptr_t address = 0;
};

// This process's modules as the hooks list them (a profile report's module lines), the program
// first: read here with dl_iterate_phdr, so that the test links no hooks.
std::vector<alloc_hooks::Module> modules_of_this_process() {
  std::vector<alloc_hooks::Module> modules;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* list) {
        auto& found = *static_cast<std::vector<alloc_hooks::Module>*>(list);
        std::string path = info->dlpi_name != nullptr ? info->dlpi_name : "";
        if (found.empty() && path.empty()) {
          char executable[4096] = {};
          const ssize_t length = readlink("/proc/self/exe", executable, sizeof executable - 1);
          path.assign(executable, length > 0 ? static_cast<std::size_t>(length) : 0);
        }
        if (!path.empty() && path[0] == '/')
          found.push_back({path, static_cast<std::uintptr_t>(info->dlpi_addr)});
        return 0;
      },
      &modules);
  return modules;
}

Place this_program() {
  Place place;
  place.modules = modules_of_this_process();
  place.address = reinterpret_cast<std::uintptr_t>(&named_function_of_this_test) + 2;
  return place;
}

std::vector<alloc_hooks::Module> moved(std::vector<alloc_hooks::Module> modules,
                                       std::uintptr_t by) {
  for (alloc_hooks::Module& module : modules) module.bias += by;
  return modules;
}

TEST(Symbolizer, APlaceReadOnceIsNamedTheSameWhereverItsModuleWasLoaded) {
  const Place place = this_program();
  alloc_hooks::Symbolizer here(place.modules);
  const std::vector<alloc_hooks::Frame> read = here.frames(place.address);
  ASSERT_FALSE(read.empty());
  EXPECT_NE(read.back().function.find("named_function_of_this_test"), std::string::npos)
      << read.back().function;
  constexpr std::uintptr_t kElsewhere = std::uintptr_t{1} << 40;
  alloc_hooks::Symbolizer elsewhere(moved(place.modules, kElsewhere));
  const std::vector<alloc_hooks::Frame> again = elsewhere.frames(place.address + kElsewhere);
  ASSERT_EQ(again.size(), read.size());
  for (std::size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(again[i].function, read[i].function);
    EXPECT_EQ(again[i].file, read[i].file);
    EXPECT_EQ(again[i].line, read[i].line);
    EXPECT_EQ(again[i].module, read[i].module);
    EXPECT_EQ(again[i].offset, read[i].offset);
    EXPECT_EQ(again[i].address, place.address + kElsewhere);
  }
}

// Another module's file loaded where this program was: the same offset names another place.
TEST(Symbolizer, TheSameOffsetInAnotherFileIsReadApart) {
  const Place place = this_program();
  alloc_hooks::Symbolizer here(place.modules);
  const std::vector<alloc_hooks::Frame> read = here.frames(place.address);
  ASSERT_FALSE(read.empty());
  std::vector<alloc_hooks::Module> swapped = place.modules;
  ASSERT_GE(swapped.size(), 2u);
  // The first module is the program; the C library stands in its place.
  for (const alloc_hooks::Module& module : place.modules) {
    if (module.path.find("libc.so") != std::string::npos) swapped.front().path = module.path;
  }
  ASSERT_NE(swapped.front().path, place.modules.front().path);
  swapped.erase(swapped.begin() + 1, swapped.end());
  alloc_hooks::Symbolizer other(swapped);
  const std::vector<alloc_hooks::Frame> named = other.frames(place.address);
  ASSERT_FALSE(named.empty());
  EXPECT_EQ(named.back().offset, read.back().offset);
  EXPECT_NE(named.back().module, read.back().module);
  EXPECT_EQ(named.back().function.find("named_function_of_this_test"), std::string::npos)
      << named.back().function;
}

}  // namespace
