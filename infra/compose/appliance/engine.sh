#!/usr/bin/env bash
# The Docker engine the appliance suite runs docker-compose.yml on, on a machine
# with no init system and no reachable registry (../shared/reference/appliance-offline.md):
# Debian's docker.io started by hand with its data in the cache, and the Compose v2
# and buildx CLI plugins built from the Go module proxy (no binary can be downloaded).
#
# Usage: engine.sh up | down | go-tool NAME
#   up            installs and builds what is missing, starts dockerd unless one
#                 answers, then prints DOCKER_CONFIG=… for the caller to source
#                 (`set -a; . <(engine.sh up); set +a`); progress goes to stderr
#   down          stops dockerd if `up` started it; a daemon it found running stays
#   go-tool NAME  builds one of GO_TOOLS below into the cache if missing, prints its path
#   prefetch      builds every one of GO_TOOLS that is missing (holding up's lock)
# MLFLOW_HUB_CACHE moves the cache, as for the local stack.
set -euo pipefail
shopt -s inherit_errexit

CACHE=${MLFLOW_HUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlflow-hub}/appliance
BIN=$CACHE/bin
RUN=$CACHE/run
PLUGINS=$CACHE/docker-config/cli-plugins
PIDFILE=$RUN/dockerd.pid
# Holds the pid of the daemon `up` started: `down` stops nothing else.
MARKER=$RUN/dockerd.started-by-engine-sh
READY_TIMEOUT=${ENGINE_READY_TIMEOUT:-60}
PACKAGES=(docker.io debootstrap iptables openssl)

# Binaries built from the Go module proxy: module@version, package, extra ldflags.
# The names are the cache's file names (shared with whoever built them before).
declare -A GO_TOOLS=(
  [docker-compose-v2.40.3]="github.com/docker/compose/v2@v2.40.3 ./cmd -X=github.com/docker/compose/v2/internal.Version=v2.40.3"
  [docker-buildx-v0.29.1]="github.com/docker/buildx@v0.29.1 ./cmd/buildx -X=github.com/docker/buildx/version.Version=v0.29.1"
  [traefik-v3.6.13]="github.com/traefik/traefik/v3@v3.6.13 ./cmd/traefik -X=github.com/traefik/traefik/v3/pkg/version.Version=v3.6.13"
  [mc-20250313080218]="github.com/minio/mc@v0.0.0-20250313080218-cf909e1063a9 ."
)
declare -A PLUGIN_OF=([docker-compose-v2.40.3]=docker-compose [docker-buildx-v0.29.1]=docker-buildx)

say() { echo "[engine] $*" >&2; }
die() { say "error: $*"; exit 1; }

# Runs "$@" and prints one line with what it did and how long it took.
step() {
  local what=$1 start=$EPOCHREALTIME
  shift
  "$@"
  say "$what $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }')"
}

need_root() { [ "$(id -u)" = 0 ] || die "$1 needs root (run engine.sh as root)"; }

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || echo "$p"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  if [ ${#missing[@]} -eq 0 ]; then
    say "packages ${PACKAGES[*]}: installed"
    return
  fi
  need_root "installing ${missing[*]}"
  step "apt-get update" apt-get update -qq >&2
  step "installed ${missing[*]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

go_build() {
  local name=$1 module version pkg ldflags info dir
  read -r module pkg ldflags <<<"${GO_TOOLS[$name]}"
  version=${module#*@}
  module=${module%@*}
  command -v go >/dev/null || die "building $name needs Go 1.24+ (as the local stack does)"
  # Outside any module, so `go mod download` fetches the module itself rather than a dependency of ours.
  info=$(cd / && go mod download -json "$module@$version") || die "go mod download $module@$version failed: $info"
  dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$info")
  [ -d "$dir" ] || die "go mod download gave no directory for $module@$version"
  mkdir -p "$BIN"
  # A private temporary name: another build of the same tool may be writing its own.
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags "-s -w $ldflags" -o "$BIN/$name.tmp.$$" "$pkg") >&2 \
    || { rm -f "$BIN/$name.tmp.$$"; die "building $name failed"; }
  mv "$BIN/$name.tmp.$$" "$BIN/$name"
}

ensure_go_tool() {
  local name=$1
  [ -n "${GO_TOOLS[$name]:-}" ] || die "unknown Go tool $name (known: ${!GO_TOOLS[*]})"
  if [ -x "$BIN/$name" ]; then
    say "$name: cached"
  else
    step "built $name from the Go module proxy" go_build "$name"
  fi
}

link_plugins() {
  local name
  mkdir -p "$PLUGINS"
  for name in "${!PLUGIN_OF[@]}"; do
    ensure_go_tool "$name"
    ln -sfn "$BIN/$name" "$PLUGINS/${PLUGIN_OF[$name]}"
  done
}

daemon_answers() { docker info >/dev/null 2>&1; }

# The pid in the marker, if that process is still a dockerd.
our_daemon() {
  local pid
  pid=$(cat "$MARKER" 2>/dev/null) || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] && echo "$pid"
}

write_daemon_config() {
  mkdir -p "$CACHE/docker" "$RUN"
  # Own bridges and pools, so the stack's networks never collide with the host's.
  cat >"$CACHE/daemon.json.tmp" <<JSON
{
  "data-root": "$CACHE/docker",
  "storage-driver": "overlay2",
  "bip": "10.213.0.1/24",
  "default-address-pools": [{ "base": "10.214.0.0/16", "size": 24 }],
  "log-level": "warn"
}
JSON
  mv "$CACHE/daemon.json.tmp" "$CACHE/daemon.json"
}

start_daemon() {
  need_root "starting dockerd"
  rm -f "$MARKER"
  write_daemon_config
  local logged failure=
  logged=$(stat -c %s "$RUN/dockerd.log" 2>/dev/null || echo 0)
  # A closed loopback port as proxy: a pull fails at once instead of timing out.
  # setsid: the daemon outlives the caller's process group; 9>&-: it must not hold engine.sh's lock.
  env HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 http_proxy= https_proxy= NO_PROXY= no_proxy= \
    setsid dockerd --config-file "$CACHE/daemon.json" --pidfile "$PIDFILE" >>"$RUN/dockerd.log" 2>&1 </dev/null 9>&- &
  local launched=$! deadline=$((SECONDS + READY_TIMEOUT))
  until daemon_answers; do
    kill -0 "$launched" 2>/dev/null || failure="dockerd exited"
    [ $SECONDS -lt $deadline ] || failure="dockerd did not answer within ${READY_TIMEOUT} s"
    if [ -n "$failure" ]; then
      say "$failure; what it logged ($RUN/dockerd.log):"
      tail -c +$((logged + 1)) "$RUN/dockerd.log" | tail -n 30 >&2
      kill "$launched" 2>/dev/null || true
      exit 1
    fi
    sleep 0.5
  done
  cat "$PIDFILE" >"$MARKER"
}

ensure_daemon() {
  if daemon_answers; then
    # A marker left by a daemon that is gone would let `down` stop a stranger's.
    our_daemon >/dev/null || rm -f "$MARKER"
    say "dockerd: running ($(docker info --format '{{.DockerRootDir}}' 2>/dev/null))"
  else
    step "started dockerd (log $RUN/dockerd.log)" start_daemon
  fi
}

up() {
  export DOCKER_CONFIG=$CACHE/docker-config
  local start=$EPOCHREALTIME
  install_packages
  link_plugins
  ensure_daemon
  say "up $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }')"
  printf 'DOCKER_CONFIG=%q\n' "$DOCKER_CONFIG"
}

stop_daemon() {
  local pid=$1 deadline=$((SECONDS + 60))
  kill -TERM "$pid"
  # dockerd stops its containers first (15 s each at most, in parallel).
  while [ -e "/proc/$pid" ]; do
    [ $SECONDS -lt $deadline ] || die "dockerd (pid $pid) still running 60 s after SIGTERM; see $RUN/dockerd.log"
    sleep 0.5
  done
  rm -f "$MARKER"
}

down() {
  local pid
  if pid=$(our_daemon); then
    step "stopped dockerd (pid $pid)" stop_daemon "$pid"
  else
    rm -f "$MARKER"
    say "dockerd: not started by engine.sh up, left as it is"
  fi
}

# One engine.sh at a time: two could each start a daemon on the same socket.
lock() { mkdir -p "$RUN" && exec 9>"$RUN/engine.lock" && flock 9; }

case ${1:-} in
  up) lock && up ;;
  down) lock && down ;;
  # scripts/test starts this in the background, niced, so the Go builds (Traefik alone takes
  # 10-20 minutes from cold) use the cores the local suites leave idle; `up` waits for it on the lock.
  prefetch) lock && for name in docker-compose-v2.40.3 docker-buildx-v0.29.1 traefik-v3.6.13 mc-20250313080218; do ensure_go_tool "$name"; done ;;
  go-tool)
    [ $# -eq 2 ] || die "usage: engine.sh go-tool NAME"
    ensure_go_tool "$2"
    echo "$BIN/$2"
    ;;
  *)
    sed -n '7,13s/^# \{0,1\}//p' "$0" >&2
    exit 2
    ;;
esac
