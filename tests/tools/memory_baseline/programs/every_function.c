/* Calls every function of the C malloc family a given number of times, for the profile tests
 * and the heaptrack oracle (tests/tools/memory_baseline/profile_test.cpp,
 * heaptrack_oracle_test.sh). Usage: every_function ITERATIONS [MODE]; modes:
 *   with-memalign  also memalign and pvalloc (heaptrack does not see those two)
 *   exit-3         exits with status 3          abort      ends by SIGABRT
 *   and these, which first keep 4321 bytes:
 *   _exit-5        _exit(5)                     quick_exit-6  quick_exit(6), after a handler
 *   segv           a fault                      thread-segv   a fault in a second thread
 *   term           SIGTERM to itself            rt-signal     SIGRTMIN + 1 to itself
 *   exec           execl("/bin/true")           exec-fails    an execl that fails, then status 7
 *   execv, execvp, execve, execvpe, execle, execlp, fexecve, execveat: /bin/true by that one
 *   vfork-exec     a vfork child execs /bin/true; the program then returns 0
 *   fork-_exit     a fork child allocates 1 MiB and ends with _exit; the program returns 0
 *   big            also holds 4 MiB at once     fork       a child allocates and exits too
 *   exit-alloc     an exit handler allocates 12345 bytes and keeps them
 *   outlive        a thread still allocates while the program exits
 * Each iteration allocates the same blocks and frees them all, so that two runs differ by exactly
 * the iterations between them. */
#define _GNU_SOURCE
#include <fcntl.h>
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

static const char* const ends[] = {
    "_exit-5", "quick_exit-6", "segv",    "thread-segv", "term",       "rt-signal",
    "exec",    "exec-fails",   "execv",   "execvp",      "execve",     "execvpe",
    "execle",  "execlp",       "fexecve", "execveat",    "vfork-exec", "fork-_exit"};

static int ends_after_keeping(const char* mode) {
  for (size_t i = 0; i < sizeof ends / sizeof ends[0]; ++i)
    if (strcmp(mode, ends[i]) == 0) return 1;
  return 0;
}

static void fault(void) {
  volatile int* volatile null_pointer = NULL;
  *null_pointer = 0; /* SIGSEGV */
}

static void* fault_in_thread(void* unused) {
  (void)unused;
  fault();
  return NULL;
}

static void keep_at_quick_exit(void) {
  keep(malloc(999));
}

extern char** environ;

/* One of the ends above; returns only where the program then returns. */
static int end_by(const char* mode) {
  char* const argv[] = {"true", NULL};
  if (strcmp(mode, "_exit-5") == 0) _exit(5);
  if (strcmp(mode, "quick_exit-6") == 0) {
    at_quick_exit(keep_at_quick_exit);
    quick_exit(6);
  }
  if (strcmp(mode, "segv") == 0) fault();
  if (strcmp(mode, "thread-segv") == 0) {
    pthread_t thread;
    pthread_create(&thread, NULL, fault_in_thread, NULL);
    pthread_join(thread, NULL);
  }
  if (strcmp(mode, "term") == 0) kill(getpid(), SIGTERM);
  if (strcmp(mode, "rt-signal") == 0) kill(getpid(), SIGRTMIN + 1);
  if (strcmp(mode, "exec") == 0) execl("/bin/true", "true", (char*)NULL);
  if (strcmp(mode, "exec-fails") == 0) {
    execl("/nonexistent/program", "true", (char*)NULL);
    return 7;
  }
  if (strcmp(mode, "execv") == 0) execv("/bin/true", argv);
  if (strcmp(mode, "execvp") == 0) execvp("true", argv);
  if (strcmp(mode, "execve") == 0) execve("/bin/true", argv, environ);
  if (strcmp(mode, "execvpe") == 0) execvpe("true", argv, environ);
  if (strcmp(mode, "execle") == 0) execle("/bin/true", "true", (char*)NULL, environ);
  if (strcmp(mode, "execlp") == 0) execlp("true", "true", (char*)NULL);
  if (strcmp(mode, "fexecve") == 0) fexecve(open("/bin/true", O_RDONLY | O_CLOEXEC), argv, environ);
  if (strcmp(mode, "execveat") == 0) execveat(AT_FDCWD, "/bin/true", argv, environ, 0);
  if (strcmp(mode, "vfork-exec") == 0) {
    const pid_t child = vfork();
    if (child == 0) {
      execv("/bin/true", argv);
      _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 14;
  }
  if (strcmp(mode, "fork-_exit") == 0) {
    const pid_t child = fork();
    if (child == 0) {
      keep(malloc(1 << 20)); /* the child's: not in the program's figures */
      _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 15;
  }
  return 16; /* the end did not end the program */
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
  if (ends_after_keeping(mode)) {
    keep(malloc(4321));
    return end_by(mode);
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
      keep(malloc(1 << 20)); /* the child's own: not in the parent's figures */
      exit(0);               /* runs the exit handlers, as the parent will */
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (system("true") != 0) return 11; /* a shell: its figures are its own too */
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
