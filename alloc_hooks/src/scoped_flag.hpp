// The one re-entry guard of the hooks: sets a thread's flag for a scope and clears it on every way
// out, so that no early return can leave it set.
#pragma once

namespace alloc_hooks::detail {

class ScopedFlag {
 public:
  explicit ScopedFlag(bool& flag) noexcept : flag_(flag) { flag_ = true; }
  ~ScopedFlag() { flag_ = false; }
  ScopedFlag(const ScopedFlag&) = delete;
  ScopedFlag& operator=(const ScopedFlag&) = delete;

 private:
  bool& flag_;
};

}  // namespace alloc_hooks::detail
