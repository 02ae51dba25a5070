// operator new and delete served by mimalloc, for vector_index_build_mimalloc (Windows): a linked
// mimalloc does not replace them there by itself. mimalloc's header defines them; it belongs in
// one source file.
#include <mimalloc-new-delete.h>
