/* Grows in known steps, for the profile's snapshot tests (tests/tools/memory_baseline/
 * profile_snapshot_test.cpp). Usage: grow BLOCKS MIB [MODE]: keeps BLOCKS blocks of MIB MiB each,
 * allocated one after another in grow_by_one_block (so that each snapshot's top site is there),
 * then frees them all and returns 0. Modes:
 *   signal       raises SIGUSR2 once the first block is kept (the runner's snapshot signal)
 *   own-handler  sets its own SIGUSR2 handler first, raises SIGUSR2 the same way, and returns 3
 *                unless its handler ran exactly once
 * Nothing else allocates: no stdio. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t handled;

static void count_signal(int signal) {
  (void)signal;
  ++handled;
}

__attribute__((noinline)) static void* grow_by_one_block(size_t bytes) {
  char* block = malloc(bytes);
  if (block != NULL) memset(block, 1, bytes);
  return block;
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const int blocks = atoi(argv[1]);
  const size_t bytes = (size_t)atoi(argv[2]) << 20;
  const char* mode = argc > 3 ? argv[3] : "";
  if (strcmp(mode, "own-handler") == 0) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = count_signal;
    sigaction(SIGUSR2, &action, NULL);
  }
  void* kept[64];
  for (int i = 0; i < blocks && i < 64; ++i) {
    kept[i] = grow_by_one_block(bytes);
    if (i == 0 && mode[0] != '\0') raise(SIGUSR2);
  }
  for (int i = 0; i < blocks && i < 64; ++i) free(kept[i]);
  if (strcmp(mode, "own-handler") == 0 && handled != 1) return 3;
  return 0;
}
