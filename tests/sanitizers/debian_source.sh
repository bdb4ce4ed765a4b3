#!/usr/bin/env bash
# Unpacks the Debian source package of an installed binary package, at the installed version,
# into <dir>/src (with Debian's patches applied), for the TSan builds of the libraries lienthong
# links (build_tsan_abseil.sh, build_tsan_grpc.sh).
#
#   tests/sanitizers/debian_source.sh <installed binary package> <dir>
#
# The source comes from Debian's mirror through apt-get, with a private package list under
# <dir>/apt: /etc/apt and /var/lib/apt are not touched, nothing else is downloaded. A source
# already unpacked at that version is kept as it is (its build can then resume where it stopped).
# Prints the source version on stdout.
set -euo pipefail
binary=${1:?usage: $0 <installed binary package> <dir>}
dir=${2:?usage: $0 <installed binary package> <dir>}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# The source version, not the binary one: a binNMU (1.51.1-3+b1) is built from 1.51.1-3.
read -r source version < <(dpkg-query -W -f='${source:Package} ${source:Version}\n' "$binary")
src="$dir/src"
stamp="$src/.unpacked-$source-$version"
if [[ -f $stamp ]]; then
  echo "$version"
  exit 0
fi

apt="$dir/apt"
rm -rf "$apt"
mkdir -p "$apt/sources" "$apt/lists/partial" "$apt/cache/archives/partial"
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
cat >"$apt/sources/debian-src.sources" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_options=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/sources"
             -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
             -o APT::Sandbox::User=root)
apt-get "${apt_options[@]}" -qq update >&2
rm -rf "$src" "$dir/download"
mkdir -p "$dir/download"
if ! (cd "$dir/download" &&
      apt-get "${apt_options[@]}" -qq source --download-only "$source=$version" >&2); then
  # The mirror keeps only the current version of each suite: an installed version that has since
  # been replaced there cannot be fetched.
  echo "debian_source: cannot fetch $source $version from the mirror; if a newer version is" \
       "out, upgrade $binary (apt-get install --only-upgrade $binary) and run again" >&2
  exit 1
fi
dpkg-source --no-copy -x "$dir/download/${source}_${version#*:}.dsc" "$src" >/dev/null
touch "$stamp"
echo "$version"
