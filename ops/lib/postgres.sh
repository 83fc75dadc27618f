# Provisioning of PostgreSQL for ops/run and .ci/run. Prints a connection string on stdout.

pg_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r) ; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

# Installs Debian's PostgreSQL server when it is missing and we may (root with apt-get).
ensure_pg_binaries() {
  pg_bin >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing PostgreSQL (Debian packages)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    pg_bin >/dev/null && return 0
  fi
  echo "PostgreSQL binaries (initdb, pg_ctl) are needed: install postgresql, or set ConnectionStrings__CaseTracker." >&2
  return 1
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# The cluster lives in .data/pg (git-ignored). When this runs as root in a folder the postgres
# user cannot enter (a private clone), the cluster lives under /var/tmp and .data/pg links to it.
cluster_folder() {
  local data="$root/.data/pg"
  mkdir -p "$root/.data"
  if [ "$(id -u)" = 0 ] && [ ! -e "$data" ] && ! runuser -u postgres -- test -x "$root/.data"; then
    local outside="/var/tmp/casetracker-$(printf '%s' "$root" | sha1sum | cut -c1-12)/pg"
    mkdir -p "$outside"
    chown -R postgres "$(dirname "$outside")"
    ln -s "$outside" "$data"
  fi
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown postgres "$(readlink -f "$data")"
  chmod 700 "$(readlink -f "$data")"
  readlink -f "$data"
}

docker_answers() {
  command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
}

provision_postgres() {
  if docker_answers; then
    echo "==> starting PostgreSQL with Docker Compose" >&2
    docker compose up -d --wait postgres >&2
    echo "Host=127.0.0.1;Port=55432;Database=casetracker;Username=postgres;Password=postgres"
    return 0
  fi

  ensure_pg_binaries
  local bin data port=${CASETRACKER_PG_PORT:-55432}
  bin="$(pg_bin)"
  data="$(cluster_folder)"
  if [ ! -f "$data/PG_VERSION" ]; then
    echo "==> creating a local PostgreSQL cluster in $data" >&2
    as_pg "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 >/dev/null
  fi
  if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "==> starting the local PostgreSQL cluster on port $port" >&2
    as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
      -o "-p $port -k $data -c listen_addresses=127.0.0.1" start >&2
  fi
  as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "select 1 from pg_database where datname = 'casetracker'" | grep -q 1 \
    || as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres casetracker
  local_connection_string
}

# The database of the local cluster, on CASETRACKER_PG_PORT (55432 unless moved).
local_connection_string() {
  echo "Host=127.0.0.1;Port=${CASETRACKER_PG_PORT:-55432};Database=casetracker;Username=postgres"
}

# The PostgreSQL provision_postgres starts, when it is running: the compose service or the local cluster.
postgres_running() {
  if docker_answers; then
    [ -n "$(docker compose ps --status running -q postgres 2>/dev/null)" ]
    return
  fi
  local bin data="$root/.data/pg"
  bin="$(pg_bin)" || return 1
  [ -f "$data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$(readlink -f "$data")" status >/dev/null 2>&1
}

stop_postgres() {
  if docker_answers; then
    echo "==> stopping the PostgreSQL compose service" >&2
    docker compose stop postgres >&2
    return
  fi
  postgres_running || return 0
  echo "==> stopping the local PostgreSQL cluster" >&2
  as_pg "$(pg_bin)/pg_ctl" -D "$(readlink -f "$root/.data/pg")" -m fast -w stop >/dev/null
}
