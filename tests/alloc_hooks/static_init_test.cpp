// Allocations during static initialisation of another translation unit are counted (the exit-time
// half is checked by the object's destructor itself).
#include <gtest/gtest.h>

#include "static_init_object.hpp"

namespace {

TEST(StaticInit, AllocationInAnotherUnitsConstructorIsCounted) {
  EXPECT_EQ(static_init_figures.allocations_counted, 1u);
  EXPECT_EQ(static_init_figures.bytes_counted, 333u);
}

}  // namespace
