#!/usr/bin/env bash
# Prints the Debian packages that hold the shared libraries the given binaries load, one a line,
# sorted: the container image's runtime stage installs exactly these (deploy/container/Dockerfile),
# so the list follows what the binaries link instead of being kept by hand.
# Usage: deploy/runtime-packages.sh <binary>...
# Fails, naming the library, when a library is not found or belongs to no installed package.
set -euo pipefail
(($# > 0)) || { echo "usage: $0 <binary>..." >&2; exit 2; }

status=0
declare -A libraries=()   # library path -> the binary that loads it
for binary in "$@"; do
  [[ -x "$binary" ]] || { echo "runtime-packages: $binary: not an executable" >&2; exit 2; }
  while read -r name arrow path _; do
    if [[ "$arrow" != "=>" ]]; then continue; fi           # linux-vdso, the dynamic loader
    if [[ "$path" == "not" ]]; then
      echo "runtime-packages: $binary needs $name, which is not found" >&2
      status=1
    else
      libraries[$path]=$binary
    fi
  done < <(ldd "$binary")
done

# Every spelling dpkg may know a library by (on Debian 12 /lib is /usr/lib), asked in one query.
candidates() {
  local path=$1
  printf '%s\n' "$path" "$(readlink -f "$path")" "${path/#\/usr\/lib\//\/lib\/}" \
                "${path/#\/lib\//\/usr\/lib\/}"
}
declare -A owner=()   # path -> package
mapfile -t queries < <(for path in "${!libraries[@]}"; do candidates "$path"; done | sort -u)
while IFS= read -r line; do
  [[ "$line" == diversion* ]] && continue
  package=${line%%:*}                        # "libfoo1:amd64: /usr/lib/..." -> "libfoo1"
  owner[${line#*: }]=$package
done < <(dpkg-query -S "${queries[@]}" 2>/dev/null || true)

declare -A packages=()
for path in "${!libraries[@]}"; do
  found=
  while read -r candidate; do
    if [[ -n "${owner[$candidate]:-}" ]]; then found=${owner[$candidate]}; break; fi
  done < <(candidates "$path")
  if [[ -n "$found" ]]; then
    packages[$found]=1
  else
    echo "runtime-packages: ${libraries[$path]} loads $path, which no Debian package installed" >&2
    status=1
  fi
done
((status == 0)) || exit "$status"
printf '%s\n' "${!packages[@]}" | sort
