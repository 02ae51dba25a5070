/* How long backing 1 MiB of fresh anonymous memory takes: a write into each page (a fault each)
 * against one madvise(MADV_POPULATE_WRITE), three rounds (docs/performance.md, "Starting a process
 * under the preload library"). Build and run: cc -O2 benchmarks/resident_pages.c -o /tmp/rp &&
 * /tmp/rp */
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static double now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
}

static char* fresh(size_t bytes) {
  return mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
              0);
}

int main(void) {
  const size_t bytes = (size_t)1 << 20;
  for (int round = 0; round < 3; ++round) {
    volatile char* touched = fresh(bytes);
    const double touch_start = now_ms();
    for (size_t offset = 0; offset < bytes; offset += 4096) touched[offset] = 0;
    const double touch_end = now_ms();
    char* populated = fresh(bytes);
    const double populate_start = now_ms();
    const int result = madvise(populated, bytes, MADV_POPULATE_WRITE);
    const double populate_end = now_ms();
    printf("touch %.3f ms, populate %.3f ms (madvise %s)\n", touch_end - touch_start,
           populate_end - populate_start, result == 0 ? "ok" : "refused");
  }
  return 0;
}
