#!/usr/bin/env bash
# Build the Recaudo image and check that the compose stack's worker and web
# containers become healthy (their HEALTHCHECK runs `recaudo healthcheck`).
#
# Needs Docker with Compose v2 (`docker compose`): deploy/compose.yaml sets a
# top-level `name:`, which docker-compose 1.x (1.29) rejects.
#
#   deploy/check-image.sh [--base IMAGE] [--timeout SECONDS] [--keep] [--dry-run]
#
#   --base IMAGE   build FROM IMAGE instead of python:3.11-slim: a registry
#                  mirror, or a local stand-in where Docker Hub cannot be reached
#                  (any Debian-based image with Python 3.11+ and pip)
#   --timeout S    seconds to wait for both containers to be healthy (default 300)
#   --keep         leave the stack running (default: `down -v` on exit)
#   --dry-run      print each command instead of running it; needs no Docker
#
# Exit 0 when worker and web are healthy, 1 when one is not in time (its last
# log lines are printed), 2 on bad arguments or a missing Compose v2.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
compose_file="$here/compose.yaml"
project="recaudo-check"
image="recaudo:dev"
base=""
timeout_s=300
keep=0
dry_run=0

usage() {
    sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --base) base="${2:?--base needs an image}"; shift 2 ;;
        --timeout) timeout_s="${2:?--timeout needs seconds}"; shift 2 ;;
        --keep) keep=1; shift ;;
        --dry-run) dry_run=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
if ! [[ "$timeout_s" =~ ^[0-9]+$ ]]; then
    echo "--timeout must be a whole number of seconds, not '$timeout_s'" >&2
    exit 2
fi

# Each command, printed first; with --dry-run only printed.
run() {
    printf '+ %s\n' "$*"
    if [[ $dry_run -eq 0 ]]; then
        "$@"
    fi
}

compose() {
    run docker compose -f "$compose_file" -p "$project" "$@"
}

if [[ $dry_run -eq 0 ]]; then
    if ! version="$(docker compose version --short 2>/dev/null)" || [[ "$version" != 2.* && "$version" != v2.* ]]; then
        echo "needs Docker Compose v2 ('docker compose'); found: ${version:-none}" >&2
        echo "(docker-compose 1.x rejects compose.yaml's top-level 'name:')" >&2
        exit 2
    fi
fi

build_args=()
if [[ -n "$base" ]]; then
    build_args=(--build-arg "PYTHON_IMAGE=$base")
fi
run docker build "${build_args[@]}" -t "$image" "$root"

cleanup() {
    if [[ $keep -eq 0 ]]; then
        compose down -v --remove-orphans
    fi
}
trap cleanup EXIT

# Only what the two containers need; --no-build: the image built above.
compose up -d --no-build kafka redis worker web

if [[ $dry_run -eq 1 ]]; then
    for service in worker web; do
        printf '+ %s\n' "docker inspect -f '{{.State.Health.Status}}' \$(docker compose -f $compose_file -p $project ps -q $service)  # until healthy"
    done
    echo "dry run: nothing was built or started"
    exit 0
fi

health() {
    local id
    id="$(docker compose -f "$compose_file" -p "$project" ps -q "$1")"
    if [[ -z "$id" ]]; then
        echo "missing"
    else
        docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id"
    fi
}

deadline=$((SECONDS + timeout_s))
while :; do
    worker="$(health worker)"
    web="$(health web)"
    echo "$((SECONDS))s worker: $worker, web: $web"
    if [[ "$worker" == healthy && "$web" == healthy ]]; then
        echo "OK: image $image built; worker and web are healthy"
        exit 0
    fi
    if [[ $SECONDS -ge $deadline || "$worker" == unhealthy || "$web" == unhealthy ]]; then
        echo "FAILED: worker $worker, web $web after $((SECONDS))s" >&2
        docker compose -f "$compose_file" -p "$project" logs --tail 50 worker web >&2 || true
        exit 1
    fi
    sleep 5
done
