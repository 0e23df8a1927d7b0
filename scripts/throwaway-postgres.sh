# Sourced by test.sh and bench/run-all.sh: starts a throwaway PostgreSQL cluster in a temporary
# folder on a free port, stops and deletes it when the calling script exits, and sets
#   pg  a connection string for it (user storyweave, database postgres).
# Durability is off (fsync, synchronous_commit, full_page_writes): the cluster lives for one run.
# Extra server settings can be passed in PG_EXTRA (e.g. "-c shared_buffers=2GB").
# Needs: fail() from the caller.
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgdir=$(mktemp -d /tmp/storyweave-pg.XXXXXX)
port=55432
while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$pgdir"
as_pg "$pgbin/initdb" -D "$pgdir/data" -U storyweave --auth=trust -E UTF8 --locale=C.UTF-8 >"$pgdir/initdb.log" 2>&1 \
  || { cat "$pgdir/initdb.log"; fail "initdb failed"; }
as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
  -o "-p $port -k $pgdir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${PG_EXTRA:-}" start >/dev/null \
  || { cat "$pgdir/server.log"; fail "PostgreSQL did not start"; }
cleanup() { as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$pgdir"; }
trap cleanup EXIT
pg="Host=127.0.0.1;Port=$port;Username=storyweave;Database=postgres;Pooling=true;Maximum Pool Size=20"
