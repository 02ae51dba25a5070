// `memory_baseline profile` on Windows: refused. A program that was not built to be measured can
// only be reached by preloading a library in place of its allocator (LD_PRELOAD on Linux); the
// C runtime of Windows has no such point. Link alloc_hooks::alloc_hooks instead.
#include "platform/profile.hpp"

namespace memory_baseline::platform {

std::optional<std::string> find_program(const std::string& name) {
  return name;
}

std::string why_not_preloadable(const std::string&) {
  return "cannot be profiled on Windows: profile preloads a library (LD_PRELOAD), which only "
         "Linux offers; link the program with alloc_hooks::alloc_hooks instead";
}

// Not reached: why_not_preloadable refuses first.
int start_program(const std::string&, const std::vector<std::string>&,
                  const std::vector<std::string>&) {
  return -1;
}
std::optional<ProgramEnd> program_end(int) {
  return ProgramEnd{};
}
std::string preload_library() {
  return "";
}

}  // namespace memory_baseline::platform
