// main() of every scenario executable; SCENARIO_NAME is set per executable by CMake.
#include "scenarios/harness.hpp"

int main(int argc, char** argv) {
  return scenarios::scenario_main(argc, argv, SCENARIO_NAME);
}
