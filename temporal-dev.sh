#!/usr/bin/env bash
# Runs the Temporal dev server this project uses by default: SQLite on disk, so waiting
# workflows survive a restart.
#
#   ./temporal-dev.sh [start]   start (or reuse) the server and wait until it answers
#   ./temporal-dev.sh stop      stop the server this script started
#   ./temporal-dev.sh status    say whether it is running
#   ./temporal-dev.sh cli       print the path of the Temporal CLI, installing it if needed
#
# Settings (environment):
#   TEMPORAL_PORT          gRPC port (7233)
#   TEMPORAL_UI_PORT       Web UI port (8233)
#   TEMPORAL_DATA_DIR      folder for the SQLite file, log and pid file (.data/temporal)
#   TEMPORAL_NAMESPACE     namespace to create (default)
#   TEMPORAL_START_TIMEOUT seconds to wait for the server to answer (90)
#   TEMPORAL_CLI_VERSION   CLI version to build or download (1.5.1)
#   TEMPORAL_CLI           path of a Temporal CLI to use instead of finding one
#   TEMPORAL_UI_CODEC_ENDPOINT  codec server the Web UI decrypts payloads with (npm run codec-server)
#   TEMPORAL_METRICS_PORT  port of the server's Prometheus /metrics (default: a random free port)
#   TEMPORAL_DYNAMIC_CONFIG  more dynamic config values, space-separated KEY=JSON pairs
#                          (e.g. 'matching.numTaskqueueReadPartitions=1'), after the latency settings below
#   TEMPORAL_DEV_STOCK=1   start the server without this project's latency settings (to compare)
#   TEMPORAL_DEV_COMMAND   how messages name this script (set by `durable-callbacks dev-server`)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${TEMPORAL_PORT:-7233}"
ui_port="${TEMPORAL_UI_PORT:-8233}"
data_dir="${TEMPORAL_DATA_DIR:-$here/.data/temporal}"
namespace="${TEMPORAL_NAMESPACE:-default}"
start_timeout="${TEMPORAL_START_TIMEOUT:-90}"
cli_version="${TEMPORAL_CLI_VERSION:-1.5.1}"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/durable-callbacks"
cache_dir="$cache_root/temporal-$cli_version"
pid_file="$data_dir/temporal.pid"
metrics_port="${TEMPORAL_METRICS_PORT:-}"
log_file="$data_dir/temporal.log"
self="${TEMPORAL_DEV_COMMAND:-$0}"

say() { printf '[temporal-dev] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# --- finding or installing the CLI ------------------------------------------------------------

cli_works() { [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }

build_with_go() {
  command -v go >/dev/null 2>&1 || return 1
  say "building the Temporal CLI v$cli_version with 'go install' into $cache_dir"
  say "(first time only; this takes a few minutes on 2 cores)"
  local tmp_bin
  tmp_bin="$(mktemp -d "$cache_root/build.XXXXXX")"
  local started=$SECONDS
  # A heartbeat so a long first build never looks like a hang.
  ( while sleep 30; do say "still building... $((SECONDS - started))s"; done ) &
  local ticker=$!
  local status=0
  GOBIN="$tmp_bin" GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
    go install "github.com/temporalio/cli/cmd/temporal@v$cli_version" >"$tmp_bin/build.log" 2>&1 || status=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    say "go install failed (exit $status); last lines of its output:"
    tail -n 20 "$tmp_bin/build.log" >&2 || true
    rm -rf "$tmp_bin"
    return 1
  fi
  mkdir -p "$cache_dir"
  mv -f "$tmp_bin/temporal" "$cache_dir/temporal"
  rm -rf "$tmp_bin"
  say "built in $((SECONDS - started))s"
}

download_release() {
  command -v curl >/dev/null 2>&1 || return 1
  local os arch
  os="$(uname -s | tr '[:upper:]' '[:lower:]')"
  case "$(uname -m)" in x86_64 | amd64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) return 1 ;; esac
  say "downloading Temporal's official CLI v$cli_version release"
  local tmp
  tmp="$(mktemp -d "$cache_root/download.XXXXXX")"
  if curl -fsSL --max-time 300 -o "$tmp/temporal.tar.gz" \
    "https://temporal.download/cli/archive/v$cli_version?platform=$os&arch=$arch" &&
    tar -xzf "$tmp/temporal.tar.gz" -C "$tmp" temporal; then
    mkdir -p "$cache_dir"
    mv -f "$tmp/temporal" "$cache_dir/temporal"
    rm -rf "$tmp"
    return 0
  fi
  rm -rf "$tmp"
  return 1
}

# Prints the path of a CLI that is already there (TEMPORAL_CLI, PATH, the cache); never installs one.
installed_cli() {
  if [ -n "${TEMPORAL_CLI:-}" ]; then
    cli_works "$TEMPORAL_CLI" && echo "$TEMPORAL_CLI"
    return
  fi
  local on_path
  on_path="$(command -v temporal 2>/dev/null || true)"
  if [ -n "$on_path" ] && cli_works "$on_path"; then
    echo "$on_path"
  elif cli_works "$cache_dir/temporal"; then
    echo "$cache_dir/temporal"
  else
    return 1
  fi
}

# Prints the CLI's path; says on stderr where it came from.
find_cli() {
  if [ -n "${TEMPORAL_CLI:-}" ]; then
    cli_works "$TEMPORAL_CLI" || die "TEMPORAL_CLI=$TEMPORAL_CLI is not a working Temporal CLI"
    say "using the Temporal CLI from TEMPORAL_CLI ($TEMPORAL_CLI)"
    echo "$TEMPORAL_CLI"
    return
  fi
  local on_path
  on_path="$(command -v temporal 2>/dev/null || true)"
  if [ -n "$on_path" ] && cli_works "$on_path"; then
    say "using the Temporal CLI on PATH ($on_path)"
    echo "$on_path"
    return
  fi
  local cached="$cache_dir/temporal"
  if cli_works "$cached"; then
    say "using the cached Temporal CLI ($cached)"
    echo "$cached"
    return
  fi
  mkdir -p "$cache_root"
  # One installer at a time: a second caller waits, then finds the first one's result.
  exec 9>"$cache_root/install-$cli_version.lock"
  flock 9
  if cli_works "$cached"; then
    say "using the cached Temporal CLI ($cached)"
  elif build_with_go; then
    say "using the Temporal CLI built with go install ($cached)"
  elif download_release; then
    say "using the downloaded Temporal CLI ($cached)"
  else
    die "could not install the Temporal CLI v$cli_version: 'go install github.com/temporalio/cli/cmd/temporal@v$cli_version' failed and the official download was not reachable. Install Go (https://go.dev/dl/) or put a 'temporal' binary on PATH, then run again."
  fi
  flock -u 9
  echo "$cached"
}

# --- the server -------------------------------------------------------------------------------

healthy() {
  "$1" operator cluster health --address "127.0.0.1:$port" --command-timeout 2s 2>/dev/null | grep -q SERVING
}

our_pid() {
  [ -f "$pid_file" ] || return 1
  local pid
  pid="$(cat "$pid_file")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q "start-dev" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Dynamic config that shortens the hand-offs between a callback and the workflow's next step
# (BENCHMARKS.md, "Where the time goes"). TEMPORAL_DEV_STOCK=1 leaves them out.
#  - The dev server has one history shard, and each shard reads its transfer queue (the tasks
#    that hand a workflow task or an activity to matching) at most 20 times a second by default:
#    once callbacks arrive faster than that, every hand-off waits up to 50 ms for the next read.
#  - Eager activity dispatch: an activity the workflow schedules on its own task queue comes back
#    with the workflow task's completion, instead of a further trip through the task queue.
latency_settings=(
  'history.transferProcessorMaxPollRPS=1000'
  'system.enableActivityEagerExecution=true'
)

dynamic_config_flags() {
  local kv
  if [ "${TEMPORAL_DEV_STOCK:-}" != "1" ]; then
    for kv in ${latency_settings[@]+"${latency_settings[@]}"}; do printf '%s\n' --dynamic-config-value "$kv"; done
  fi
  for kv in ${TEMPORAL_DYNAMIC_CONFIG:-}; do printf '%s\n' --dynamic-config-value "$kv"; done
}

start() {
  local cli
  cli="$(find_cli)"
  if healthy "$cli"; then
    say "a Temporal server already answers on 127.0.0.1:$port; reusing it"
    register_search_attributes "$cli"
    return 0
  fi
  if our_pid >/dev/null; then
    say "the server started earlier (pid $(our_pid)) is not answering yet; waiting for it"
  else
    port_taken "$port" && die "port $port is taken by something that is not a Temporal server; set TEMPORAL_PORT to a free port"
    mkdir -p "$data_dir"
    local -a extra=()
    mapfile -t extra < <(dynamic_config_flags)
    [ "${TEMPORAL_DEV_STOCK:-}" = "1" ] && say "stock settings (TEMPORAL_DEV_STOCK=1)"
    say "starting the Temporal dev server on 127.0.0.1:$port (UI on http://localhost:$ui_port), data in $data_dir"
    setsid nohup "$cli" server start-dev \
      --ip 127.0.0.1 \
      --port "$port" \
      --ui-port "$ui_port" \
      --db-filename "$data_dir/temporal.sqlite" \
      --sqlite-pragma journal_mode=wal \
      --sqlite-pragma synchronous=normal \
      --namespace "$namespace" \
      --log-level warn \
      ${metrics_port:+--metrics-port "$metrics_port"} \
      ${TEMPORAL_UI_CODEC_ENDPOINT:+--ui-codec-endpoint "$TEMPORAL_UI_CODEC_ENDPOINT"} \
      ${extra[@]+"${extra[@]}"} \
      >"$log_file" 2>&1 </dev/null &
    echo $! >"$pid_file"
  fi
  local deadline=$((SECONDS + start_timeout))
  until healthy "$cli"; do
    if ! our_pid >/dev/null; then
      say "the server exited during startup; last lines of $log_file:"
      tail -n 30 "$log_file" >&2 || true
      rm -f "$pid_file"
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "the server did not answer within ${start_timeout}s; last lines of $log_file:"
      tail -n 30 "$log_file" >&2 || true
      stop
      exit 1
    fi
    sleep 0.5
  done
  register_search_attributes "$cli"
  say "ready: 127.0.0.1:$port (pid $(cat "$pid_file"))"
}

# The attributes the library uses: DurableCallbacksWaiting marks workflows waiting for a callback
# (workflows/waiting-attribute.ts); DurableCallbacksApprovers lists who may decide a workflow's
# pending approvals, which the gateway's /inbox searches (workflows/approvers-attribute.ts).
# Registering is idempotent here: an existing attribute is fine.
register_search_attributes() {
  local out name type attribute
  for attribute in DurableCallbacksWaiting:Bool DurableCallbacksApprovers:KeywordList; do
    name="${attribute%%:*}" type="${attribute#*:}"
    if ! out="$("$1" operator search-attribute create --address "127.0.0.1:$port" --namespace "$namespace" \
      --name "$name" --type "$type" --command-timeout 10s 2>&1)"; then
      case "$out" in
        *"already"*) ;;
        *) say "could not register the $name search attribute: $out" ;;
      esac
    fi
  done
}

stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$pid_file"
    say "no server started by this script is running (data dir $data_dir)"
    return 0
  fi
  say "stopping the Temporal dev server (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "it did not stop within 10s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
}

status() {
  local cli pid
  # Asking must never start a build or a download: only a CLI that is already there is used.
  cli="$(installed_cli)" || die "no Temporal CLI installed yet; '$self start' installs one"
  if healthy "$cli"; then
    if pid="$(our_pid)"; then
      echo "running: 127.0.0.1:$port (pid $pid, data in $data_dir)"
    else
      echo "running: 127.0.0.1:$port (not started by this script)"
    fi
  else
    echo "not running on 127.0.0.1:$port (data dir $data_dir)"
    return 3
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  cli) find_cli ;;
  -h | --help | help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command '$1'; use start, stop, status or cli" ;;
esac
