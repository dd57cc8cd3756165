#!/bin/sh
# ctest's install_build_doc_go_blocks: every ```go block of README.md and docs/ is a complete
# program; build each (go vet + go build, cgo) against the installed prefix.
# Usage: go_doc_blocks.sh <prefix>/lib/pkgconfig <out dir> [go]
set -eu
export PKG_CONFIG_PATH="$1" CGO_ENABLED=1
out=$2 go=${3:-go}
modules=$(python3 "$(dirname "$0")/../../scripts/doc_snippets.py" --go-out "$out")
n=0
for module in $modules; do
    (cd "$module" && "$go" vet . && "$go" build -o program .)
    n=$((n + 1))
done
echo "built $n go block(s)"
