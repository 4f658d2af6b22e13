#!/usr/bin/env bash
# Builds the worth-solving dataset the README's figures come from: 2 benchmarks of each of
# 12 ball themes with the procedural agents (release build, default config: worth checks
# enforced), then the static report and its figures.
# Usage: scripts/dataset.sh [DATA_DIR] (default /tmp/bf-dataset); BENCHFORGE_BIN overrides the binary.
set -euo pipefail
data="${1:-/tmp/bf-dataset}"
bin="${BENCHFORGE_BIN:-target/release/benchforge}"
themes=(
    "a ball must cross a gap between two decks"
    "a 60 mm HDPE ball must cross a 180 mm gap"
    "a 90 mm ABS ball onto a shelf 250 mm high"
    "a gate in a wall that the ball must pass"
    "drop a ball into a lower bin past a shield"
    "move a steel ball 40mm radius, 1m sideways"
    "a rubber ball onto a plateau beyond a slope"
    "a marble goes through a corridor"
    "roll a wooden ball over a speed bump"
    "a glass ball must pass under a low bar"
    "thread a ball through a ring on a post"
    "a ball pushes through a hinged flap"
)
rm -rf "$data"
start=$(date +%s)
for theme in "${themes[@]}"; do
    "$bin" generate "$theme" --count 2 --data-dir "$data" > /dev/null
done
echo "generated in $(( $(date +%s) - start )) s"
"$bin" report "$data"
