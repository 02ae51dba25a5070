/* Calls every function of the C malloc family a given number of times, for the profile tests
 * and the heaptrack oracle (tests/tools/memory_baseline/profile_test.cpp,
 * heaptrack_oracle_test.sh). Usage: every_function ITERATIONS [MODE]; modes:
 *   with-memalign  also memalign and pvalloc (heaptrack does not see those two)
 *   exit-3         exits with status 3          abort      ends by SIGABRT
 *   _exit-5        keeps 4321 bytes, then _exit(5)  segv      keeps 4321 bytes, then a fault
 *   term           keeps 4321 bytes, then SIGTERM to itself
 *   exec           keeps 4321 bytes, then execl("/bin/true")
 *   exec-fails     keeps 4321 bytes, an execl that fails, then exits with status 7
 *   big            also holds 4 MiB at once     fork       a child allocates and exits too
 *   exit-alloc     an exit handler allocates 12345 bytes and keeps them
 *   outlive        a thread still allocates while the program exits
 * Each iteration allocates the same blocks and frees them all, so that two runs differ by exactly
 * the iterations between them. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void* volatile sink;

static void keep(void* block) {
  sink = block;
}

static void allocate_at_exit(void) {
  keep(malloc(12345));
}

static void* allocate_forever(void* unused) {
  (void)unused;
  for (;;) free(malloc(64));
  return NULL;
}

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? atoi(argv[1]) : 1;
  const char* mode = argc > 2 ? argv[2] : "";
  for (int i = 0; i < iterations; ++i) {
    char* a = malloc(100);
    char* b = calloc(10, 30);
    a = realloc(a, 5000);
    char* c = reallocarray(NULL, 7, 11);
    void* d = NULL;
    if (posix_memalign(&d, 64, 1000) != 0) return 10;
    void* e = aligned_alloc(256, 1000);
    void* f = valloc(3000);
    keep(a);
    keep(b);
    keep(c);
    keep(d);
    keep(e);
    keep(f);
    if (strcmp(mode, "with-memalign") == 0) {
      void* g = memalign(128, 500);
      void* h = pvalloc(100);
      keep(g);
      keep(h);
      free(g);
      free(h);
    }
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
    free(f);
  }
  if (strcmp(mode, "exit-3") == 0) return 3;
  if (strcmp(mode, "abort") == 0) abort();
  if (strcmp(mode, "exec") == 0 || strcmp(mode, "exec-fails") == 0) {
    keep(malloc(4321));
    execl(strcmp(mode, "exec") == 0 ? "/bin/true" : "/nonexistent/program", "true", (char*)NULL);
    return 7;
  }
  if (strcmp(mode, "_exit-5") == 0 || strcmp(mode, "segv") == 0 || strcmp(mode, "term") == 0) {
    keep(malloc(4321));
    if (strcmp(mode, "_exit-5") == 0) _exit(5);
    if (strcmp(mode, "term") == 0) kill(getpid(), SIGTERM);
    int* volatile null_pointer = NULL;
    *null_pointer = 0; /* SIGSEGV */
  }
  if (strcmp(mode, "big") == 0) {
    void* big = malloc(4 << 20);
    memset(big, 1, 4 << 20);
    keep(big);
    free(big);
  }
  if (strcmp(mode, "fork") == 0) {
    const pid_t child = fork();
    if (child == 0) {
      keep(malloc(1 << 20)); /* the child's: not in the parent's profile */
      exit(0);               /* runs the exit handlers, as the parent will */
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (system("true") != 0) return 11; /* a shell started with exec: not measured */
  }
  if (strcmp(mode, "exit-alloc") == 0) atexit(allocate_at_exit);
  if (strcmp(mode, "outlive") == 0) {
    pthread_t thread;
    pthread_create(&thread, NULL, allocate_forever, NULL);
    pthread_detach(thread);
  }
  /* Mode print-chdir: bytes on standard output (a NUL and a newline among them), then a move
     to another directory before the end. */
  if (strcmp(mode, "print-chdir") == 0) {
    static const char bytes[] = "every_function\0output\n";
    if (fwrite(bytes, 1, sizeof bytes - 1, stdout) != sizeof bytes - 1) return 12;
    if (chdir("/") != 0) return 13;
  }
  /* Mode argv0: its own name as it was called, on standard output. */
  if (strcmp(mode, "argv0") == 0) printf("%s\n", argv[0]);
  return 0;
}
