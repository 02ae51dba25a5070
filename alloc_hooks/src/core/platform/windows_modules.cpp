// Windows: no module list; the symbolizer looks addresses up in this process.
#include "alloc_hooks/sites.hpp"

namespace alloc_hooks {

std::vector<Module> loaded_modules() {
  return {};
}

}  // namespace alloc_hooks
