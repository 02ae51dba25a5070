// Where the pages the profile report reads come from (platform::map_report_pages): defined only
// by the preload library (preload/platform/linux_keeper.cpp), which shares them with its keeper;
// a weak reference elsewhere, null, and the pages come straight from mmap.
#pragma once

#include <cstddef>

// `bytes` (rounded up to whole pages) of zero-filled memory, never returned; null when none is
// left.
extern "C" [[gnu::weak, gnu::visibility("hidden")]] void* alloc_hooks_shared_pages(
    std::size_t bytes);
