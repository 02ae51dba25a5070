// Symbols through elfutils' libdwfl: every module reported at the bias it was loaded at, then per
// address its module, the symbol that contains it and the line-table row for it.
#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>

#include "alloc_hooks/symbolize.hpp"

namespace alloc_hooks {

namespace {

std::string demangled(const char* symbol) {
  int status = 0;
  char* text = abi::__cxa_demangle(symbol, nullptr, nullptr, &status);
  if (status != 0 || text == nullptr) return symbol;
  std::string name = text;
  std::free(text);
  return name;
}

std::string file_name(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The frames of each place read so far, by module file and offset, for every Symbolizer of the
// process: reading a place decompresses and walks debug information, a lookup here does not.
std::mutex places_lock;
std::unordered_map<std::string, std::vector<Frame>> places;

const Dwfl_Callbacks kCallbacks = {dwfl_build_id_find_elf, dwfl_standard_find_debuginfo,
                                   dwfl_offline_section_address, nullptr};

// A DIE's string attribute, following abstract origins and specifications.
const char* string_attribute(Dwarf_Die* die, unsigned name) {
  Dwarf_Attribute attribute;
  return dwarf_attr_integrate(die, name, &attribute) != nullptr ? dwarf_formstring(&attribute)
                                                                : nullptr;
}

// The qualified name of an inlined function: its linkage name demangled, or its name behind the
// namespaces and classes that hold its declaration.
std::string inlined_function_name(Dwarf_Die* scope) {
  if (const char* linkage = string_attribute(scope, DW_AT_linkage_name)) return demangled(linkage);
  Dwarf_Die declaration = *scope;
  for (unsigned reference : {DW_AT_abstract_origin, DW_AT_specification}) {
    Dwarf_Attribute attribute;
    Dwarf_Die target;
    if (dwarf_attr(&declaration, reference, &attribute) != nullptr &&
        dwarf_formref_die(&attribute, &target) != nullptr)
      declaration = target;
  }
  const char* name = string_attribute(&declaration, DW_AT_name);
  if (name == nullptr) return {};
  std::string qualified = name;
  Dwarf_Die* parents = nullptr;
  const int count = dwarf_getscopes_die(&declaration, &parents);
  for (int i = 1; i < count; ++i) {
    const int tag = dwarf_tag(&parents[i]);
    const bool type =
        tag == DW_TAG_class_type || tag == DW_TAG_structure_type || tag == DW_TAG_union_type;
    if (tag != DW_TAG_namespace && tag != DW_TAG_subprogram && !type) continue;
    const char* parent = dwarf_diename(&parents[i]);
    // An unnamed class is a lambda's; an unnamed namespace, an anonymous one.
    qualified = std::string(parent != nullptr ? parent
                            : type            ? "{lambda}"
                                              : "{anonymous}") +
                "::" + qualified;
  }
  std::free(parents);
  return qualified;
}

// The source file an inlined call was made from (DW_AT_call_file, an index into the CU's files).
std::string call_file(Dwarf_Die* cu, Dwarf_Die* scope) {
  Dwarf_Attribute attribute;
  Dwarf_Word index = 0;
  Dwarf_Files* files = nullptr;
  std::size_t count = 0;
  if (dwarf_attr(scope, DW_AT_call_file, &attribute) == nullptr ||
      dwarf_formudata(&attribute, &index) != 0 || dwarf_getsrcfiles(cu, &files, &count) != 0 ||
      index >= count)
    return {};
  const char* file = dwarf_filesrc(files, index, nullptr, nullptr);
  return file != nullptr ? file : "";
}

unsigned call_line(Dwarf_Die* scope) {
  Dwarf_Attribute attribute;
  Dwarf_Word line = 0;
  return dwarf_attr(scope, DW_AT_call_line, &attribute) != nullptr &&
                 dwarf_formudata(&attribute, &line) == 0
             ? static_cast<unsigned>(line)
             : 0;
}

}  // namespace

struct Symbolizer::State {
  Dwfl* dwfl = nullptr;
  std::unordered_map<std::uintptr_t, std::vector<Frame>> frames;
};

Symbolizer::Symbolizer(const std::vector<Module>& modules) : state_(std::make_unique<State>()) {
  state_->dwfl = dwfl_begin(&kCallbacks);
  if (state_->dwfl == nullptr) return;
  dwfl_report_begin(state_->dwfl);
  for (const Module& module : modules) {
    // A module that cannot be read (deleted since) is left out: its frames name no module.
    (void)dwfl_report_elf(state_->dwfl, file_name(module.path).c_str(), module.path.c_str(), -1,
                          module.bias, false);
  }
  dwfl_report_end(state_->dwfl, nullptr, nullptr);
}

Symbolizer::~Symbolizer() {
  if (state_->dwfl != nullptr) dwfl_end(state_->dwfl);
}

const std::vector<Frame>& Symbolizer::frames(std::uintptr_t return_address) {
  const auto [entry, inserted] = state_->frames.try_emplace(return_address);
  std::vector<Frame>& frames = entry->second;
  if (!inserted) return frames;
  // The function the symbol table names, at the innermost line the line table has for the call.
  Frame outer;
  outer.address = return_address;
  const Dwarf_Addr call = return_address - 1;  // inside the call instruction, not after it
  Dwfl_Module* module = state_->dwfl != nullptr ? dwfl_addrmodule(state_->dwfl, call) : nullptr;
  if (module == nullptr) {
    frames.push_back(outer);
    return frames;
  }
  Dwarf_Addr module_start = 0;
  const char* file = nullptr;
  if (const char* name = dwfl_module_info(module, nullptr, &module_start, nullptr, nullptr, nullptr,
                                          &file, nullptr))
    outer.module = name;
  outer.offset = return_address - module_start;
  // Another Symbolizer of this process may have read the same place of the same file (the
  // processes of a profiled tree run the same programs and libraries, elsewhere in memory).
  const std::string place =
      std::string(file != nullptr ? file : outer.module) + '\0' + std::to_string(outer.offset);
  {
    const std::lock_guard<std::mutex> lock(places_lock);
    if (const auto known = places.find(place); known != places.end()) {
      frames = known->second;
      for (Frame& frame : frames) frame.address = return_address;
      return frames;
    }
  }
  if (const char* symbol = dwfl_module_addrname(module, call)) outer.function = demangled(symbol);
  if (Dwfl_Line* line = dwfl_module_getsrc(module, call)) {
    int number = 0;
    if (const char* source = dwfl_lineinfo(line, nullptr, &number, nullptr, nullptr, nullptr)) {
      outer.file = source;
      outer.line = static_cast<unsigned>(number);
    }
  }
  // Functions inlined at the call, innermost first: each at the line the one inside it was
  // called from, the innermost at the line table's line; the real function last.
  Dwarf_Addr bias = 0;
  Dwarf_Die* cu = dwfl_module_addrdie(module, call, &bias);
  Dwarf_Die* scopes = nullptr;
  int count = cu != nullptr ? dwarf_getscopes(cu, call - bias, &scopes) : 0;
  if (count > 0) {
    // dwarf_getscopes continues from an inlined instance into its abstract definition; the
    // scopes of the innermost DIE in the tree it sits in are the chain of inlined calls.
    Dwarf_Die innermost = scopes[0];
    std::free(scopes);
    scopes = nullptr;
    count = dwarf_getscopes_die(&innermost, &scopes);
  }
  for (int i = 0; i < count; ++i) {
    if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine) continue;
    Frame inlined = outer;
    inlined.function = inlined_function_name(&scopes[i]);
    frames.push_back(std::move(inlined));
    outer.file = call_file(cu, &scopes[i]);
    outer.line = call_line(&scopes[i]);
  }
  std::free(scopes);
  frames.push_back(std::move(outer));
  const std::lock_guard<std::mutex> lock(places_lock);
  places.emplace(place, frames);
  return frames;
}

}  // namespace alloc_hooks
