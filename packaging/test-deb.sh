#!/usr/bin/env bash
# Installs the Storyweave .deb on this machine and checks it as an administrator would meet it: the
# service user and folders, the service started exactly as its systemd unit says, /healthz, the first-run
# set-up and sign-in, a backup with the installed command, an upgrade, a rollback to the older package with
# a restore, remove (data kept) and purge (data still kept). Run by ./test.sh after the other suites.
#
#   packaging/test-deb.sh [--results DIR] [--deb FILE]
#
# Needs root and a machine where storyweave is not installed (it purges the package at the end). Where
# systemd runs, the service is started by systemctl; elsewhere (a CI container) the unit's ExecStart is run
# as the unit's User= with its Environment=, EnvironmentFile=, WorkingDirectory= and UMask=, read from the
# installed unit file, so the unit itself is what is tested. Each check is one test in DIR/deb.trx.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
results="$root/artifacts/test-results"
deb=""
while [ $# -gt 0 ]; do
  case "$1" in
    --results) results=$2; shift 2 ;;
    --deb) deb=$2; shift 2 ;;
    *) echo "test-deb.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$results"
work=$(mktemp -d /tmp/storyweave-deb-test.XXXXXX)
unit=/lib/systemd/system/storyweave.service
conf=/etc/storyweave/storyweave.conf
data=/var/lib/storyweave
names=() outcomes=() seconds=() messages=()
pidfile="$work/service.pid" # a file, not a variable: checks run in subshells
systemd=no
if command -v systemctl >/dev/null && [ -d /run/systemd/system ] && systemctl is-system-running >/dev/null 2>&1; then
  systemd=yes
fi

# record NAME OUTCOME SECONDS MESSAGE
record() {
  names+=("$1"); outcomes+=("$2"); seconds+=("$3"); messages+=("$4")
  printf '  %-7s %s (%ss)%s\n' "$2" "$1" "$3" "${4:+: $4}"
}
# check NAME COMMAND...: one test; its output is shown only when it fails.
check() {
  local name=$1; shift
  local start=$SECONDS out
  if out=$("$@" 2>&1); then record "$name" Passed $((SECONDS - start)) ""
  else record "$name" Failed $((SECONDS - start)) "$(echo "$out" | tail -n 5 | tr '\n' ' ')"; fi
}
xml() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
write_trx() {
  local passed=0 failed=0 i
  for i in "${!names[@]}"; do [ "${outcomes[$i]}" = Passed ] && passed=$((passed + 1)) || failed=$((failed + 1)); done
  {
    echo '<?xml version="1.0" encoding="utf-8"?>'
    echo '<TestRun name="deb" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">'
    echo '  <Results>'
    for i in "${!names[@]}"; do
      printf '    <UnitTestResult testName="Deb.%s" outcome="%s" duration="%02d:%02d:%02d">' \
        "$(echo "${names[$i]}" | xml)" "${outcomes[$i]}" $(( seconds[i] / 3600 )) $(( seconds[i] / 60 % 60 )) $(( seconds[i] % 60 ))
      [ -n "${messages[$i]}" ] && printf '<Output><ErrorInfo><Message>%s</Message></ErrorInfo></Output>' "$(echo "${messages[$i]}" | xml)"
      echo '</UnitTestResult>'
    done
    echo '  </Results>'
    printf '  <ResultSummary outcome="%s">\n' "$([ $failed -eq 0 ] && echo Completed || echo Failed)"
    printf '    <Counters total="%d" executed="%d" passed="%d" failed="%d" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="0" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />\n' \
      $((passed + failed)) $((passed + failed)) $passed $failed
    echo '  </ResultSummary>'
    echo '</TestRun>'
  } > "$results/deb.trx"
  echo "Debian package: $passed passed, $failed failed"
  [ $failed -eq 0 ]
}
stop_service() { # as systemd would: SIGTERM, and wait until it has stopped
  if [ "$systemd" = yes ]; then systemctl stop storyweave.service 2>/dev/null || true; return; fi
  local p; p=$(cat "$pidfile" 2>/dev/null) || return 0
  kill "$p" 2>/dev/null
  for _ in $(seq 1 600); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$p" 2>/dev/null
  rm -f "$pidfile"
}
cleanup() {
  stop_service
  if dpkg -s storyweave >/dev/null 2>&1; then dpkg -P storyweave >/dev/null 2>&1; fi
  rm -rf "$data" "$data.old" "$work"
}

if [ "$(id -u)" != 0 ]; then
  record "the test runs as root" Failed 0 "it installs a package: run it (or ./test.sh) as root"
  write_trx; exit 1
fi
if dpkg -s storyweave >/dev/null 2>&1 || [ -e "$data" ]; then
  record "storyweave is not installed before the test" Failed 0 "this machine has storyweave or $data; the test would purge it, so it stops"
  write_trx; exit 1
fi
trap cleanup EXIT

# --- Build ------------------------------------------------------------------------------------------------
start=$SECONDS
if [ -z "$deb" ]; then
  if deb=$(packaging/build-deb.sh --out "$work/deb" | tail -n 1) && [ -f "$deb" ]; then
    record "the package builds" Passed $((SECONDS - start)) ""
  else
    record "the package builds" Failed $((SECONDS - start)) "packaging/build-deb.sh failed"; write_trx; exit 1
  fi
fi
echo "  package: $deb ($(du -h "$deb" | cut -f1)), built in $((SECONDS - start)) s"
version=$(dpkg-deb -f "$deb" Version)
expected=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' src/Storyweave/Storyweave.csproj | head -n 1)

package_metadata() {
  [ "$(dpkg-deb -f "$deb" Package)" = storyweave ] || { echo "Package is not storyweave"; return 1; }
  [ "$version" = "$expected" ] || { echo "Version $version, the project says $expected"; return 1; }
  # Here-strings, not pipes: with pipefail, grep -q leaving early makes the writer die of SIGPIPE and the check fail
  # at random (it did once in CI on the 109 MB package's file list).
  grep -qw ffmpeg <<< "$(dpkg-deb -f "$deb" Depends)" || { echo "Depends lacks ffmpeg"; return 1; }
  grep -qw chromium <<< "$(dpkg-deb -f "$deb" Recommends)" || { echo "Recommends lacks chromium"; return 1; }
  local files; files=$(dpkg-deb -c "$deb")
  for f in ./usr/lib/storyweave/storyweave ./usr/bin/storyweave ./lib/systemd/system/storyweave.service \
           ./etc/storyweave/storyweave.conf ./usr/lib/storyweave/wwwroot/css/site.css ./usr/share/doc/storyweave/install-deb.md; do
    grep -q " $f\( \|$\)" <<< "$files" || { echo "missing $f"; return 1; }
  done
  grep -q "root/root" <<< "$files" || { echo "files are not owned by root"; return 1; }
  grep -qx /etc/storyweave/storyweave.conf <<< "$(dpkg-deb -I "$deb" conffiles)" || { echo "the config file is not a conffile"; return 1; }
}
check "the package names itself, its version and what it needs" package_metadata

# --- Install ----------------------------------------------------------------------------------------------
check "dpkg -i installs it" dpkg -i "$deb"

user_is_system_user() {
  local entry uid shell
  entry=$(getent passwd storyweave) || { echo "no user storyweave"; return 1; }
  uid=$(echo "$entry" | cut -d: -f3); shell=$(echo "$entry" | cut -d: -f7)
  [ "$uid" -lt 1000 ] || { echo "uid $uid is not a system uid"; return 1; }
  [ "$shell" = /usr/sbin/nologin ] || { echo "shell is $shell"; return 1; }
  [ "$(echo "$entry" | cut -d: -f6)" = "$data" ] || { echo "home is not $data"; return 1; }
}
check "a system user storyweave without a login shell" user_is_system_user

folders_and_modes() {
  [ "$(stat -c '%a %U %G' "$data")" = "750 storyweave storyweave" ] || { echo "$data is $(stat -c '%a %U %G' "$data")"; return 1; }
  [ "$(stat -c '%a %U %G' "$conf")" = "640 root storyweave" ] || { echo "$conf is $(stat -c '%a %U %G' "$conf")"; return 1; }
  [ "$(readlink -f /usr/bin/storyweave)" = /usr/lib/storyweave/storyweave ] || { echo "/usr/bin/storyweave does not lead to the program"; return 1; }
}
check "the data folder is 0750 storyweave's, the config 0640 root:storyweave" folders_and_modes

if command -v systemd-analyze >/dev/null; then
  # Only the unit's own problems count; systemd-analyze also comments on other units of a machine without systemd.
  unit_verifies() { local out; out=$(systemd-analyze verify "$unit" 2>&1); echo "$out"; ! echo "$out" | grep -q "storyweave.service"; }
  check "systemd-analyze verify finds nothing wrong with the unit" unit_verifies
else
  echo "  (systemd-analyze is not installed: the unit is not verified)"
fi

# --- Start it as the unit says ----------------------------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# The listening address comes from the config file (EnvironmentFile=), as an administrator would set it.
sed -i "s|^STORYWEAVE_URLS=.*|STORYWEAVE_URLS=$base|" "$conf"

unit_value() { sed -n "s/^$1=//p" "$unit"; }
start_service() {
  if [ "$systemd" = yes ]; then systemctl restart storyweave.service; return; fi
  local user group wd umask_value line key value
  user=$(unit_value User); group=$(unit_value Group); wd=$(unit_value WorkingDirectory); umask_value=$(unit_value UMask)
  local -a envs=("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "HOME=$(getent passwd "$user" | cut -d: -f6)"
                 "USER=$user" "LOGNAME=$user" "LANG=C.UTF-8")
  while read -r line; do envs+=("$line"); done < <(unit_value Environment)
  local file
  while read -r file; do
    file=${file#-}
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in ''|'#'*|';'*) continue ;; esac
      key=${line%%=*}; value=${line#*=}
      value=${value#\"}; value=${value%\"}
      envs+=("$key=$value")
    done < "$file"
  done < <(unit_value EnvironmentFile)
  local -a exec; read -ra exec <<< "$(unit_value ExecStart)"
  local nnp=(); [ "$(unit_value NoNewPrivileges)" = true ] && nnp=(--no-new-privs)
  ( cd "$wd" && umask "${umask_value:-0022}" &&
    exec setpriv --reuid="$user" --regid="$group" --init-groups "${nnp[@]}" env -i "${envs[@]}" "${exec[@]}" ) \
    >> "$work/service.log" 2>&1 &
  echo $! > "$pidfile"
}
wait_healthy() {
  local i
  for i in $(seq 1 180); do
    [ "$(curl -fsS "$base/healthz" 2>/dev/null)" = ok ] && return 0
    if [ "$systemd" = no ] && ! kill -0 "$(service_pid)" 2>/dev/null; then echo "the service exited:"; tail -n 5 "$work/service.log"; return 1; fi
    sleep 1
  done
  echo "no answer from $base/healthz in 180 s"; tail -n 5 "$work/service.log" 2>/dev/null; return 1
}
service_pid() { if [ "$systemd" = yes ]; then systemctl show -p MainPID --value storyweave.service; else cat "$pidfile" 2>/dev/null; fi; }

start_service
check "the service answers /healthz with ok" wait_healthy
echo "  (systemd running: $systemd; healthy $((SECONDS - start)) s after the test began)"

runs_as_storyweave() {
  local p; p=$(service_pid)
  [ "$(ps -o user= -p "$p")" = storyweave ] || { echo "process $p runs as $(ps -o user= -p "$p")"; return 1; }
  grep -q '^DOTNET_GCgen0size=0x1000000$' <(tr '\0' '\n' < "/proc/$p/environ") || { echo "DOTNET_GCgen0size is not set"; return 1; }
}
check "the service runs as storyweave with the unit's environment" runs_as_storyweave

jar="$work/cookies"
token() { grep -o 'name="__RequestVerificationToken"[^>]*value="[^"]*"' "$1" | head -n 1 | sed 's/.*value="//;s/"$//'; }
first_run_setup() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$base/")
  [ "$code" = "302 $base/setup" ] || { echo "the home page answered $code, not a redirect to /setup"; return 1; }
  curl -fsS -c "$jar" -b "$jar" -o "$work/setup.html" "$base/setup" || return 1
  grep -q 'name="Password"' "$work/setup.html" || { echo "no set-up form"; return 1; }
  code=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{http_code} %{redirect_url}' -X POST "$base/setup" \
    --data-urlencode "Name=Ada Admin" --data-urlencode "Email=ada@example.org" \
    --data-urlencode "Password=correct horse battery" --data-urlencode "__RequestVerificationToken=$(token "$work/setup.html")")
  [ "$code" = "302 $base/projects" ] || { echo "set-up answered $code"; return 1; }
  curl -fsS -o /dev/null "$base/css/site.css" || { echo "no stylesheet"; return 1; }
}
check "the first-run set-up page creates the administrator" first_run_setup

sign_in() {
  local j="$work/cookies-$RANDOM" code
  curl -fsS -c "$j" -b "$j" -o "$work/sign-in.html" "$base/account/sign-in" || return 1
  code=$(curl -s -c "$j" -b "$j" -o /dev/null -w '%{http_code} %{redirect_url}' -X POST "$base/account/sign-in" \
    --data-urlencode "Email=ada@example.org" --data-urlencode "Password=correct horse battery" \
    --data-urlencode "__RequestVerificationToken=$(token "$work/sign-in.html")")
  [ "$code" = "302 $base/projects" ] || { echo "sign-in answered $code"; return 1; }
  curl -fsS -b "$j" -o "$work/projects.html" "$base/projects" || return 1
  grep -q "Ada Admin" "$work/projects.html" || { echo "the projects page does not show who is signed in"; return 1; }
}
check "the administrator signs in and sees the projects page" sign_in

backup_with_installed_command() {
  runuser -u storyweave -- storyweave --data-dir "$data" backup --out "$data/backups/before-upgrade.zip" &&
  runuser -u storyweave -- storyweave --data-dir "$data" export-keys --out /tmp/storyweave-keys.json.$$ &&
  mv /tmp/storyweave-keys.json.$$ "$work/keys.json" &&
  [ -s "$data/backups/before-upgrade.zip" ]
}
check "storyweave backup and export-keys run as storyweave beside the service" backup_with_installed_command

owned_by_storyweave() {
  local others; others=$(find "$data" ! -user storyweave -o ! -group storyweave)
  [ -z "$others" ] || { echo "not storyweave's: $others"; return 1; }
  [ -f "$data/storyweave.db" ] || { echo "no database in $data"; return 1; }
  # The data-protection keys are in the database (shared by every node), not in a keys/ folder.
  [ ! -e "$data/keys" ] || { echo "a keys/ folder was left in $data"; return 1; }
}
check "everything in /var/lib/storyweave belongs to storyweave" owned_by_storyweave

# --- Upgrade: a newer package over this one ---------------------------------------------------------------
newer="$work/storyweave_${version}.1_amd64.deb"
repack() { # DEB VERSION OUT
  rm -rf "$work/repack" && dpkg-deb -R "$1" "$work/repack" && sed -i "s/^Version: .*/Version: $2/" "$work/repack/DEBIAN/control" &&
  dpkg-deb --build --root-owner-group -Zgzip -z1 "$work/repack" "$3" >/dev/null && rm -rf "$work/repack"
}
upgrade() {
  repack "$deb" "${version}.1" "$newer" || return 1
  stop_service
  dpkg -i "$newer" || return 1
  [ "$(dpkg-query -W -f '${Version}' storyweave)" = "${version}.1" ] || { echo "not upgraded"; return 1; }
  grep -q "^STORYWEAVE_URLS=$base$" "$conf" || { echo "the upgrade replaced the administrator's config file"; return 1; }
  start_service; wait_healthy && sign_in
}
check "an upgrade keeps the config and the data (the administrator signs in again)" upgrade

rollback() {
  stop_service
  mv "$data" "$data.old"
  dpkg -i "$deb" || return 1
  [ "$(dpkg-query -W -f '${Version}' storyweave)" = "$version" ] || { echo "not rolled back"; return 1; }
  # As docs/install-deb.md says: the key list, kept by root, lent to the restore and erased after it.
  install -m 600 -o storyweave "$work/keys.json" /tmp/storyweave-keys.json
  runuser -u storyweave -- storyweave --data-dir "$data" restore "$data.old/backups/before-upgrade.zip" --keys /tmp/storyweave-keys.json || return 1
  shred -u /tmp/storyweave-keys.json
  start_service; wait_healthy && sign_in
}
check "a rollback installs the older package and restores the backup" rollback

# --- Remove and purge -------------------------------------------------------------------------------------
remove_keeps_data() {
  stop_service
  dpkg -r storyweave || return 1
  [ ! -e /usr/lib/storyweave/storyweave ] || { echo "the program is still there"; return 1; }
  [ -f "$data/storyweave.db" ] || { echo "the database went"; return 1; }
  [ -f "$conf" ] || { echo "the config file went"; return 1; }
  getent passwd storyweave >/dev/null || { echo "the user went"; return 1; }
}
check "dpkg -r removes the program and keeps the data, config and user" remove_keeps_data

purge_keeps_data() {
  dpkg -P storyweave || return 1
  ! getent passwd storyweave >/dev/null || { echo "the user is still there"; return 1; }
  [ ! -e "$conf" ] || { echo "the config file is still there"; return 1; }
  [ -f "$data/storyweave.db" ] || { echo "the purge deleted the data"; return 1; }
  [ "$(stat -c '%a %U' "$data")" = "700 root" ] || { echo "$data is $(stat -c '%a %U' "$data")"; return 1; }
  [ -z "$(find "$data" ! -user root)" ] || { echo "files in $data still belong to the old uid"; return 1; }
}
check "dpkg -P removes the user and config but never the data" purge_keeps_data

echo "  whole package test: $((SECONDS - start)) s"
write_trx
