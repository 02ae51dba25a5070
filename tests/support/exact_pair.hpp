// The figures of a window that holds exactly one allocation of `size` bytes and its free, both
// under one source: the malloc-family tests' check on Linux and on Windows.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>

#include "alloc_hooks/alloc_hooks.hpp"

namespace test_support {

inline const alloc_hooks::SourceCounters& from(const alloc_hooks::WindowResult& result,
                                               alloc_hooks::Source source) {
  return result.by_source[static_cast<std::size_t>(source)];
}

inline void expect_one_pair(const alloc_hooks::WindowResult& result, std::size_t size,
                            alloc_hooks::Source source) {
  EXPECT_EQ(result.allocations, 1u);
  EXPECT_EQ(result.frees, 1u);
  EXPECT_EQ(result.bytes_allocated, size);
  EXPECT_EQ(result.bytes_freed, size);
  EXPECT_EQ(result.live_bytes_delta, 0);
  EXPECT_EQ(result.peak_live_bytes, size);
  EXPECT_EQ(from(result, source).allocations, 1u);  // and so none under another source
  EXPECT_EQ(from(result, source).frees, 1u);
  EXPECT_EQ(result.failed_allocations, 0u);
}

}  // namespace test_support
