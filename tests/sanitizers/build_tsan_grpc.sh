#!/usr/bin/env bash
# Builds Debian's own gRPC (the installed version, from its Debian source package, Debian's
# patches applied) with ThreadSanitizer, as shared libraries with the installed ones' names, into
# <dir>/lib: libgpr, libgrpc, libgrpc++, libupb and libaddress_sorting.
#
#   tests/sanitizers/build_tsan_grpc.sh <dir>
#
# Why: gRPC's callback API hands each call's state from one of its threads to another through its
# completion queue and its own atomics; in Debian's uninstrumented libgrpc TSan sees neither side,
# so it reports those hand-offs as races in whatever code touches the state next (docs/testing.md,
# "TSan and gRPC"). With these libraries first on LD_LIBRARY_PATH (tests/run_sanitized.sh tsan
# does it, after the Abseil ones of build_tsan_abseil.sh) it sees them. The build configures gRPC
# as debian/rules does (every dependency from the system's packages) and builds only the five
# libraries the project loads (about 850 steps, some 10 minutes on 2 cores), once: a later call
# with the same installed version does nothing, and an interrupted build resumes.
# libgrpc++_reflection stays Debian's (it needs gRPC's code generator; it serves the reflection
# service only).
set -euo pipefail
dir=${1:?usage: $0 <dir>}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

version=$(dpkg-query -W -f='${Version}' libgrpc++-dev)
stamp="$dir/lib/.built-from-grpc-$version"
if [[ -f $stamp ]]; then
  exit 0
fi
echo "build_tsan_grpc: building gRPC $version with ThreadSanitizer in $dir (once)"

src="$dir/src"
source_version=$(bash "$(dirname "$0")/debian_source.sh" libgrpc++-dev "$dir")
# A build folder of another version goes: the unpacked files keep their tarball's dates, so ninja
# could take objects of the old source for up to date.
if [[ ! -f $dir/build/.from-source-$source_version ]]; then
  rm -rf "$dir/build"
  mkdir -p "$dir/build"
  touch "$dir/build/.from-source-$source_version"
fi

# debian/rules' COMMON_BUILD_FLAGS for the shared build, without its tests and code generators.
# Debian's CMake build type is None with -O2; -gline-tables-only keeps TSan's stacks readable.
# Debian builds with gcc and gRPC's default C++14; clang 14 and C++17 here (the project's
# standard) give the same ABI: Debian's absl/base/options.h pins every ABSL_OPTION_USE_STD_* to
# 0, so absl::string_view, optional and variant are Abseil's own types in both builds.
# CMake wants libprotoc for a code-generator target that is never built: the runtime library of
# the installed protobuf compiler satisfies it (libprotoc-dev is not needed).
protoc_libraries=(/usr/lib/*/libprotoc.so*)
if [[ ! -e ${protoc_libraries[0]} ]]; then
  echo "build_tsan_grpc: no libprotoc in /usr/lib (deploy/install-deps.sh installs it)" >&2
  exit 1
fi
protoc_library=${protoc_libraries[0]}
flags="-O2 -gline-tables-only -fsanitize=thread"
cmake -S "$src" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_STANDARD=17 \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DBUILD_SHARED_LIBS=ON -DgRPC_BUILD_TESTS=OFF \
  -DgRPC_ABSL_PROVIDER=package -DgRPC_CARES_PROVIDER=package -DgRPC_PROTOBUF_PROVIDER=package \
  -DgRPC_RE2_PROVIDER=package -DgRPC_SSL_PROVIDER=package -DgRPC_ZLIB_PROVIDER=package \
  -DgRPC_BACKWARDS_COMPATIBILITY_MODE=OFF -DgRPC_BUILD_CODEGEN=OFF \
  -DgRPC_BUILD_GRPC_CPP_PLUGIN=OFF -DgRPC_BUILD_GRPC_CSHARP_PLUGIN=OFF \
  -DgRPC_BUILD_GRPC_NODE_PLUGIN=OFF -DgRPC_BUILD_GRPC_OBJECTIVE_C_PLUGIN=OFF \
  -DgRPC_BUILD_GRPC_PHP_PLUGIN=OFF -DgRPC_BUILD_GRPC_PYTHON_PLUGIN=OFF \
  -DgRPC_BUILD_GRPC_RUBY_PLUGIN=OFF \
  -DProtobuf_PROTOC_LIBRARY="$protoc_library" >/dev/null
libraries=(gpr grpc grpc++ upb address_sorting)
cmake --build "$dir/build" -j"$(nproc)" --target "${libraries[@]}"

rm -rf "$dir/lib"
mkdir -p "$dir/lib"
for library in "${libraries[@]}"; do
  built=$(readlink -f "$dir/build/lib$library.so")
  if [[ ! -f $built ]]; then
    echo "build_tsan_grpc: lib$library.so was not built in $dir/build" >&2
    exit 1
  fi
  soname=$(objdump -p "$built" | awk '/SONAME/ && !seen {print $2; seen = 1}')
  installed=$(objdump -p /usr/lib/*/"lib$library.so" | awk '/SONAME/ && !seen {print $2; seen = 1}')
  if [[ $soname != "$installed" ]]; then
    echo "build_tsan_grpc: built $soname, the system has $installed; not used" >&2
    exit 1
  fi
  cp "$built" "$dir/lib/$soname"
done
touch "$stamp"
echo "build_tsan_grpc: $(ls "$dir/lib" | grep -c '\.so\.') libraries in $dir/lib"
