// The one re-entry guard of the hooks: sets a thread's flag for a scope and gives it back its
// value on every way out, so that no early return can leave it set and a nested guard does not
// clear its outer one's flag.
#pragma once

#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail {

class ScopedFlag {
 public:
  explicit ScopedFlag(bool& flag) noexcept : flag_(flag), previous_(flag) { flag_ = true; }
  ~ScopedFlag() { flag_ = previous_; }
  ScopedFlag(const ScopedFlag&) = delete;
  ScopedFlag& operator=(const ScopedFlag&) = delete;

 private:
  bool& flag_;
  const bool previous_;
};

}  // namespace alloc_hooks::detail
ALLOC_HOOKS_INTERNAL_END
