# Writes OUTPUT, a C++ source defining memory_baseline::chart_js_source() with the bytes of INPUT.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){32})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}" "// Generated from ${INPUT}; do not edit.\n#include \"chart_js.hpp\"\n\nnamespace memory_baseline {\n\nnamespace {\nconst char bytes[] = {\n${bytes}0};\n}\n\nconst char* chart_js_source() { return bytes; }\nstd::size_t chart_js_size() { return ${size}; }\n\n}  // namespace memory_baseline\n")
