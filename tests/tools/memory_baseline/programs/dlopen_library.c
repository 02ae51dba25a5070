/* A library for dlopen_main.c: allocates and frees with whatever malloc its lookup finds. */
#include <stdlib.h>

void* library_allocate(size_t size) {
  return malloc(size);
}

void library_free(void* block) {
  free(block);
}
