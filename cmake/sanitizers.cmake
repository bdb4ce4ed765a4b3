# Sanitizer and fuzzing builds (docs/testing.md: "Sanitizers and fuzzing").
#   -DLIENTHONG_SANITIZE=address   AddressSanitizer + UndefinedBehaviorSanitizer (every UB report
#                                  is fatal, so a test cannot pass with one)
#   -DLIENTHONG_SANITIZE=thread    ThreadSanitizer
#   -DLIENTHONG_FUZZ=ON            also build the libFuzzer targets of tests/fuzz (clang only;
#                                  with =address the code is built with fuzzer coverage, so one
#                                  build serves the sanitized suite and the fuzz targets)
# Sanitizers replace malloc, so the servers' tcmalloc is left out of these builds.
set(LIENTHONG_SANITIZE "" CACHE STRING "Sanitizer build: address (ASan+UBSan), thread (TSan), or empty")
set_property(CACHE LIENTHONG_SANITIZE PROPERTY STRINGS "" address thread)
option(LIENTHONG_FUZZ "Build the libFuzzer targets (clang)" OFF)

if(LIENTHONG_SANITIZE STREQUAL "address")
  set(lienthong_sanitizer_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined
      -fno-omit-frame-pointer)
elseif(LIENTHONG_SANITIZE STREQUAL "thread")
  set(lienthong_sanitizer_flags -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT LIENTHONG_SANITIZE STREQUAL "")
  message(FATAL_ERROR "LIENTHONG_SANITIZE is '${LIENTHONG_SANITIZE}': use address, thread or leave it empty")
endif()
if(lienthong_sanitizer_flags)
  add_compile_options(${lienthong_sanitizer_flags})
  add_link_options(${lienthong_sanitizer_flags})
endif()

if(LIENTHONG_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LIENTHONG_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++-14 "
                        "-DCMAKE_C_COMPILER=clang-14")
  endif()
  if(NOT LIENTHONG_SANITIZE STREQUAL "address")
    message(FATAL_ERROR "LIENTHONG_FUZZ is built with -DLIENTHONG_SANITIZE=address")
  endif()
  # Coverage for libFuzzer in every library the targets link; the targets add -fsanitize=fuzzer.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
