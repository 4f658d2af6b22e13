#!/bin/sh
# Regenerates the README's example Reviewer views (side, top, along_path) from one benchmark
# made by the procedural backends: `benchforge generate` writes them with the other
# artifacts to variants/seed-0/review/. Run from the repository root after `cargo build --release`.
set -eu
data=$(mktemp -d)
./target/release/benchforge generate "a ball must cross a gap between two decks" \
    --data-dir "$data" --seeds 2 --log-format text 2>/dev/null >"$data/paths"
folder=$(head -n 1 "$data/paths")
for view in side top along_path; do
    cp "$folder/variants/seed-0/review/$view.png" "docs/review-views/$view.png"
done
rm -rf "$data"
ls -l docs/review-views/*.png
