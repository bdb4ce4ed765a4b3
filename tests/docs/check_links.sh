#!/usr/bin/env bash
# The repository stands on its own: every relative link of README.md and docs/*.md, and every
# docs/<name>.md that a source file, script or config names, must exist in the repository.
# Usage: check_links.sh <repository root>. Prints every dead link, exits 1 if there is one.
set -uo pipefail
root=${1:?usage: check_links.sh <repository root>}
cd "$root" || exit 2
dead=0

# 1. Markdown links [text](target) in README.md and docs/*.md. External links and anchors
#    within the same page are not checked; "path#anchor" is checked as "path".
for md in README.md docs/*.md; do
  dir=$(dirname "$md")
  while IFS=: read -r line target; do
    target=${target#*](}
    target=${target%)}
    target=${target%% *}
    case "$target" in
      http://*|https://*|mailto:*|'#'*|'') continue ;;
    esac
    path=${target%%#*}
    if [[ ! -e "$dir/$path" ]]; then
      echo "$md:$line: dead link: $target"
      dead=1
    fi
  done < <(grep -noE '\]\([^)[:space:]]+( "[^"]*")?\)' "$md")
done

# 2. docs/<name>.md named anywhere in the code, scripts, protos, configs and docs themselves.
while IFS=: read -r file line name; do
  if [[ ! -e "$name" ]]; then
    echo "$file:$line: names a missing file: $name"
    dead=1
  fi
done < <(grep -rnoE --exclude-dir='build*' --exclude-dir=var --exclude-dir=.git \
           --include='*.h' --include='*.cc' --include='*.proto' --include='*.sh' \
           --include='*.txt' --include='*.yaml' --include='*.md' --include='*.cmake' \
           --include='*.service' --include='Dockerfile' --exclude=check_links.sh \
           '(^|[^A-Za-z0-9_./-])docs/[A-Za-z0-9_.-]+\.md' . |
         sed -E 's#^\./##; s#^([^:]*):([0-9]+):.*(docs/[A-Za-z0-9_.-]+\.md)$#\1:\2:\3#' | sort -u)

# 3. The design notes the project started from are not part of it: nothing may point there.
if grep -rnE --exclude-dir='build*' --exclude-dir=var --exclude-dir=.git \
     --exclude=check_links.sh 'shared/design|(^|[^a-z_/])(ARCHITECTURE|DOMAIN|STYLE)\.md' .; then
  echo "^ points outside the repository: use docs/architecture.md or docs/domain.md"
  dead=1
fi

if (( dead )); then exit 1; fi
echo "every link and docs/*.md reference resolves"
