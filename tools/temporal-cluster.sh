#!/usr/bin/env bash
# Runs Temporal the way a production cluster does, on this machine: the real server (v1.29.1)
# on PostgreSQL, with the frontend, history, matching and worker services each in its own
# process, and 4 history shards. Everything listens on 127.0.0.1.
#
#   ./temporal-cluster.sh [start]        build the server once, then start (or reuse) PostgreSQL and
#                                        every service that is not running, and wait until they answer
#   ./temporal-cluster.sh stop [NAME]    stop every service and PostgreSQL (or only NAME)
#   ./temporal-cluster.sh kill NAME      SIGKILL one service (postgres: an immediate shutdown);
#                                        for fault drills, 'start' brings it back
#   ./temporal-cluster.sh status         say what runs; exit 0 only when all of it does
#   ./temporal-cluster.sh reset          stop everything and delete the cluster's data
#   ./temporal-cluster.sh server         print the folder of the built server and SQL tool
#
# NAME is one of frontend, history, matching, worker, postgres.
#
# Ports (P is TEMPORAL_CLUSTER_PORT, M TEMPORAL_CLUSTER_MEMBERSHIP_PORT):
#                                          gRPC   membership   metrics (/metrics)   pprof (/debug/pprof)
#   frontend (what clients connect to)     P      M            P+20                 P+30
#   history                                P+1    M+1          P+21                 P+31
#   matching                               P+2    M+2          P+22                 P+32
#   worker                                 P+3    M+3          P+23                 P+33
#   PostgreSQL                             TEMPORAL_CLUSTER_PG_PORT
#
# Settings (environment):
#   TEMPORAL_CLUSTER_PORT          frontend gRPC port (47233); the others follow from it
#   TEMPORAL_CLUSTER_MEMBERSHIP_PORT  first membership (ringpop) port (26933); below 32768,
#                                  since the server stores it as a 16-bit signed number
#   TEMPORAL_CLUSTER_PG_PORT       PostgreSQL port (55432)
#   TEMPORAL_CLUSTER_DATA_DIR      configuration, logs, pid files and PostgreSQL's data (.data/cluster)
#   TEMPORAL_CLUSTER_SHARDS        history shards, fixed when the database is created (4)
#   TEMPORAL_CLUSTER_RETENTION     retention of closed workflows in the namespace (72h)
#   TEMPORAL_NAMESPACE             namespace to create (default)
#   TEMPORAL_CLUSTER_START_TIMEOUT seconds to wait for the services to answer (180)
#   TEMPORAL_SERVER_VERSION        server version to build (1.29.1)
#   TEMPORAL_CLUSTER_PG_BIN        folder holding PostgreSQL's initdb and pg_ctl (found if unset)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${TEMPORAL_CLUSTER_PORT:-47233}"
membership_base="${TEMPORAL_CLUSTER_MEMBERSHIP_PORT:-26933}"
pg_port="${TEMPORAL_CLUSTER_PG_PORT:-55432}"
data_dir="${TEMPORAL_CLUSTER_DATA_DIR:-$here/.data/cluster}"
shards="${TEMPORAL_CLUSTER_SHARDS:-4}"
retention="${TEMPORAL_CLUSTER_RETENTION:-72h}"
namespace="${TEMPORAL_NAMESPACE:-default}"
start_timeout="${TEMPORAL_CLUSTER_START_TIMEOUT:-180}"
server_version="${TEMPORAL_SERVER_VERSION:-1.29.1}"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/durable-callbacks"
cache_dir="$cache_root/temporal-server-$server_version"
server_bin="$cache_dir/temporal-server"
sql_tool="$cache_dir/temporal-sql-tool"
schema_dir="$cache_dir/schema/postgresql/v12"
config_dir="$data_dir/config"
password_file="$data_dir/postgres.password"

# The services in the order they start; they find each other through the membership ring.
services=(history matching frontend worker)
# The database user the services connect as (the owner of both databases).
pg_user=temporal

say() { printf '[temporal-cluster] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

service_index() {
  case "$1" in
    frontend) echo 0 ;; history) echo 1 ;; matching) echo 2 ;; worker) echo 3 ;;
    *) return 1 ;;
  esac
}
grpc_port() { echo $((port + $(service_index "$1"))); }
membership_port() { echo $((membership_base + $(service_index "$1"))); }
metrics_port() { echo $((port + 20 + $(service_index "$1"))); }
pprof_port() { echo $((port + 30 + $(service_index "$1"))); }

# --- the server and its SQL tool, built once per version --------------------------------------

server_works() { [ -x "$server_bin" ] && [ -x "$sql_tool" ] && [ -f "$schema_dir/temporal/schema.sql" ] && "$server_bin" --version >/dev/null 2>&1; }

build_server() {
  command -v go >/dev/null 2>&1 ||
    die "Go is needed to build the Temporal server v$server_version (there is no download of it to fall back on): install Go 1.25 or newer (https://go.dev/dl/), then run again"
  say "building the Temporal server v$server_version and temporal-sql-tool with 'go install' into $cache_dir"
  say "(first time only; this takes several minutes on 2 cores)"
  mkdir -p "$cache_root"
  local tmp_bin started=$SECONDS status=0
  tmp_bin="$(mktemp -d "$cache_root/build-server.XXXXXX")"
  # A heartbeat so a long first build never looks like a hang.
  ( while sleep 30; do say "still building... $((SECONDS - started))s"; done ) &
  local ticker=$!
  GOBIN="$tmp_bin" GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
    go install "go.temporal.io/server/cmd/server@v$server_version" \
    "go.temporal.io/server/cmd/tools/sql@v$server_version" >"$tmp_bin/build.log" 2>&1 || status=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    say "go install failed (exit $status); last lines of its output:"
    tail -n 20 "$tmp_bin/build.log" >&2 || true
    rm -rf "$tmp_bin"
    die "could not build the Temporal server v$server_version"
  fi
  # The schema files ship inside the server module, which go install just put in the module cache.
  local module_dir
  module_dir="$(go list -m -f '{{.Dir}}' "go.temporal.io/server@v$server_version" 2>/dev/null)" ||
    module_dir="$(go env GOMODCACHE)/go.temporal.io/server@v$server_version"
  [ -f "$module_dir/schema/postgresql/v12/temporal/schema.sql" ] || die "the PostgreSQL schema is not in $module_dir/schema/postgresql/v12"
  mkdir -p "$tmp_bin/schema/postgresql"
  cp -R "$module_dir/schema/postgresql/v12" "$tmp_bin/schema/postgresql/"
  chmod -R u+w "$tmp_bin/schema"
  rm -rf "$cache_dir"
  mkdir -p "$cache_dir"
  mv "$tmp_bin/server" "$server_bin"
  mv "$tmp_bin/sql" "$sql_tool"
  mv "$tmp_bin/schema" "$cache_dir/schema"
  rm -rf "$tmp_bin"
  say "built in $((SECONDS - started))s"
}

ensure_server() {
  server_works && return 0
  mkdir -p "$cache_root"
  # One installer at a time: a second caller waits, then finds the first one's result.
  exec 8>"$cache_root/install-server-$server_version.lock"
  flock 8
  server_works || build_server
  flock -u 8
  server_works || die "the server built into $cache_dir does not run"
}

# The Temporal CLI that temporal-dev.sh installs, for health checks and the namespace.
find_cli() {
  local cli
  cli="$(bash "$here/temporal-dev.sh" cli 2>/dev/null)" && [ -x "$cli" ] || die "no Temporal CLI: run './temporal-dev.sh cli' to see why"
  echo "$cli"
}

# --- PostgreSQL ---------------------------------------------------------------------------------

pg_bin=""
# Finds PostgreSQL's programs; with "install", installs Debian's package when they are missing.
find_postgres() {
  local candidate
  for candidate in "${TEMPORAL_CLUSTER_PG_BIN:-}" "$(dirname "$(readlink -f "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)")")" \
    $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -n "$candidate" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
      pg_bin="$(cd "$candidate" && pwd -P)"
      return 0
    fi
  done
  [ -n "${TEMPORAL_CLUSTER_PG_BIN:-}" ] && die "TEMPORAL_CLUSTER_PG_BIN=$TEMPORAL_CLUSTER_PG_BIN holds no initdb and pg_ctl"
  [ "${1:-}" = install ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 ||
    die "PostgreSQL's initdb and pg_ctl were not found; install PostgreSQL 12 or newer (Debian: apt-get install postgresql-15) or set TEMPORAL_CLUSTER_PG_BIN"
  say "PostgreSQL's initdb and pg_ctl were not found; installing Debian's postgresql-15"
  apt-get update -qq >&2 && apt-get install -y -qq postgresql-15 >&2 || die "apt-get install postgresql-15 failed"
  find_postgres
}

# PostgreSQL refuses to run as root: as root, it runs as the system user 'postgres'.
pg_os_user=""
as_pg() {
  if [ -n "$pg_os_user" ]; then runuser -u "$pg_os_user" -- "$@"; else "$@"; fi
}
choose_pg_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id -u postgres >/dev/null 2>&1; then
    say "creating the system user 'postgres' to run PostgreSQL (it refuses to run as root)"
    useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home --shell /usr/sbin/nologin postgres ||
      die "could not create the system user 'postgres'"
  fi
  pg_os_user=postgres
}

# Where PostgreSQL keeps its files: in the data folder when its user can reach it (as root in a
# home folder it cannot), else in a folder of its own under /var/tmp named after the data folder.
pg_data=""
pg_log=""
choose_pg_data() {
  if [ -n "$pg_os_user" ] && ! runuser -u "$pg_os_user" -- test -x "$data_dir" 2>/dev/null; then
    pg_data="/var/tmp/durable-callbacks-pg-$(printf '%s' "$data_dir" | cksum | cut -d' ' -f1)"
    pg_log="$pg_data.log"
  else
    pg_data="$data_dir/postgres"
    pg_log="$data_dir/postgres.log"
  fi
}

pg_running() { [ -f "$pg_data/PG_VERSION" ] && as_pg "$pg_bin/pg_ctl" status -D "$pg_data" >/dev/null 2>&1; }
pg_pid() { pg_running && head -n 1 "$pg_data/postmaster.pid"; }

init_postgres() {
  [ -f "$pg_data/PG_VERSION" ] && return 0
  say "creating a PostgreSQL data folder in $pg_data"
  [ -f "$password_file" ] || (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$password_file")
  mkdir -p "$pg_data"
  chmod 700 "$pg_data"
  local pwfile="$pg_data.pw"
  (umask 077 && cp "$password_file" "$pwfile")
  if [ -n "$pg_os_user" ]; then chown "$pg_os_user" "$pg_data" "$pwfile"; fi
  local status=0
  as_pg "$pg_bin/initdb" -D "$pg_data" -U "$pg_user" --pwfile="$pwfile" --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$data_dir/initdb.log" 2>&1 || status=$?
  rm -f "$pwfile"
  if [ "$status" -ne 0 ]; then
    tail -n 20 "$data_dir/initdb.log" >&2 || true
    rm -rf "$pg_data"
    die "initdb failed (exit $status)"
  fi
  # Four services with pools for two databases, plus the SQL tool: more than the default 100.
  # fsync and synchronous_commit stay at their defaults: a committed write is on disk.
  as_pg tee -a "$pg_data/postgresql.conf" >/dev/null <<EOF

# durable-callbacks: temporal-cluster.sh
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_data'
max_connections = 200
EOF
}

start_postgres() {
  if pg_running; then
    say "PostgreSQL already runs (pid $(pg_pid), 127.0.0.1:$pg_port)"
    return 0
  fi
  port_taken "$pg_port" && die "port $pg_port is taken by something else; set TEMPORAL_CLUSTER_PG_PORT to a free port"
  say "starting PostgreSQL on 127.0.0.1:$pg_port (data in $pg_data)"
  touch "$pg_log"
  if [ -n "$pg_os_user" ]; then chown "$pg_os_user" "$pg_log"; fi
  # 8>&- 9>&-: the server must not inherit (and hold on to) this script's locks.
  if ! as_pg "$pg_bin/pg_ctl" start -D "$pg_data" -l "$pg_log" -w -t 60 -o "-p $pg_port" >/dev/null 8>&- 9>&-; then
    say "PostgreSQL did not start; last lines of $pg_log:"
    tail -n 20 "$pg_log" >&2 || true
    exit 1
  fi
}

stop_postgres() {
  local mode="${1:-fast}"
  if ! pg_running; then
    say "PostgreSQL is not running"
    return 0
  fi
  say "stopping PostgreSQL (pid $(pg_pid), $mode shutdown)"
  as_pg "$pg_bin/pg_ctl" stop -D "$pg_data" -m "$mode" -w -t 60 >/dev/null || true
}

# --- the schema ---------------------------------------------------------------------------------

sql() {
  SQL_PASSWORD="$(cat "$password_file")" "$sql_tool" --plugin postgres12 --endpoint 127.0.0.1 --port "$pg_port" \
    --user "$pg_user" --database "$1" "${@:2}"
}

# Creates both databases and brings their schemas to the version this server needs
# (update-schema is a no-op on a current schema, and upgrades one made by an older server).
setup_schema() {
  local db dir out
  for db in temporal temporal_visibility; do
    dir="$schema_dir/temporal"
    [ "$db" = temporal_visibility ] && dir="$schema_dir/visibility"
    if [ ! -f "$data_dir/schema-$db.created" ]; then
      say "creating the database $db and its schema"
      if ! out="$(sql "$db" create-database 2>&1)"; then
        case "$out" in *"already exists"*) ;; *) printf '%s\n' "$out" >&2; die "could not create the database $db" ;; esac
      fi
      sql "$db" setup-schema -v 0.0 >>"$data_dir/schema.log" 2>&1 || { tail -n 20 "$data_dir/schema.log" >&2; die "setup-schema failed on $db"; }
      touch "$data_dir/schema-$db.created"
    fi
    sql "$db" update-schema -d "$dir/versioned" >>"$data_dir/schema.log" 2>&1 || { tail -n 20 "$data_dir/schema.log" >&2; die "update-schema failed on $db"; }
  done
}

# --- the server's configuration -----------------------------------------------------------------

# One file per service: the same cluster, each with its own metrics port (the server reads
# base.yaml, then <env>.yaml, so each service is started with --env <service>).
write_config() {
  mkdir -p "$config_dir"
  local password
  password="$(cat "$password_file")"
  (umask 077 && cat >"$config_dir/base.yaml") <<EOF
# Written by temporal-cluster.sh on every start; edit the script, not this file.
log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: $shards
  datastores:
    postgres-default:
      sql:
        pluginName: postgres12
        databaseName: temporal
        connectAddr: "127.0.0.1:$pg_port"
        connectProtocol: tcp
        user: $pg_user
        password: "$password"
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
    postgres-visibility:
      sql:
        pluginName: postgres12
        databaseName: temporal_visibility
        connectAddr: "127.0.0.1:$pg_port"
        connectProtocol: tcp
        user: $pg_user
        password: "$password"
        maxConns: 5
        maxIdleConns: 5
        maxConnLifetime: 1h

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1

services:
EOF
  local service
  for service in frontend history matching worker; do
    cat >>"$config_dir/base.yaml" <<EOF
  $service:
    rpc:
      grpcPort: $(grpc_port "$service")
      membershipPort: $(membership_port "$service")
      bindOnIP: 127.0.0.1
EOF
  done
  cat >>"$config_dir/base.yaml" <<EOF

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:$port"

dcRedirectionPolicy:
  policy: noop

dynamicConfigClient:
  filepath: "$config_dir/dynamicconfig.yaml"
  pollInterval: 10s
EOF
  for service in frontend history matching worker; do
    cat >"$config_dir/$service.yaml" <<EOF
# Written by temporal-cluster.sh: what only the $service process has of its own.
global:
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: "127.0.0.1:$(metrics_port "$service")"
  # Go's profiler on loopback: what the cluster benchmark reads to say where a service spends its CPU.
  pprof:
    host: 127.0.0.1
    port: $(pprof_port "$service")
EOF
  done
  # The server's defaults, as a production cluster runs them. What this project's workflows
  # need is on by default in v1.29: updates, update-with-start (ExecuteMultiOperation), and
  # custom search attributes on SQL visibility. The limits that bound callbacks are listed
  # here at their defaults, so an operator sees where to change them.
  cat >"$config_dir/dynamicconfig.yaml" <<'EOF'
# Written by temporal-cluster.sh. Every value here is the server's default, spelled out.
# Signals (callback deliveries) one workflow run may receive.
history.maximumSignalsPerExecution:
  - value: 10000
# Updates (deliveries with Prefer: wait) one workflow run may receive, and have in flight.
history.maxTotalUpdates:
  - value: 2000
history.maxInFlightUpdates:
  - value: 10
# A run's history: events and bytes at which it is terminated.
limit.historyCount.error:
  - value: 51200
limit.historySize.error:
  - value: 52428800
# One payload (a callback's body), at which the call is refused.
limit.blobSize.error:
  - value: 2097152
EOF
}

# --- the services -------------------------------------------------------------------------------

pid_file() { echo "$data_dir/$1.pid"; }
log_file() { echo "$data_dir/$1.log"; }

# The pid of service $1 if the process started by this script for this data folder still runs.
service_pid() {
  local file pid
  file="$(pid_file "$1")"
  [ -f "$file" ] || return 1
  pid="$(cat "$file")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--root $data_dir .*--service $1" || return 1
  echo "$pid"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_service() {
  local service="$1" pid
  if pid="$(service_pid "$service")"; then
    say "$service already runs (pid $pid)"
    return 0
  fi
  local p
  for p in "$(grpc_port "$service")" "$(membership_port "$service")" "$(metrics_port "$service")" "$(pprof_port "$service")"; do
    port_taken "$p" && die "port $p, needed by the $service service, is taken by something else; set TEMPORAL_CLUSTER_PORT to move every port"
  done
  local where="gRPC 127.0.0.1:$(grpc_port "$service")"
  [ "$service" = worker ] && where="no gRPC; membership 127.0.0.1:$(membership_port worker)"
  say "starting the $service service ($where, metrics http://127.0.0.1:$(metrics_port "$service")/metrics)"
  # The previous run's log stays beside the new one, for a look at how it ended.
  [ -f "$(log_file "$service")" ] && mv -f "$(log_file "$service")" "$(log_file "$service").1"
  setsid nohup "$server_bin" --root "$data_dir" --config config --env "$service" --allow-no-auth start --service "$service" \
    >"$(log_file "$service")" 2>&1 </dev/null 8>&- 9>&- &
  echo $! >"$(pid_file "$service")"
  # Until the forked shell has exec'd the server, its command line is still this script's.
  for _ in $(seq 1 50); do
    service_pid "$service" >/dev/null && return 0
    kill -0 "$(cat "$(pid_file "$service")")" 2>/dev/null || return 0
    sleep 0.1
  done
}

stop_service() {
  local service="$1" signal="${2:-TERM}" pid
  if ! pid="$(service_pid "$service")"; then
    rm -f "$(pid_file "$service")"
    say "$service is not running"
    return 0
  fi
  if [ "$signal" = KILL ]; then say "killing the $service service (pid $pid, SIGKILL)"; else say "stopping the $service service (pid $pid)"; fi
  kill "-$signal" "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 80); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$service did not stop within 20s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$(pid_file "$service")"
}

frontend_healthy() {
  "$1" operator cluster health --address "127.0.0.1:$port" --command-timeout 2s 2>/dev/null | grep -q SERVING
}

# A service accepts connections on its gRPC port once it has started; the worker service
# serves no gRPC, so for it the sign is its membership (ringpop) port.
service_listening() {
  if [ "$1" = worker ]; then port_taken "$(membership_port worker)"; else port_taken "$(grpc_port "$1")"; fi
}

services_listening() {
  local service
  for service in "${services[@]}"; do
    service_pid "$service" >/dev/null && service_listening "$service" || return 1
  done
}

# Prints the last lines of a service's log, each cut short (the server logs stack traces).
show_log() {
  say "last lines of $(log_file "$1"):"
  tail -n "${2:-15}" "$(log_file "$1")" | cut -c1-400 >&2 || true
}

wait_until_listening() {
  local service="$1" deadline=$((SECONDS + start_timeout))
  until service_listening "$service"; do
    service_pid "$service" >/dev/null || { say "the $service service exited during startup"; show_log "$service"; exit 1; }
    [ "$SECONDS" -lt "$deadline" ] || { say "the $service service did not listen within ${start_timeout}s"; show_log "$service"; exit 1; }
    sleep 0.25
  done
}

wait_until_serving() {
  local cli="$1" deadline=$((SECONDS + start_timeout)) service
  until services_listening && frontend_healthy "$cli"; do
    for service in "${services[@]}"; do
      if ! service_pid "$service" >/dev/null; then
        say "the $service service exited during startup"
        show_log "$service"
        exit 1
      fi
    done
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "the cluster did not answer within ${start_timeout}s"
      for service in "${services[@]}"; do show_log "$service" 8; done
      exit 1
    fi
    sleep 0.5
  done
}

# The namespace and the library's search attributes: DurableCallbacksWaiting marks workflows
# waiting for a callback (workflows/waiting-attribute.ts), DurableCallbacksApprovers lists who may
# decide pending approvals for the gateway's /inbox (workflows/approvers-attribute.ts). All are
# created once; later starts find them.
setup_namespace() {
  local cli="$1" out attributes
  local address=(--address "127.0.0.1:$port" --command-timeout 10s)
  # Right after PostgreSQL restarts, the services' connection pools may still fail a call or
  # two (they refresh at most every few seconds): a failed call is retried until the deadline.
  local deadline=$((SECONDS + 60))
  until "$cli" operator namespace describe "${address[@]}" --namespace "$namespace" >/dev/null 2>&1; do
    if out="$("$cli" operator namespace create "${address[@]}" --namespace "$namespace" --retention "$retention" 2>&1)"; then
      say "created the namespace '$namespace' (retention $retention)"
      break
    fi
    case "$out" in *"already"*) break ;; esac
    [ "$SECONDS" -lt "$deadline" ] || die "could not create the namespace '$namespace' within 60s: $out"
    sleep 1
  done
  # Every service reads namespaces (and a namespace's search attributes) from a cache refreshed
  # every 2 s (system.namespaceCacheRefreshInterval): a new one takes a moment to be known.
  until attributes="$("$cli" operator search-attribute list "${address[@]}" --namespace "$namespace" 2>&1)"; do
    [ "$SECONDS" -lt "$deadline" ] || die "the namespace '$namespace' was not usable within 60s: $attributes"
    sleep 1
  done
  local attribute name type registered=0
  for attribute in DurableCallbacksWaiting:Bool DurableCallbacksApprovers:KeywordList; do
    name="${attribute%%:*}" type="${attribute#*:}"
    case "$attributes" in *"$name"*) continue ;; esac
    say "registering the search attribute $name ($type)"
    if ! out="$("$cli" operator search-attribute create "${address[@]}" --namespace "$namespace" \
      --name "$name" --type "$type" 2>&1)"; then
      case "$out" in *"already"*) ;; *) die "could not register the $name search attribute: $out" ;; esac
    fi
    registered=1
  done
  [ "$registered" = 1 ] || return 0
  # The attribute lives in the namespace's record: wait out one cache refresh, so a workflow
  # started right after this sees it.
  sleep 3
}

# --- commands -----------------------------------------------------------------------------------

lock_data_dir() {
  mkdir -p "$data_dir"
  exec 9>"$data_dir/.lock"
  flock 9
}

prepare_postgres() {
  find_postgres "${1:-}"
  choose_pg_user
  choose_pg_data
}

start() {
  ensure_server
  local cli
  cli="$(find_cli)"
  lock_data_dir
  prepare_postgres install
  init_postgres
  start_postgres
  setup_schema
  write_config
  # The first service to start on a new database writes the cluster's metadata; others
  # starting at the same instant would race it, so the rest start once it listens.
  local service first=""
  for service in "${services[@]}"; do
    service_pid "$service" >/dev/null && continue
    if [ -z "$first" ]; then
      first="$service"
      start_service "$service"
      wait_until_listening "$service"
    else
      start_service "$service"
    fi
  done
  wait_until_serving "$cli"
  setup_namespace "$cli"
  say "ready: frontend 127.0.0.1:$port, namespace '$namespace', $shards history shards, PostgreSQL 127.0.0.1:$pg_port (data in $data_dir)"
}

is_name() { case "$1" in frontend | history | matching | worker | postgres) return 0 ;; *) return 1 ;; esac; }

stop() {
  lock_data_dir
  prepare_postgres
  if [ -n "${1:-}" ]; then
    is_name "$1" || die "unknown service '$1'; use frontend, history, matching, worker or postgres"
    if [ "$1" = postgres ]; then stop_postgres fast; else stop_service "$1"; fi
    return 0
  fi
  local service
  for service in frontend worker matching history; do stop_service "$service"; done
  stop_postgres fast
}

kill_one() {
  is_name "${1:-}" || die "kill needs a service: frontend, history, matching, worker or postgres"
  lock_data_dir
  prepare_postgres
  if [ "$1" = postgres ]; then stop_postgres immediate; else stop_service "$1" KILL; fi
}

status() {
  prepare_postgres
  local all=0 service pid
  for service in frontend history matching worker; do
    if pid="$(service_pid "$service")"; then
      if [ "$service" = worker ]; then
        echo "$service: running (pid $pid, membership 127.0.0.1:$(membership_port "$service"), metrics 127.0.0.1:$(metrics_port "$service"))"
      else
        echo "$service: running (pid $pid, gRPC 127.0.0.1:$(grpc_port "$service"), metrics 127.0.0.1:$(metrics_port "$service"))"
      fi
    else
      echo "$service: not running"
      all=3
    fi
  done
  if pg_running; then
    echo "postgres: running (pid $(pg_pid), 127.0.0.1:$pg_port, data in $pg_data)"
  else
    echo "postgres: not running"
    all=3
  fi
  if [ "$all" -eq 0 ] && server_works && frontend_healthy "$(find_cli)"; then
    echo "cluster: serving on 127.0.0.1:$port"
  else
    echo "cluster: not serving on 127.0.0.1:$port"
    all=3
  fi
  return "$all"
}

reset() {
  stop
  prepare_postgres
  say "deleting the cluster's data in $data_dir"
  [ "$pg_data" = "$data_dir/postgres" ] || say "and PostgreSQL's in $pg_data"
  rm -rf "$pg_data" "$pg_log" "$data_dir"
}

case "${1:-start}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  kill) kill_one "${2:-}" ;;
  status) status ;;
  reset) reset ;;
  server) ensure_server && echo "$cache_dir" ;;
  -h | --help | help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command '$1'; use start, stop, kill, status, reset or server" ;;
esac
