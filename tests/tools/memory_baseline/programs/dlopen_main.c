/* Opens dlopen_library.so (given as the first argument) with RTLD_DEEPBIND ("deep") or without
 * ("plain"), lets it allocate a block that this program frees and free one this program
 * allocated. With RTLD_DEEPBIND the library would bind glibc's malloc ahead of a preloaded one;
 * the hooks drop the flag, so both runs must count the same (profile_test.cpp).
 * Usage: dlopen_main LIBRARY deep|plain */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const int mode = RTLD_NOW | (strcmp(argv[2], "deep") == 0 ? RTLD_DEEPBIND : 0);
  void* library = dlopen(argv[1], mode);
  if (library == NULL) return 3;
  void* (*library_allocate)(size_t) = (void* (*)(size_t))dlsym(library, "library_allocate");
  void (*library_free)(void*) = (void (*)(void*))dlsym(library, "library_free");
  if (library_allocate == NULL || library_free == NULL) return 4;
  for (int i = 0; i < 100; ++i) {
    free(library_allocate(777)); /* the library's block, freed here */
    library_free(malloc(555));   /* this program's block, freed there */
  }
  dlclose(library);
  return 0;
}
