#!/usr/bin/env bash
# Builds the stand-ins for the upstream base images docker-compose.yml and the
# Dockerfiles name, under those names, on an engine that cannot pull (README.md
# here). Run after `infra/compose/appliance/engine.sh up`. An image is rebuilt only
# when its inputs change: its folder, the files its `inputs` list names, and its
# base image, hashed into a label of the image.
#
# Usage: build.sh [FOLDER...]   (default: every folder with a `tag` file)
# MLFLOW_HUB_CACHE moves the cache, as for the local stack; CA_BUNDLE names
# another CA bundle than pip's `cert` setting or the system's.
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
CACHE=${MLFLOW_HUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlflow-hub}/appliance
WORK=$CACHE/offline-images
ROOTFS=$CACHE/rootfs/bookworm-minbase.tar.gz
MIRROR=http://deb.debian.org/debian
IMPORTED=mlflow-hub-offline/debootstrap:bookworm-minbase
LABEL=org.mlflow-hub.stand-in.inputs

say() { echo "[offline-images] $*" >&2; }
die() { say "error: $*"; exit 1; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }'; }

label_of() { docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true; }
size_of() { docker image inspect -f '{{ .Size }}' "$1" | awk '{ printf "%.0f MB", $1 / 1e6 }'; }

ca_bundle() {
  local bundle=${CA_BUNDLE:-$(pip config get global.cert 2>/dev/null || true)}
  bundle=${bundle:-/etc/ssl/certs/ca-certificates.crt}
  [ -s "$bundle" ] || die "no CA bundle at $bundle (set CA_BUNDLE)"
  echo "$bundle"
}

# debootstrap once per cache; the lock makes a second build.sh wait for the first's.
ensure_rootfs() {
  mkdir -p "$(dirname "$ROOTFS")"
  exec 8>"$ROOTFS.lock"
  flock 8
  if [ ! -s "$ROOTFS" ]; then
    [ "$(id -u)" = 0 ] || die "debootstrap needs root"
    local start=$EPOCHREALTIME dir
    dir=$(mktemp -d "$CACHE/rootfs/debootstrap.XXXXXX")
    debootstrap --variant=minbase bookworm "$dir" "$MIRROR" >"$(dirname "$ROOTFS")/debootstrap.log" 2>&1 \
      || { tail -n 20 "$(dirname "$ROOTFS")/debootstrap.log" >&2; rm -rf "$dir"; die "debootstrap failed"; }
    tar -C "$dir" -czf "$ROOTFS.tmp" .
    mv "$ROOTFS.tmp" "$ROOTFS"
    rm -rf "$dir"
    say "debootstrap bookworm minbase $(since "$start")"
  fi
  flock -u 8
}

# Without the downloaded packages and package lists debootstrap leaves behind: 100 MB nobody reads.
import_rootfs() {
  local start=$EPOCHREALTIME hash
  hash=$(sha256sum "$ROOTFS" | cut -c1-64)
  if [ "$(label_of "$IMPORTED")" = "$hash" ]; then
    say "$IMPORTED: up to date"
    return
  fi
  gzip -dc "$ROOTFS" \
    | tar --delete --wildcards './var/cache/apt/archives/*.deb' './var/lib/apt/lists/*_*' \
    | docker import --change "LABEL $LABEL=$hash" --change 'CMD ["bash"]' - "$IMPORTED" >/dev/null
  say "$IMPORTED: imported $(since "$start") ($(size_of "$IMPORTED"))"
}

# The local stack's MinIO (infra/local/tools.ts), built once into the shared cache.
minio_binary() {
  (cd "$ROOT" && MLFLOW_HUB_CACHE=${CACHE%/appliance} node --import tsx --input-type=module \
    --eval "import { ensureMinio } from './infra/local/tools.ts'; process.stdout.write(await ensureMinio())")
}

npm_tarball() {
  local spec=$1 file
  file=$WORK/downloads/${spec%@*}-${spec##*@}.tgz
  if [ ! -s "$file" ]; then
    mkdir -p "$WORK/downloads/tmp.$$"
    (cd "$WORK/downloads/tmp.$$" && npm pack --silent "$spec" >/dev/null) || die "npm pack $spec failed"
    mv "$WORK/downloads/tmp.$$/$(basename "$file")" "$file"
    rm -rf "$WORK/downloads/tmp.$$"
  fi
  echo "$file"
}

# One line of an `inputs` file → "<name in the build context> <file>".
resolve_input() {
  case $1 in
    npm) local f; f=$(npm_tarball "$2"); echo "$(basename "$f") $f" ;;
    go-tool) echo "$2 $("$ROOT/infra/compose/appliance/engine.sh" go-tool "$2")" ;;
    minio) echo "minio $(minio_binary)" ;;
    ca-bundle) echo "host-ca-certificates.crt $(ca_bundle)" ;;
    *) die "unknown input kind '$1'" ;;
  esac
}

# The base images a Dockerfile names, leaving out its own stages.
bases_of() {
  awk 'toupper($1) == "FROM" { stage[tolower($4)] = 1; if (!(tolower($2) in stage)) print $2 }' "$1/Dockerfile" | sort -u
}

build_one() {
  local folder=$HERE/$1 tag inputs=() line name file hash base start=$EPOCHREALTIME
  [ -f "$folder/tag" ] || die "$1 has no tag file"
  tag=$(<"$folder/tag")
  if [ -f "$folder/inputs" ]; then
    while read -r line; do
      case $line in '' | '#'*) continue ;; esac
      # shellcheck disable=SC2086 # an input line is a kind and its words
      inputs+=("$(resolve_input $line)")
    done <"$folder/inputs"
  fi
  hash=$(
    cd "$folder" && find . -type f -printf '%m %p\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum
    for line in "${inputs[@]}"; do read -r name file <<<"$line"; echo "$name $(sha256sum <"$file")"; done
    for base in $(bases_of "$folder"); do
      docker image inspect -f '{{ .Id }}' "$base" 2>/dev/null || die "$1: base image $base is missing"
    done
  )
  hash=$(sha256sum <<<"$hash" | cut -c1-64)
  if [ "$(label_of "$tag")" = "$hash" ]; then
    say "$tag: up to date ($(size_of "$tag"))"
    return
  fi
  local context=$WORK/context/$1 log=$WORK/$1.log previous
  previous=$(docker image inspect -f '{{ .Id }}' "$tag" 2>/dev/null || true)
  rm -rf "$context"
  mkdir -p "$context"
  cp -a "$folder/." "$context/"
  for line in "${inputs[@]}"; do
    read -r name file <<<"$line"
    cp --reflink=auto "$file" "$context/$name"
  done
  # The classic builder: it needs only the engine, and no BuildKit frontend from a registry.
  DOCKER_BUILDKIT=0 docker build --label "$LABEL=$hash" --tag "$tag" "$context" >"$log" 2>&1 \
    || { tail -n 30 "$log" >&2; die "building $tag failed (whole log: $log)"; }
  rm -rf "$context"
  # The image this one replaces, unless a container or another image still uses it.
  if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect -f '{{ .Id }}' "$tag")" ]; then
    docker image rm "$previous" >/dev/null 2>&1 || true
  fi
  say "$tag: built $(since "$start") ($(size_of "$tag"))"
}

start=$EPOCHREALTIME
docker info >/dev/null 2>&1 || die "no Docker engine answers (run infra/compose/appliance/engine.sh up first)"
mkdir -p "$WORK"
if [ $# -gt 0 ]; then
  folders=("$@")
else
  mapfile -t folders < <(cd "$HERE" && for f in */tag; do dirname "$f"; done | grep -vx base)
fi
ensure_rootfs
import_rootfs
build_one base
for folder in "${folders[@]}"; do
  [ "$folder" = base ] || build_one "$folder"
done
say "all $(since "$start")"
