// The sampled blocks still live, by address: each one's requested size, weight and stack, until
// it is freed. Open addressing in levels that double: level 0 holds 4 Ki slots in 128 KiB; an
// insertion goes to the first level less than half full, so that the pages touched stay few while
// few sampled blocks are live (with the default interval, a GiB of live bytes is some 2,000
// samples), and the table grows, without a lock, when every stack is recorded. A slot is claimed
// with one compare-and-swap and emptied by a tombstone, which later insertions reuse; a block is
// found within a bounded number of probes of its home slot in one of the levels.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail::sampled_blocks {

struct Record {
  std::size_t requested;
  std::uint32_t stack_id;
  std::int64_t weight;  // the bytes the sample stands for
};

// Maps level 0 and makes it resident: at start-up, before anything is measured.
void prepare() noexcept;
// False when no level has room (the sample is then not kept).
bool insert(const void* block, const Record& record) noexcept;
// The block's record; requested 0 and stack 0 when it is not in the table.
Record find(const void* block) noexcept;
Record remove(const void* block) noexcept;

}  // namespace alloc_hooks::detail::sampled_blocks
ALLOC_HOOKS_INTERNAL_END
