// The mixed-size load of the benchmarks: 4,096 live slots, each step frees a random slot's block
// and allocates a new one in its place; sizes 70 % 8-128 B, 25 % 128 B-4 KiB, 5 % 4-64 KiB. The
// steps are drawn before the loop (a fixed seed per thread), so the loop is only the pair.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

struct MixedLoad {
  static constexpr std::size_t kSlots = 4096, kSteps = std::size_t{1} << 16;
  std::vector<void*> slots = std::vector<void*>(kSlots, nullptr);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> steps;  // (slot, size)
  void (*release)(void*);  // how the blocks still in the slots are freed at the end

  MixedLoad(int thread, void (*release_block)(void*)) : release(release_block) {
    std::mt19937 random(12345u + static_cast<unsigned>(thread));
    std::uniform_int_distribution<std::uint32_t> slot(0, kSlots - 1), percent(0, 99);
    const auto between = [&random](std::uint32_t low, std::uint32_t high) {
      return std::uniform_int_distribution<std::uint32_t>(low, high)(random);
    };
    steps.reserve(kSteps);
    for (std::size_t i = 0; i < kSteps; ++i) {
      const std::uint32_t p = percent(random);
      const std::uint32_t size = p < 70   ? between(8, 128)
                                 : p < 95 ? between(129, 4096)
                                          : between(4097, 65536);
      steps.emplace_back(slot(random), size);
    }
  }
  ~MixedLoad() {
    for (void* block : slots)
      if (block != nullptr) release(block);
  }
  MixedLoad(const MixedLoad&) = delete;
  MixedLoad& operator=(const MixedLoad&) = delete;
};
