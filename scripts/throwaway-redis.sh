# Sourced by test.sh: starts a throwaway redis-server (Debian package redis-server) in a temporary folder on a free
# loopback port, with no persistence, stops it and deletes the folder when the calling script exits, and sets
#   redis  its address for StackExchange.Redis (e.g. 127.0.0.1:56379), which test.sh passes as STORYWEAVE_TEST_REDIS.
# Needs: fail() from the caller. Chains onto an EXIT trap already set (throwaway-postgres.sh sets one).
redisdir=$(mktemp -d /tmp/storyweave-redis.XXXXXX)
redisport=56379
while (echo >"/dev/tcp/127.0.0.1/$redisport") 2>/dev/null; do redisport=$((redisport + 1)); done
redis-server --bind 127.0.0.1 --port "$redisport" --dir "$redisdir" --save '' --appendonly no \
  --daemonize yes --pidfile "$redisdir/redis.pid" --logfile "$redisdir/redis.log" \
  || fail "redis-server did not start"
for _ in $(seq 1 50); do [ -s "$redisdir/redis.pid" ] && redis-cli -p "$redisport" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$redisport" ping >/dev/null 2>&1 || { cat "$redisdir/redis.log"; fail "redis-server does not answer"; }
redis_cleanup() { [ -s "$redisdir/redis.pid" ] && kill "$(cat "$redisdir/redis.pid")" 2>/dev/null; rm -rf "$redisdir"; }
previous_trap=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
# shellcheck disable=SC2064
trap "redis_cleanup; ${previous_trap:-:}" EXIT
redis="127.0.0.1:$redisport"
