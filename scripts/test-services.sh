#!/usr/bin/env bash
# Make real Redis, PostgreSQL and MariaDB servers answer on 127.0.0.1 for the
# test suite (`npm test` runs this before tsc and ava).
#
# - Reuses a server that already answers with the test credentials (fast path:
#   a second run only does three client round trips).
# - Otherwise starts our own instances with data under $CADRE_TEST_SERVICES_DIR
#   (default /tmp/cadre-test-services/{redis,pg,mysql}), without systemd: this
#   container has none and policy-rc.d forbids invoke-rc.d. Our own data dirs
#   keep us independent of the Debian clusters' state and configuration.
# - Installs the Debian packages first when a server is missing and we are root.
# - CADRE_TEST_PG_URL / CADRE_TEST_MYSQL_URL / CADRE_TEST_REDIS_URL point the
#   tests at existing servers: such a service is only checked, never started.
#
# Prints the URLs tests should use (stdout, `NAME=url` lines) and otherwise
# stays quiet on success. `bash scripts/test-services.sh stop` stops the
# instances this script started.
set -euo pipefail

# Tests assume exactly these when the env vars are unset.
PG_DEFAULT_URL='postgres://cadre:cadre@127.0.0.1:5432/postgres'
MYSQL_DEFAULT_URL='mysql://cadre:cadre@127.0.0.1:3306/mysql'
REDIS_DEFAULT_URL='redis://127.0.0.1:6379'

TIMEOUT=${CADRE_TEST_SERVICES_TIMEOUT:-60}
if [[ $(id -u) == 0 ]]; then IS_ROOT=1; else IS_ROOT=0; fi
# Non-root users get their own dir so they never fight over root-owned files.
BASE=${CADRE_TEST_SERVICES_DIR:-/tmp/cadre-test-services$([[ $IS_ROOT == 1 ]] || echo "-$(id -u)")}
# Server binaries live in sbin or version dirs that a user's PATH may lack.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

log() { echo "test-services: $*" >&2; }
die() { echo "test-services: ERROR: $*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
first_cmd() { local c; for c in "$@"; do have "$c" && { command -v "$c"; return 0; }; done; return 1; }

# Is something accepting TCP connections on host:port? (bash's /dev/tcp, no nc needed)
# shellcheck disable=SC2016 # $0/$1 expand in the inner bash
tcp_open() { timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" >/dev/null 2>&1; }

# Is the process from this pidfile alive and really the named program (pids get
# reused)? Zombies count as dead: this container's init reaps them only slowly.
pid_alive() {
  local pid stat
  [[ -s $1 ]] || return 1
  pid=$(head -n1 "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2"* ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# our_server_up PIDFILE COMM CHECK...: is our instance running? One that is
# still starting, or still shutting down after a stop, is waited for until it
# answers or exits, so a restart right after a stop does not race it.
our_server_up() {
  local pidfile=$1 comm=$2 deadline=$((SECONDS + TIMEOUT)); shift 2
  while pid_alive "$pidfile" "$comm"; do
    "$@" >/dev/null 2>&1 && return 0
    ((SECONDS < deadline)) || return 0 # the caller's wait_for then fails with the log
    sleep 0.3
  done
  return 1
}

# wait_for DESCRIPTION LOGFILE PID CMD...: poll CMD until it succeeds; on
# timeout, or as soon as PID (the server we just started, if any) has died,
# show the server's log tail so a failed start says why.
wait_for() {
  local what=$1 logfile=$2 pid=$3 deadline=$((SECONDS + TIMEOUT)) why; shift 3
  until "$@" >/dev/null 2>&1; do
    why=
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then why="exited"
    elif ((SECONDS >= deadline)); then why="did not answer within ${TIMEOUT}s"; fi
    if [[ -n $why ]]; then
      log "$what $why; last lines of $logfile:"
      tail -n 25 "$logfile" >&2 2>/dev/null || true
      exit 1
    fi
    sleep 0.3
  done
}

# parse_url URL -> U_USER U_PASS U_HOST U_PORT U_DB (percent-decoded), for the
# mysql client, which takes no URLs.
parse_url() {
  local re='^[A-Za-z0-9+.-]+://(([^:@/]*)(:([^@/]*))?@)?([^:/?]+)(:([0-9]+))?(/([^?]*))?'
  [[ $1 =~ $re ]] || die "cannot parse URL '$1'"
  U_USER=$(printf '%b' "${BASH_REMATCH[2]//%/\\x}")
  U_PASS=$(printf '%b' "${BASH_REMATCH[4]//%/\\x}")
  U_HOST=${BASH_REMATCH[5]} U_PORT=${BASH_REMATCH[7]} U_DB=${BASH_REMATCH[9]}
}

# ---- "answers with these credentials?" checks (also the fast path) ----------
# X_ok URL [loose]: log in with the client. Without the client, "loose" (used
# for user-given URLs only) settles for an open TCP port; our own defaults
# always need the client so the credentials really get checked.
redis_ok() {
  if have redis-cli; then [[ $(redis-cli -u "$1" ping 2>/dev/null) == PONG ]]
  else [[ ${2:-} == loose ]] && parse_url "$1" && tcp_open "$U_HOST" "${U_PORT:-6379}"; fi
}
pg_ok() {
  if have psql; then PGCONNECT_TIMEOUT=5 psql -X -w -q -At -d "$1" -c 'select 1' </dev/null >/dev/null 2>&1
  else [[ ${2:-} == loose ]] && parse_url "$1" && tcp_open "$U_HOST" "${U_PORT:-5432}"; fi
}
mysql_ok() {
  local client
  parse_url "$1"
  if client=$(first_cmd mariadb mysql); then
    # --no-defaults: /etc/mysql's [client] socket/user must not leak in.
    "$client" --no-defaults --protocol=TCP --connect-timeout=5 -h "$U_HOST" -P "${U_PORT:-3306}" \
      -u "$U_USER" --password="$U_PASS" -N -e 'select 1' "${U_DB:-mysql}" </dev/null >/dev/null 2>&1
  else [[ ${2:-} == loose ]] && tcp_open "$U_HOST" "${U_PORT:-3306}"; fi
}

# ---- stop subcommand -----------------------------------------------------------
if [[ ${1:-} == stop ]]; then
  for f in "$BASE/redis/redis.pid:redis-server" "$BASE/mysql/mysqld.pid:mariadbd" "$BASE/pg/data/postmaster.pid:postgres"; do
    # SIGINT is PostgreSQL's fast shutdown; SIGTERM is the clean one for the others.
    sig=TERM; [[ ${f##*:} == postgres ]] && sig=INT
    if pid_alive "${f%%:*}" "${f##*:}"; then kill -s "$sig" "$(head -n1 "${f%%:*}")" && log "stopped ${f##*:}"; fi
  done
  exit 0
fi

# ---- fast path: what answers already? ---------------------------------------------
PG_URL=${CADRE_TEST_PG_URL:-$PG_DEFAULT_URL}
MYSQL_URL=${CADRE_TEST_MYSQL_URL:-$MYSQL_DEFAULT_URL}
REDIS_URL=${CADRE_TEST_REDIS_URL:-$REDIS_DEFAULT_URL}
todo=()
pg_ok "$PG_URL" ${CADRE_TEST_PG_URL:+loose} || todo+=(pg)
mysql_ok "$MYSQL_URL" ${CADRE_TEST_MYSQL_URL:+loose} || todo+=(mysql)
redis_ok "$REDIS_URL" ${CADRE_TEST_REDIS_URL:+loose} || todo+=(redis)

print_urls() {
  printf 'CADRE_TEST_PG_URL=%s\nCADRE_TEST_MYSQL_URL=%s\nCADRE_TEST_REDIS_URL=%s\n' "$PG_URL" "$MYSQL_URL" "$REDIS_URL"
}
if ((${#todo[@]} == 0)); then print_urls; exit 0; fi

# Overridden services are the user's: we never start them, so failing here is final.
for s in "${todo[@]}"; do
  case $s in
    pg) [[ -z ${CADRE_TEST_PG_URL:-} ]] || die "CADRE_TEST_PG_URL=$PG_URL does not answer (psql select 1 failed)";;
    mysql) [[ -z ${CADRE_TEST_MYSQL_URL:-} ]] || die "CADRE_TEST_MYSQL_URL=$MYSQL_URL does not answer (select 1 failed)";;
    redis) [[ -z ${CADRE_TEST_REDIS_URL:-} ]] || die "CADRE_TEST_REDIS_URL=$REDIS_URL does not answer PING";;
  esac
done

mkdir -p "$BASE"
chmod 755 "$BASE"
# Two concurrent `npm test` runs must not both initdb/start the same instance.
exec 9>"$BASE/.lock"
flock -w 300 9 || die "timed out waiting for lock $BASE/.lock"

# ---- install what is missing ------------------------------------------------------
pg_bindir() {
  local d
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1) || true # newest major
  if [[ -n $d && -x $d/initdb && -x $d/pg_ctl ]]; then echo "$d"
  elif have initdb && have pg_ctl; then dirname "$(command -v initdb)"
  else return 1; fi
}
missing=()
for s in "${todo[@]}"; do
  case $s in
    pg) { pg_bindir >/dev/null && have psql; } || missing+=(postgresql);;
    mysql) { first_cmd mariadbd mysqld && first_cmd mariadb-install-db mysql_install_db &&
             first_cmd mariadb mysql && first_cmd mariadb-admin mysqladmin; } >/dev/null || missing+=(mariadb-server);;
    redis) { have redis-server && have redis-cli; } || missing+=(redis-server);;
  esac
done
if ((${#missing[@]})); then
  if [[ $IS_ROOT != 1 ]]; then
    die "missing ${missing[*]} and not root, so cannot apt-get install them. Install them, or point
the tests at existing servers by setting (user needs CREATEDB / ALL PRIVILEGES):
  CADRE_TEST_PG_URL     (default $PG_DEFAULT_URL)
  CADRE_TEST_MYSQL_URL  (default $MYSQL_DEFAULT_URL)
  CADRE_TEST_REDIS_URL  (default $REDIS_DEFAULT_URL)"
  fi
  log "installing ${missing[*]} (apt log: $BASE/apt.log)"
  # A failed update is not fatal by itself: older package lists may do.
  { apt-get update || true; DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"; } \
    </dev/null >"$BASE/apt.log" 2>&1 9>&- || { tail -n 30 "$BASE/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
fi

# clean_exec CMD...: exec CMD in its own session with every fd above 2 closed.
# Servers outlive this script; any fd they inherited would stay open as long
# as they run: our lock (fd 9) would block later runs, and a pipe from a caller
# (CI's `npm test | tee`, a harness) would never see EOF. Call it in a subshell
# with stdin/stdout/stderr already redirected.
clean_exec() {
  local fd
  for fd in "/proc/$BASHPID/fd/"*; do
    fd=${fd##*/}
    if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  exec setsid -w "$@" # -w: if setsid must fork, still wait and pass on the exit code
}

# Run a command as the service's OS user: root must drop privileges (postgres
# refuses to run as root); a non-root user runs everything as itself.
as_user() { local u=$1; shift; if [[ $IS_ROOT == 1 ]]; then runuser -u "$u" -- "$@"; else "$@"; fi; }
own_dir() { mkdir -p "$2"; if [[ $IS_ROOT == 1 ]]; then chown "$1:" "$2"; fi; chmod 700 "$2"; }

# ---- PostgreSQL ------------------------------------------------------------------
PG_BOOTSTRAP_SQL="DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cadre') THEN CREATE ROLE cadre;
  END IF;
  ALTER ROLE cadre LOGIN CREATEDB PASSWORD 'cadre';
END\$\$;"

start_pg() {
  local bin dir=$BASE/pg data=$BASE/pg/data logf=$BASE/pg/postgres.log major
  bin=$(pg_bindir)
  major=$("$bin/pg_ctl" --version | awk '{split($3, v, "."); print v[1]}') # "pg_ctl (PostgreSQL) 15.18 ..."
  if ! our_server_up "$data/postmaster.pid" postgres "$bin/pg_isready" -q -h "$dir" -p 5432 -U postgres -d postgres; then
    if tcp_open 127.0.0.1 5432; then
      # Not ours (e.g. the Debian cluster started by systemd): as root, try to
      # add our role through its default unix socket, else give up clearly.
      if [[ $IS_ROOT == 1 ]] && runuser -u postgres -- psql -X -q -p 5432 -d postgres -c "$PG_BOOTSTRAP_SQL" </dev/null >/dev/null 2>&1 &&
         pg_ok "$PG_URL"; then log "PostgreSQL ready (not ours: already on 5432)"; return 0; fi
      die "a server on 127.0.0.1:5432 rejects $PG_URL; stop it, create role cadre (password cadre, CREATEDB), or set CADRE_TEST_PG_URL"
    fi
    own_dir postgres "$dir"
    # Test data only: a data dir from another major version, or whose initdb
    # did not finish (no marker), is simply recreated.
    if [[ $(cat "$dir/initdb.done" 2>/dev/null) != "$major" ]]; then
      rm -rf "$data"
      # Explicit UTF8 locale: the container's LANG may be unset (=> SQL_ASCII).
      # trust on the unix socket is safe: it sits in a 0700 dir of the db user.
      as_user postgres "$bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 ||
        { tail -n 30 "$dir/initdb.log" >&2; die "initdb failed"; }
      echo "include_if_exists 'cadre.conf'" >>"$data/postgresql.conf"
      echo "$major" >"$dir/initdb.done"
    fi
    # A killed postmaster leaves lock files naming its pid. PostgreSQL treats
    # any live pid there as a running server, and here zombies linger (init
    # reaps late), so drop locks whose process is not a live postgres.
    rm -f "$data/postmaster.pid" "$dir/.s.PGSQL.5432.lock" "$dir/.s.PGSQL.5432"
    # Rewritten each start so a changed script applies to an existing data dir.
    # fsync off: disposable test data, and it makes create/drop database fast.
    cat >"$data/cadre.conf" <<EOF
listen_addresses = '127.0.0.1'
port = 5432
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    if [[ $IS_ROOT == 1 ]]; then chown postgres: "$data/cadre.conf"; fi
    # Own session: the postmaster must outlive npm and not get ^C meant for the tests.
    local as_pg=(); if [[ $IS_ROOT == 1 ]]; then as_pg=(runuser -u postgres --); fi
    (clean_exec "${as_pg[@]}" "$bin/pg_ctl" start -D "$data" -l "$logf" -w -t "$TIMEOUT") </dev/null >/dev/null 2>&1 ||
      { tail -n 25 "$logf" >&2; die "PostgreSQL did not start (log: $logf)"; }
  fi
  wait_for PostgreSQL "$logf" "" "$bin/pg_isready" -q -h "$dir" -p 5432 -U postgres -d postgres
  psql -X -q -h "$dir" -p 5432 -U postgres -d postgres -c "$PG_BOOTSTRAP_SQL" </dev/null >/dev/null ||
    die "could not create role cadre in PostgreSQL"
  pg_ok "$PG_URL" || die "PostgreSQL runs but $PG_URL does not work"
  log "PostgreSQL ready (data $data)"
}

# ---- MariaDB ----------------------------------------------------------------------
MYSQL_BOOTSTRAP_SQL="
CREATE USER IF NOT EXISTS 'cadre'@'127.0.0.1' IDENTIFIED BY 'cadre';
CREATE USER IF NOT EXISTS 'cadre'@'localhost' IDENTIFIED BY 'cadre';
ALTER USER 'cadre'@'127.0.0.1' IDENTIFIED BY 'cadre';
ALTER USER 'cadre'@'localhost' IDENTIFIED BY 'cadre';
GRANT ALL PRIVILEGES ON *.* TO 'cadre'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'cadre'@'localhost';"

start_mysql() {
  local dir=$BASE/mysql data=$BASE/mysql/data sock=$BASE/mysql/mysqld.sock logf=$BASE/mysql/mysqld.log
  local server installdb client admin run_user os_user user_opt=() pid=
  server=$(first_cmd mariadbd mysqld); installdb=$(first_cmd mariadb-install-db mysql_install_db)
  client=$(first_cmd mariadb mysql); admin=$(first_cmd mariadb-admin mysqladmin)
  # MariaDB's root@localhost authenticates by unix socket as the OS user, so
  # the admin account is root for root and the installing user otherwise.
  if [[ $IS_ROOT == 1 ]]; then run_user=mysql os_user=root user_opt=(--user=mysql)
  else run_user=$(id -un) os_user=$run_user; fi
  if ! our_server_up "$dir/mysqld.pid" "$(basename "$server")" "$admin" --defaults-file="$dir/my.cnf" ping; then
    if tcp_open 127.0.0.1 3306; then
      if [[ $IS_ROOT == 1 ]] && "$client" -uroot -e "$MYSQL_BOOTSTRAP_SQL" </dev/null >/dev/null 2>&1 &&
         mysql_ok "$MYSQL_URL"; then log "MariaDB ready (not ours: already on 3306)"; return 0; fi
      die "a server on 127.0.0.1:3306 rejects $MYSQL_URL; stop it, create user cadre (password cadre, ALL PRIVILEGES), or set CADRE_TEST_MYSQL_URL"
    fi
    own_dir "$run_user" "$dir"
    # Own config file (not /etc/mysql): only loopback, our paths, and Debian's
    # utf8mb4 default (MariaDB 10.11's built-in default is latin1).
    cat >"$dir/my.cnf" <<EOF
[mysqld]
datadir = $data
socket = $sock
pid-file = $dir/mysqld.pid
log-error = $logf
port = 3306
bind-address = 127.0.0.1
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
innodb-flush-log-at-trx-commit = 2
[client]
socket = $sock
user = $os_user
EOF
    # The marker tells a finished install from one that was interrupted.
    if [[ ! -e $dir/install-db.done ]]; then
      rm -rf "$data"
      "$installdb" --defaults-file="$dir/my.cnf" "${user_opt[@]}" --auth-root-authentication-method=socket \
        --auth-root-socket-user="$os_user" --skip-test-db >"$dir/install-db.log" 2>&1 ||
        { tail -n 30 "$dir/install-db.log" >&2; die "mariadb-install-db failed"; }
      touch "$dir/install-db.done"
    fi
    (clean_exec "$server" --defaults-file="$dir/my.cnf" "${user_opt[@]}") </dev/null >>"$logf" 2>&1 &
    pid=$!
  fi
  wait_for MariaDB "$logf" "$pid" "$admin" --defaults-file="$dir/my.cnf" ping
  "$client" --defaults-file="$dir/my.cnf" -e "$MYSQL_BOOTSTRAP_SQL" </dev/null ||
    die "could not create user cadre in MariaDB"
  mysql_ok "$MYSQL_URL" || die "MariaDB runs but $MYSQL_URL does not work"
  log "MariaDB ready (data $data)"
}

# ---- Redis ------------------------------------------------------------------------
start_redis() {
  local dir=$BASE/redis logf=$BASE/redis/redis.log pid=
  if ! our_server_up "$dir/redis.pid" redis-server redis_ok "$REDIS_URL"; then
    if tcp_open 127.0.0.1 6379; then
      # Not ours, e.g. Debian's redis started by the package install: fine if it answers.
      if redis_ok "$REDIS_URL"; then log "Redis ready (not ours: already on 6379)"; return 0; fi
      die "a server on 127.0.0.1:6379 does not answer PING without a password; stop it or set CADRE_TEST_REDIS_URL"
    fi
    mkdir -p "$dir"
    # No persistence: tests flush what they need.
    (clean_exec redis-server --bind 127.0.0.1 --port 6379 --dir "$dir" --pidfile "$dir/redis.pid" \
      --daemonize no --save '' --appendonly no) </dev/null >>"$logf" 2>&1 &
    pid=$!
  fi
  wait_for Redis "$logf" "$pid" redis_ok "$REDIS_URL"
  log "Redis ready"
}

for s in "${todo[@]}"; do "start_$s"; done
print_urls
