#!/usr/bin/env bash
# Every benchmark in BENCHMARKS.md, on both databases, with one command:
#   bench/run-all.sh [--sizes "1000 10000"] [--out DIR] [--rounds N]
# For each size: import + search on SQLite (a new data folder) and on a throwaway PostgreSQL cluster
# (scripts/throwaway-postgres.sh, shared_buffers 2 GB); then board fan-out with 50 guests on each.
# Each run's Markdown tables go to DIR (default artifacts/bench), plus machine.md with the machine
# and the load average; then exports (server memory) on both and the public page under wrk. Needs what test.sh installs (PostgreSQL); run it on an otherwise idle machine:
# the figures are wall-clock times. 10,000 stories take about 1.5 GB of disk per database.
set -uo pipefail
cd "$(dirname "$0")/.."
sizes="1000 10000" out=artifacts/bench rounds=5
while [ $# -gt 0 ]; do
  case $1 in
    --sizes) sizes=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "Unknown argument $1. Use --sizes \"1000 10000\", --out DIR, --rounds N." >&2; exit 2 ;;
  esac
done
fail() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }
step() { printf '\n==> %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

step "Building the benchmark (Release)"
dotnet build bench/Storyweave.Bench -c Release -v quiet -nologo || fail "the build failed"
bench=(dotnet bench/Storyweave.Bench/bin/Release/net10.0/Storyweave.Bench.dll)

{
  echo "# Machine"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- cores: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "- memory: $(free -g | awk '/Mem:/ {print $2}') GiB; OS: $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "- .NET: $(dotnet --version); PostgreSQL: $(ls -d /usr/lib/postgresql/*/ | sort -V | tail -n 1 | xargs basename)"
  echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/machine.md"

step "Starting a throwaway PostgreSQL cluster"
PG_EXTRA="-c shared_buffers=2GB"
# shellcheck source=../scripts/throwaway-postgres.sh
source scripts/throwaway-postgres.sh

for n in $sizes; do
  step "SQLite, $n stories"
  rm -rf "$out/sqlite-$n"
  "${bench[@]}" --stories "$n" --rounds "$rounds" --data-dir "$out/sqlite-$n" >"$out/sqlite-$n.md" || fail "SQLite $n failed"
  rm -rf "$out/sqlite-$n"
  step "PostgreSQL, $n stories"
  "${bench[@]}" --stories "$n" --rounds "$rounds" --postgres "$pg" >"$out/postgresql-$n.md" || fail "PostgreSQL $n failed"
done

step "Board fan-out, 50 guests, SQLite"
"${bench[@]}" --fanout --clients 50 --moves 200 >"$out/fanout-sqlite.md" || fail "fan-out on SQLite failed"
step "Board fan-out, 50 guests, PostgreSQL"
"${bench[@]}" --fanout --clients 50 --moves 200 --postgres "$pg" >"$out/fanout-postgresql.md" || fail "fan-out on PostgreSQL failed"

step "Exports of 20,000 coded passages (server process memory), SQLite"
"${bench[@]}" --exports >"$out/exports-sqlite.md" || fail "exports on SQLite failed"
step "Exports of 20,000 coded passages (server process memory), PostgreSQL"
"${bench[@]}" --exports --postgres "$pg" >"$out/exports-postgresql.md" || fail "exports on PostgreSQL failed"
if command -v wrk >/dev/null; then
  step "Public story page under load (wrk), SQLite"
  "${bench[@]}" --public >"$out/public-sqlite.md" || fail "the public page run failed"
else
  echo "wrk is not installed (apt-get install wrk): the public page run is left out." >&2
fi

echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.md"
step "Done: the tables are in $out"
cat "$out/machine.md"
