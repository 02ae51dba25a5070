# header_only_target(TARGET [DEFINITIONS...]): the imported target of a header-only library whose
# headers scripts/windows/build_dependencies.sh copied into the prefix's include/ (cross build).
function(header_only_target target)
  if(TARGET ${target})
    return()  # found before, by another directory
  endif()
  add_library(${target} INTERFACE IMPORTED)
  set_target_properties(${target} PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/../../include"
    INTERFACE_COMPILE_DEFINITIONS "${ARGN}")
endfunction()
