/* Process trees for the profile tests (tests/tools/memory_baseline/profile_test.cpp). Usage:
 *   process_tree allocate N      keeps N blocks of 1000 B and returns 0; returns 3 instead when
 *                                its environment holds anything of the hooks (ALLOC_HOOKS_*, or
 *                                LD_PRELOAD naming them)
 *   process_tree workers N       forks N workers; worker i (1..N) allocates i blocks of 1000 B,
 *                                frees all but the last and exits; returns 0 once all have
 *   process_tree hold N MIB      forks N workers that each hold MIB MiB at the same time (each
 *                                allocates, then all wait until the last has), then exit
 *   process_tree killed          forks a child that allocates 1000 B and ends by SIGKILL; returns 0
 *   process_tree starts          starts "process_tree allocate K" (this program's own file) six
 *                                ways: K = 1 posix_spawn, 2 posix_spawnp, 3 system, 4 popen,
 *                                5 fork + execv, 6 vfork + execve; returns 0 when each returned 0
 *   process_tree dlopen-fork N   forks N children, ending by _exit and exit in turn, while a
 *                                second thread opens and closes a library and walks the modules;
 *                                returns 0 when every child ended within 10 s (none hung), else 1
 *   process_tree system-setenv   runs system("sleep 0.2") while a second thread sets 200
 *                                variables; returns 0 when all 200 are then in its environment
 *   process_tree system-threads  two threads each run system("true") 20 times; returns 0 when
 *                                each returned 0 and its environment holds nothing of the hooks
 *   process_tree popen-edges     popen as glibc reads it: mode "er"; a stream closed with fclose,
 *                                then another popen; popen "w" after closing its own stdout (the
 *                                shell's stdout must be the pipe); returns 0 when each worked
 *   process_tree usr2-child      forks a child that waits; SIGUSR2 to it must end it as its
 *                                default action does; returns 0 when it did, 1 when it did
 *                                something else or had not ended 10 s later
 * Nothing else allocates: no stdio before the end, so each process's calls are exactly these. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static void* volatile sink;

static int hooks_in_environment(void) {
  for (char** entry = environ; *entry != NULL; ++entry) {
    if (strncmp(*entry, "ALLOC_HOOKS_", 12) == 0) return 1;
    if (strncmp(*entry, "LD_PRELOAD=", 11) == 0 && strstr(*entry, "alloc_hooks") != NULL) return 1;
  }
  return 0;
}

static int allocate(int blocks) {
  for (int i = 0; i < blocks; ++i) sink = malloc(1000);
  return hooks_in_environment() ? 3 : 0;
}

static int wait_all(int children) {
  int failed = 0;
  for (int i = 0; i < children; ++i) {
    int status = 0;
    if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
  }
  return failed;
}

static int workers(int count) {
  for (int i = 1; i <= count; ++i) {
    const pid_t child = fork();
    if (child < 0) return 2;
    if (child == 0) {
      void* blocks[64];
      for (int j = 0; j < i; ++j) blocks[j] = malloc(1000);
      for (int j = 0; j + 1 < i; ++j) free(blocks[j]);
      sink = blocks[i - 1];
      exit(0);
    }
  }
  return wait_all(count);
}

/* Each worker holds its block until every worker holds one: the parent reads one byte per worker
 * from `held`, then closes `release`, whose end of file lets them all go. */
static int hold(int count, int mib) {
  int held[2], release[2];
  if (pipe(held) != 0 || pipe(release) != 0) return 2;
  for (int i = 0; i < count; ++i) {
    const pid_t child = fork();
    if (child < 0) return 2;
    if (child == 0) {
      close(release[1]);
      char* block = malloc((size_t)mib << 20);
      memset(block, 1, (size_t)mib << 20);
      sink = block;
      if (write(held[1], "h", 1) != 1) _exit(2);
      char ignored;
      while (read(release[0], &ignored, 1) > 0) {
      }
      free(block);
      exit(0);
    }
  }
  close(release[0]);
  for (int i = 0; i < count; ++i) {
    char byte;
    if (read(held[0], &byte, 1) != 1) return 2;
  }
  close(release[1]);
  return wait_all(count);
}

static int killed(void) {
  const pid_t child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    sink = malloc(1000);
    raise(SIGKILL);
  }
  int status = 0;
  return waitpid(child, &status, 0) == child && WIFSIGNALED(status) ? 0 : 1;
}

static volatile int stop_thread;

static int count_module(struct dl_phdr_info* info, size_t size, void* modules) {
  (void)info;
  (void)size;
  ++*(int*)modules;
  return 0;
}

/* Holds the loader's locks as often as it can: opens and closes a library, walks the modules. */
static void* open_and_close(void* unused) {
  (void)unused;
  int modules = 0;
  while (!stop_thread) {
    void* library = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
    if (library != NULL) dlclose(library);
    for (int i = 0; i < 100; ++i) dl_iterate_phdr(count_module, &modules);
  }
  return NULL;
}

/* Waits for `child` up to 10 s; kills it and says so (1) when it has not ended by then. */
static int ended_in_time(pid_t child) {
  for (int waited_ms = 0; waited_ms < 10000; ++waited_ms) {
    if (waitpid(child, NULL, WNOHANG) == child) return 1;
    const struct timespec millisecond = {0, 1000000};
    nanosleep(&millisecond, NULL);
  }
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  return 0;
}

static int dlopen_fork(int count) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, open_and_close, NULL) != 0) return 2;
  int hung = 0;
  for (int i = 0; i < count; ++i) {
    const pid_t child = fork();
    if (child < 0) return 2;
    if (child == 0) {
      if (i % 2 == 0) _exit(0);
      exit(0); /* the exit handlers and destructors too: the report's end after them */
    }
    hung += !ended_in_time(child);
  }
  stop_thread = 1;
  pthread_join(thread, NULL);
  return hung == 0 ? 0 : 1;
}

static void* set_variables(void* unused) {
  (void)unused;
  char name[32];
  for (int i = 0; i < 200; ++i) {
    snprintf(name, sizeof name, "PROCESS_TREE_%d", i);
    setenv(name, "x", 1);
  }
  return NULL;
}

static int system_setenv(void) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, set_variables, NULL) != 0) return 2;
  const int status = system("sleep 0.2");
  pthread_join(thread, NULL);
  char name[32];
  for (int i = 0; i < 200; ++i) {
    snprintf(name, sizeof name, "PROCESS_TREE_%d", i);
    if (getenv(name) == NULL) return 1;
  }
  return status == 0 ? 0 : 1;
}

static void* run_true(void* failed) {
  for (int i = 0; i < 20; ++i) *(int*)failed |= system("true") != 0;
  return NULL;
}

static int system_threads(void) {
  int failed[2] = {0, 0};
  pthread_t threads[2];
  for (int i = 0; i < 2; ++i)
    if (pthread_create(&threads[i], NULL, run_true, &failed[i]) != 0) return 2;
  for (int i = 0; i < 2; ++i) pthread_join(threads[i], NULL);
  return failed[0] || failed[1] || hooks_in_environment() ? 1 : 0;
}

static int read_hi(const char* mode) {
  FILE* stream = popen("echo hi", mode);
  char line[16] = {0};
  if (stream == NULL || fgets(line, sizeof line, stream) == NULL) return 0;
  return pclose(stream) == 0 && strcmp(line, "hi\n") == 0;
}

static int popen_edges(void) {
  int failed = !read_hi("er") || !read_hi("re");
  FILE* closed = popen("cat > /dev/null", "w");
  if (closed == NULL) return 2;
  /* fclose, not pclose, on purpose (glibc takes either): through a pointer GCC does not see. */
  int (*volatile close_stream)(FILE*) = fclose;
  close_stream(closed);
  failed |= !read_hi("r");
  /* The shell's stdout is the pipe's end even when the program's own was closed: what it writes
   * to stdout reaches the pipe, and "cat" ends 0. */
  const int saved = dup(STDOUT_FILENO);
  close(STDOUT_FILENO);
  FILE* writing = popen("cat > /dev/null", "w");
  failed |= writing == NULL || fputs("to the shell\n", writing) < 0 || pclose(writing) != 0;
  dup2(saved, STDOUT_FILENO);
  close(saved);
  return failed;
}

static int usr2_child(void) {
  const pid_t child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    for (;;) pause();
  }
  const struct timespec moment = {0, 50000000};
  nanosleep(&moment, NULL);
  kill(child, SIGUSR2);
  int status = 0;
  for (int waited_ms = 0; waited_ms < 10000; ++waited_ms) {
    if (waitpid(child, &status, WNOHANG) == child)
      return WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR2 ? 0 : 1;
    const struct timespec millisecond = {0, 1000000};
    nanosleep(&millisecond, NULL);
  }
  kill(child, SIGKILL); /* the signal did not end it */
  waitpid(child, NULL, 0);
  return 1;
}

static int starts(const char* self) {
  int failed = 0;
  char* argv[] = {(char*)self, "allocate", NULL, NULL};
  char command[4096];
  int status = 0;
  pid_t child;

  argv[2] = "1";
  if (posix_spawn(&child, self, NULL, NULL, argv, environ) != 0) return 2;
  failed |= waitpid(child, &status, 0) < 0 || status != 0;
  argv[2] = "2";
  if (posix_spawnp(&child, self, NULL, NULL, argv, environ) != 0) return 2;
  failed |= waitpid(child, &status, 0) < 0 || status != 0;

  snprintf(command, sizeof command, "'%s' allocate 3", self);
  failed |= system(command) != 0;
  snprintf(command, sizeof command, "'%s' allocate 4", self);
  FILE* pipe_end = popen(command, "r");
  if (pipe_end == NULL) return 2;
  failed |= pclose(pipe_end) != 0;

  argv[2] = "5";
  child = fork();
  if (child == 0) {
    execv(self, argv);
    _exit(127);
  }
  failed |= waitpid(child, &status, 0) < 0 || status != 0;
  argv[2] = "6";
  child = vfork();
  if (child == 0) {
    execve(self, argv, environ);
    _exit(127);
  }
  failed |= waitpid(child, &status, 0) < 0 || status != 0;
  return failed;
}

int main(int argc, char** argv) {
  if (argc >= 3 && strcmp(argv[1], "allocate") == 0) return allocate(atoi(argv[2]));
  if (argc >= 3 && strcmp(argv[1], "workers") == 0) return workers(atoi(argv[2]));
  if (argc >= 4 && strcmp(argv[1], "hold") == 0) return hold(atoi(argv[2]), atoi(argv[3]));
  if (argc >= 2 && strcmp(argv[1], "killed") == 0) return killed();
  if (argc >= 3 && strcmp(argv[1], "dlopen-fork") == 0) return dlopen_fork(atoi(argv[2]));
  if (argc >= 2 && strcmp(argv[1], "system-setenv") == 0) return system_setenv();
  if (argc >= 2 && strcmp(argv[1], "system-threads") == 0) return system_threads();
  if (argc >= 2 && strcmp(argv[1], "popen-edges") == 0) return popen_edges();
  if (argc >= 2 && strcmp(argv[1], "usr2-child") == 0) return usr2_child();
  if (argc >= 2 && strcmp(argv[1], "starts") == 0) return starts(argv[0]);
  fprintf(stderr,
          "usage: process_tree allocate N | workers N | hold N MIB | killed | starts | "
          "dlopen-fork N | system-setenv | system-threads | popen-edges | usr2-child\n");
  return 2;
}
