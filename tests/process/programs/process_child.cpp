// The program process_test starts: `print` writes its arguments (argv[0] first), one per line
// between brackets; `env NAME...` the value of each environment variable NAME; `environ` every
// variable in the order the environment holds them (Linux); `exit N` exits
// with N; `crash` writes through a null pointer; `both` writes a line to stdout and one to
// stderr; `lines N` writes N lines of 99 'x' (and stops at the first failed write); `wait-for
// FILE` returns once FILE exists. C++ only for the build (the sanitizer builds enable no C).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#if defined(_WIN32)
#include <windows.h>
#else
#include <unistd.h>
extern char** environ;
#endif

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "print") == 0) {
    for (int i = 0; i < argc; ++i) printf("[%s]\n", argv[i]);
    return 0;
  }
  if (strcmp(argv[1], "env") == 0) {
    for (int i = 2; i < argc; ++i) {
      const char* value = getenv(argv[i]);
      printf("%s=%s\n", argv[i], value != nullptr ? value : "(unset)");
    }
    return 0;
  }
#if !defined(_WIN32)
  if (strcmp(argv[1], "environ") == 0) {
    for (char** entry = environ; *entry != nullptr; ++entry) printf("%s\n", *entry);
    return 0;
  }
#endif
  if (strcmp(argv[1], "exit") == 0 && argc > 2) return atoi(argv[2]);
  if (strcmp(argv[1], "crash") == 0) {
    volatile int* volatile nowhere = nullptr;
    *nowhere = 1;
    return 0;
  }
  if (strcmp(argv[1], "both") == 0) {
    printf("to stdout\n");
    fflush(stdout);
    fprintf(stderr, "to stderr\n");
    return 0;
  }
  if (strcmp(argv[1], "lines") == 0 && argc > 2) {
    char line[101];
    memset(line, 'x', 99);
    line[99] = '\n';
    line[100] = '\0';
    for (int i = atoi(argv[2]); i > 0; --i) {
      if (fputs(line, stdout) == EOF) return 1;
    }
    return 0;
  }
  if (strcmp(argv[1], "wait-for") == 0 && argc > 2) {
    for (;;) {
      FILE* file = fopen(argv[2], "r");
      if (file != nullptr) {
        fclose(file);
        return 0;
      }
#if defined(_WIN32)
      Sleep(5);
#else
      usleep(5000);
#endif
    }
  }
  return 2;
}
