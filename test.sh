#!/usr/bin/env bash
# Storyweave's one test command. On a fresh Debian machine with only the .NET SDK it:
#   1. installs what the tests need (chromium, ffmpeg, postgresql, redis-server, nginx) when run as root,
#   2. builds everything (warnings are errors) and checks formatting,
#   3. starts a throwaway PostgreSQL cluster and a throwaway redis-server (the two-node tests also start nginx),
#   4. runs the integration suite on SQLite, then the same suite on PostgreSQL, then the browser tests,
#      then builds, installs, upgrades, rolls back and purges the Debian package (packaging/test-deb.sh, as root),
#   5. ends with the plain line "N passed, N failed" (", N skipped" if any), counted from the results.
set -uo pipefail
cd "$(dirname "$0")"
root=$PWD
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\nERROR: %s\n' "$*" >&2; echo "0 passed, 1 failed"; exit 1; }

# --- 1. System packages -------------------------------------------------------------------------
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
[ -d /usr/share/pocketsphinx/model/en-us ] || need+=(pocketsphinx-en-us)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v curl >/dev/null 2>&1 || need+=(curl)
# Two-node tests (issue #16): a throwaway redis-server started below, and nginx started by the tests themselves.
# Installed only; the services Debian enables are not used (no service manager runs them here).
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/sbin/nginx ] || need+=(nginx)
# The email tests deliver to a real SMTP server (aiosmtpd), run with Debian's own python3.
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need+=(python3-aiosmtpd)
if [ ${#need[@]} -gt 0 ]; then
  step "Installing ${need[*]}"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
      || fail "apt-get could not install ${need[*]}"
  else
    fail "Missing ${need[*]}. Run: sudo apt-get install -y ${need[*]}  (or run this script as root)"
  fi
fi

# --- 2. Build and format --------------------------------------------------------------------------
step "Building"
dotnet tool restore >/dev/null || fail "dotnet tool restore failed"
dotnet build Storyweave.slnx -c Release -v quiet -nologo || fail "the build failed"

step "Checking formatting (dotnet format --verify-no-changes)"
dotnet format Storyweave.slnx --verify-no-changes --no-restore --exclude src/Storyweave/Data/Migrations \
  || fail "formatting differs: run 'dotnet format Storyweave.slnx --exclude src/Storyweave/Data/Migrations'"

step "Installing axe-core for the browser tests"
(cd tests/Storyweave.BrowserTests && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"

# --- 3. Throwaway PostgreSQL ------------------------------------------------------------------------
step "Starting a throwaway PostgreSQL cluster"
# shellcheck source=scripts/throwaway-postgres.sh
source scripts/throwaway-postgres.sh
step "Starting a throwaway redis-server"
# shellcheck source=scripts/throwaway-redis.sh
source scripts/throwaway-redis.sh

# --- 4. Tests -----------------------------------------------------------------------------------------
status=0
run() { # name, project, extra env...
  local name=$1 project=$2; shift 2
  step "Tests: $name"
  env "$@" dotnet test "$project" -c Release --no-build --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    --logger "console;verbosity=minimal" || status=1
}
run sqlite tests/Storyweave.Tests STORYWEAVE_TEST_POSTGRES= "STORYWEAVE_TEST_REDIS=$redis"
run postgresql tests/Storyweave.Tests "STORYWEAVE_TEST_POSTGRES=$pg" "STORYWEAVE_TEST_REDIS=$redis"
run browser tests/Storyweave.BrowserTests STORYWEAVE_TEST_POSTGRES= "STORYWEAVE_TEST_REDIS=$redis"
# The Debian package: each check is a test in deb.trx (it publishes the self-contained app: a few minutes).
step "Tests: the Debian package"
packaging/test-deb.sh --results "$results" || status=1

# --- 5. The closing line, counted from the result files ------------------------------------------------
passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done
[ "$files" -eq 4 ] || { status=1; failed=$((failed + 4 - files)); echo "Only $files of 4 test runs produced results." >&2; }
[ "$passed" -gt 0 ] || status=1
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo
echo "$line"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
