# Writes OUTPUT, a C++ source defining memory_baseline::NAME_source() and NAME_size() with the
# bytes of INPUT (declared in src/embedded_files.hpp).
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){32})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}" "// Generated from ${INPUT}; do not edit.\n#include \"embedded_files.hpp\"\n\nnamespace memory_baseline {\n\nnamespace {\nconst char bytes[] = {\n${bytes}0};\n}\n\nconst char* ${NAME}_source() { return bytes; }\nstd::size_t ${NAME}_size() { return ${size}; }\n\n}  // namespace memory_baseline\n")
