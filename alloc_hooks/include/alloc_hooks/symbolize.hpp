// Return addresses to function, file:line and module, off the hot path: for tools, tests and
// reports, never for what runs inside operator new or malloc (target alloc_hooks::symbolize).
// Linux reads the modules' symbol tables and DWARF line tables with elfutils' libdwfl; Windows
// asks DbgHelp (PDBs; under wine, DWARF 4).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alloc_hooks/sites.hpp"

namespace alloc_hooks {

struct Frame {
  std::uintptr_t address = 0;
  std::string function;  // demangled; empty when the module has no symbol there
  std::string file;      // source file, where debug information has it
  unsigned line = 0;
  std::string module;         // the module's file name
  std::uintptr_t offset = 0;  // of the address in the module (the same in every run)
};

class Symbolizer {
 public:
  // The modules of the process the addresses came from (this one's: loaded_modules()).
  explicit Symbolizer(const std::vector<Module>& modules);
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;
  // A return address's frames (of the call before it): the functions inlined there, innermost
  // first, then the function that holds the code. Cached per address.
  const std::vector<Frame>& frames(std::uintptr_t return_address);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace alloc_hooks
