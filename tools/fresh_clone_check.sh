#!/usr/bin/env bash
# Acceptance check of the foundation: in a fresh clone with an empty HOME (no pip or uv
# cache), `make test` passes and `make demo` answers GET /health with 200; reports wall
# times of a first and a second run of each. Usage: tools/fresh_clone_check.sh [REPO]
set -uo pipefail
repo=$(cd "${1:-$(dirname "$0")/..}" && pwd)
work=$(mktemp -d /tmp/tiercare-fresh.XXXXXX)
export HOME="$work/home"; mkdir -p "$HOME"
unset XDG_CACHE_HOME XDG_DATA_HOME PIP_CACHE_DIR UV_CACHE_DIR
export PIP_NO_CACHE_DIR=1
env | grep -q '^TIERCARE_' && for v in $(env | grep -o '^TIERCARE_[A-Z_]*'); do unset "$v"; done
git clone -q "$repo" "$work/clone"
cd "$work/clone"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

demo_once() {
  local t0 t1 pid code
  t0=$(date +%s.%N)
  TIERCARE_PORT=$port make demo >"$work/demo.log" 2>&1 &
  pid=$!
  code=000
  for _ in $(seq 1 1800); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health" || true)
    [ "$code" = 200 ] && break
    sleep 0.5
  done
  t1=$(date +%s.%N)
  pkill -INT -f "tiercare demo" || true
  wait "$pid" || true
  echo "make demo: GET /health -> $code after $(echo "$t1 - $t0" | bc) s"
  [ "$code" = 200 ]
}

for run in first second; do
  t0=$(date +%s.%N); make test >"$work/test-$run.log" 2>&1; rc=$?; t1=$(date +%s.%N)
  echo "make test ($run run): exit $rc in $(echo "$t1 - $t0" | bc) s; $(grep -E 'passed|failed' "$work/test-$run.log" | tail -1)"
  echo -n "($run run) "; demo_once
done
.venv/bin/tiercare db stop >/dev/null 2>&1 || true
left=$(pgrep -f "$work" | wc -l)
echo "processes of the clone left after db stop: $left"
rm -rf "$work"
