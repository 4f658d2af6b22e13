#!/usr/bin/env bash
# Soak run: the daemon makes N benchmarks with the real procedural agents (1 seed each,
# 160x120 renders: the smallest at which the Reviewer still sees the parts, so sessions are short) while its resident memory is sampled; prints RSS after
# every 100 accepted sessions and the growth from the first sample to the last.
#
# Usage: scripts/soak.sh [sessions] [concurrency]      (defaults 1000, 2)
# Env:   BENCHFORGE_BIN (default target/release/benchforge, built first), SOAK_DIR.
set -euo pipefail
N=${1:-1000}
CONC=${2:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${BENCHFORGE_BIN:-}" ]; then
  (cd "$ROOT" && CARGO_PROFILE_RELEASE_INCREMENTAL=true cargo build --release --features fault-injection --quiet)
fi
BIN=${BENCHFORGE_BIN:-$ROOT/target/release/benchforge}
DIR=${SOAK_DIR:-$(mktemp -d -t benchforge-soak-XXXXXX)}
DATA=$DIR/data
cat > "$DIR/soak.toml" <<TOML
data_dir = "$DATA"
concurrency = $CONC

[gates]
seeds = 1
passive_time_s = 4.0
max_speed_mps = 100.0
penetration_tolerance_m = 0.002

[render]
width_px = 160
height_px = 120

[[themes]]
prompt = "a ball must cross a gap between two decks"
count = $N
TOML
"$BIN" run --config "$DIR/soak.toml" >"$DIR/stdout.log" 2>"$DIR/stderr.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
rss_mib() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$PID/status"; }
next=100
first=""
start=$(date +%s)
while kill -0 "$PID" 2>/dev/null; do
  done_n=$( (wc -l <"$DATA/index.jsonl") 2>/dev/null || echo 0)
  failed=$(grep -c "session failed" "$DATA/logs/benchforge.log" 2>/dev/null || true)
  finished=$((done_n + failed))
  if [ "$finished" -ge "$next" ]; then
    rss=$(rss_mib)
    [ -n "$first" ] || first=$rss
    echo "soak: $finished sessions finished ($done_n accepted) after $(( $(date +%s) - start )) s: RSS $rss MiB"
    next=$((next + 100))
  fi
  if [ "$finished" -ge "$N" ]; then break; fi
  sleep 1
done
last=$(rss_mib)
kill -TERM "$PID"; wait "$PID" || true
echo "soak: RSS first sample ${first} MiB, last ${last} MiB, growth $(awk -v a="$first" -v b="$last" 'BEGIN {printf "%.1f", (b-a)/a*100}') % (data: $DATA)"
