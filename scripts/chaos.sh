#!/usr/bin/env bash
# Chaos run: queues a set of themes, then repeatedly starts the daemon and kills it with
# SIGKILL after a random delay, until a run finishes the queue by itself. Then checks the
# dataset: exactly the expected benchmarks, each complete, each indexed once, no temporary
# folder left, and the store opens cleanly (the last run and `status` read it).
#
# Usage: scripts/chaos.sh [themes] [count-per-theme] [max-delay-ms]
# Env:   BENCHFORGE_BIN (default target/release/benchforge, built first; the real procedural
#        agents), CHAOS_DIR (default a fresh temp dir), CHAOS_MAX_RUNS (default 500).
set -euo pipefail

THEMES=${1:-6}
COUNT=${2:-2}
MAX_DELAY_MS=${3:-800}
EXPECTED=$((THEMES * COUNT))
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${BENCHFORGE_BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release --quiet)
fi
BIN=${BENCHFORGE_BIN:-$ROOT/target/release/benchforge}
DIR=${CHAOS_DIR:-$(mktemp -d -t benchforge-chaos-XXXXXX)}
DATA=$DIR/data
MAX_RUNS=${CHAOS_MAX_RUNS:-500}
mkdir -p "$DIR"

PROMPTS=("a ball must cross a gap between two decks" "a 90 mm ABS ball onto a shelf 250 mm high"
  "a gate in a wall that the ball must pass" "move a steel ball 40mm radius, 1m sideways"
  "a 60 mm HDPE cube must cross a 180 mm gap" "drop a ball into a lower bin past a shield"
  "a ball onto a plateau beyond a slope" "a ball through a corridor")
{
  echo "data_dir = \"$DATA\""
  echo "concurrency = 3"
  echo "[gates]"
  echo "seeds = 3"
  echo "passive_time_s = 4.0"
  echo "max_speed_mps = 100.0"
  echo "penetration_tolerance_m = 0.002"
  for ((i = 0; i < THEMES; i++)); do
    echo "[[themes]]"
    echo "prompt = \"${PROMPTS[$((i % ${#PROMPTS[@]}))]} (#$i)\""
    echo "count = $COUNT"
  done
} > "$DIR/chaos.toml"
"$BIN" check-config "$DIR/chaos.toml" >/dev/null

kills=0
runs=0
finished=0
start=$(date +%s)
while ((runs < MAX_RUNS)); do
  runs=$((runs + 1))
  "$BIN" run --until-idle --config "$DIR/chaos.toml" >>"$DIR/stdout.log" 2>>"$DIR/stderr.log" &
  pid=$!
  delay_ms=$((RANDOM % MAX_DELAY_MS + 1))
  sleep "$(printf '0.%03d' "$delay_ms")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1)) || true
    wait "$pid" 2>/dev/null || true
  else
    if wait "$pid"; then
      finished=1
      break
    else
      echo "chaos: run $runs exited with an error; see $DIR/stderr.log" >&2
      tail -5 "$DIR/stderr.log" >&2
      exit 1
    fi
  fi
done
((finished)) || { echo "chaos: queue not finished after $runs runs" >&2; exit 1; }
elapsed=$(($(date +%s) - start))

# Check the dataset.
fail() { echo "chaos: FAILED: $*" >&2; exit 1; }
dirs=$(find "$DATA/benchmarks" -mindepth 1 -maxdepth 1 -type d ! -name '.tmp-*' | wc -l)
tmps=$(find "$DATA/benchmarks" -mindepth 1 -maxdepth 1 -name '.tmp-*' | wc -l)
lines=$(wc -l <"$DATA/index.jsonl")
unique=$(grep -o '"id":"[^"]*"' "$DATA/index.jsonl" | sort -u | wc -l)
[ "$dirs" -eq "$EXPECTED" ] || fail "$dirs benchmark folders, expected $EXPECTED"
[ "$tmps" -eq 0 ] || fail "$tmps temporary folders left"
[ "$lines" -eq "$EXPECTED" ] || fail "$lines index lines, expected $EXPECTED"
[ "$unique" -eq "$EXPECTED" ] || fail "$unique distinct ids in the index, expected $EXPECTED"
for d in "$DATA"/benchmarks/*/; do
  for f in benchmark.json plan.md todo.md journal.md script.rhai solution.rhai reviews/round-1.md; do
    [ -f "$d$f" ] || fail "$d$f missing (half-written benchmark)"
  done
done
accepted=$("$BIN" status --json --data-dir "$DATA" | grep -o '^  "accepted": *[0-9]*' | grep -o '[0-9]*$')
[ "$accepted" -eq "$EXPECTED" ] || fail "status says $accepted accepted, expected $EXPECTED"
echo "chaos: OK — $EXPECTED benchmarks exactly once after $kills SIGKILLs over $runs runs in ${elapsed}s (data: $DATA)"
