#!/usr/bin/env bash
# Installs lienthong's build and test dependencies from Debian 12 packages, only those missing.
# Nothing is downloaded from anywhere else.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git openssl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libssl-dev libsqlite3-dev libpq-dev libyaml-cpp-dev prometheus-cpp-dev libgoogle-perftools-dev
  libicu-dev libcurl4-openssl-dev nlohmann-json3-dev tzdata
  libcpp-httplib-dev
  libgtest-dev libgmock-dev
)
for option in "$@"; do
  case $option in
    --with-postgres) packages+=(postgresql-15 postgresql-client-15) ;;
    # Sanitizer and fuzz builds (docs/testing.md): clang 14, its sanitizer and libFuzzer runtimes.
    --with-clang) packages+=(clang-14 libclang-rt-14-dev) ;;
    # The console's browser tests (docs/console.md): headless Chromium and a font with Vietnamese.
    --with-browser) packages+=(chromium fonts-dejavu-core) ;;
    *) echo "install-deps: unknown option $option (--with-postgres, --with-clang, --with-browser)" >&2
       exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
