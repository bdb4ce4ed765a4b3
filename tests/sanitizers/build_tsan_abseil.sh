#!/usr/bin/env bash
# Builds Debian's own Abseil (the installed version, from its Debian source package) with
# ThreadSanitizer, as shared libraries with the installed ones' names, into <dir>/lib.
#
#   tests/sanitizers/build_tsan_abseil.sh <dir>
#
# Why: Debian's libabsl_synchronization is built without TSan, so TSan sees neither the lock nor
# the unlock of an absl::Mutex and reports every field one guards as a race. With these libraries
# first on LD_LIBRARY_PATH (tests/run_sanitized.sh tsan does it), lienthong and gRPC both take
# their absl::Mutex from an instrumented build, and TSan's verdicts on data an absl::Mutex guards
# can be trusted. The source comes from Debian's mirror (debian_source.sh); nothing else is
# downloaded. Runs once: a later call with the same installed version does nothing.
set -euo pipefail
dir=${1:?usage: $0 <dir>}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

version=$(dpkg-query -W -f='${Version}' libabsl-dev)
stamp="$dir/lib/.built-all-from-abseil-$version"
if [[ -f $stamp ]]; then
  exit 0
fi
echo "build_tsan_abseil: building Abseil $version with ThreadSanitizer in $dir (once)"

src="$dir/src"
source_version=$(bash "$(dirname "$0")/debian_source.sh" libabsl-dev "$dir")
# A build folder of another version goes: the unpacked files keep their tarball's dates, so ninja
# could take objects of the old source for up to date.
if [[ ! -f $dir/build/.from-source-$source_version ]]; then
  rm -rf "$dir/build"
  mkdir -p "$dir/build"
  touch "$dir/build/.from-source-$source_version"
fi

# Debian's shared build (debian/rules): C++17, shared libraries, every library: the annotated
# Mutex and SpinLock live in absl_synchronization and absl_base, but SpinLock's fast path is
# inline, so a library left uninstrumented (absl_random_internal_pool_urbg, say) would take and
# release its SpinLocks unseen.
cmake -S "$src" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_STANDARD=17 \
  -DBUILD_SHARED_LIBS=ON -DBUILD_TESTING=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread" >/dev/null
cmake --build "$dir/build" -j"$(nproc)"

rm -rf "$dir/lib"
mkdir -p "$dir/lib"
find "$dir/build" -name 'libabsl_*.so.*' \( -type f -o -type l \) -exec cp -P {} "$dir/lib/" \;
built=$(readlink -f "$dir/build/absl/synchronization/libabsl_synchronization.so")
soname=$(objdump -p "$built" | awk '/SONAME/ && !seen {print $2; seen = 1}')
installed=$(objdump -p /usr/lib/*/libabsl_synchronization.so |
            awk '/SONAME/ && !seen {print $2; seen = 1}')
if [[ $soname != "$installed" ]]; then
  echo "build_tsan_abseil: built $soname, the system has $installed; not used" >&2
  exit 1
fi
touch "$stamp"
count=$(find "$dir/lib" -type f -name 'libabsl_*' | wc -l)
echo "build_tsan_abseil: $count libraries in $dir/lib ($soname)"
