#!/usr/bin/env bash
# Whole-agent benchmark (docs/performance.md, "How to measure the whole agent (P4, P9)").
#
# A pymodbus field (one python process, N devices x R static uint16 holding registers, one
# TCP port per device on 127.0.0.1) is polled at 1 Hz by `edgeflow run` with N tcp buses,
# N modbus sources and one app whose 4-comparison condition runs on every frame and never
# fires. Points are counted at the server; CPU, RSS (and its split), threads are read from
# /proc. Several binaries are run interleaved (ABBA order) for --rounds rounds each.
#
# usage: Benchmarks/agent/run.sh [--binary PATH]... [--rounds 3] [--warmup 10] [--window 60]
#                                [--devices 100] [--registers 100] [--results FILE] [--keep]
#                                [--uplink SPEC]...
#   --binary   an edgeflow executable; repeat to compare (the first is the reference);
#              default: .build/release/edgeflow of this checkout
#   --uplink   none (default: readings go to records.jsonl), http:ENCODER:INTERVAL or
#              mqtt:ENCODER:INTERVAL (ENCODER harvest|json|columnar-gzip, e.g.
#              http:columnar-gzip:60s; a bare 0 is batch_interval 0); repeat for several variants.
#              http: a local endpoint (uplink_wire_sink.py) counts request bytes on the wire;
#              mqtt: a loopback mosquitto, bytes from its $SYS/broker/bytes/received
#   --results  also copy the per-round JSON lines there
#   --keep     keep the temporary directory (configs, logs, per-round results)
# Everything (server, agents, generated config, recorded data) lives in a temp dir and is
# stopped/removed on exit, Ctrl-C included.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

BINARIES=()
ROUNDS=3
WARMUP=10
WINDOW=60
DEVICES=100
REGISTERS=100
RESULTS=""
KEEP=0
UPLINKS=()

die() { echo "run.sh: $*" >&2; exit 2; }
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"; }
is_number() { [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]]; }

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) need_value "$@"; BINARIES+=("$2"); shift 2 ;;
    --rounds) need_value "$@"; ROUNDS=$2; shift 2 ;;
    --warmup) need_value "$@"; WARMUP=$2; shift 2 ;;
    --window) need_value "$@"; WINDOW=$2; shift 2 ;;
    --devices) need_value "$@"; DEVICES=$2; shift 2 ;;
    --registers) need_value "$@"; REGISTERS=$2; shift 2 ;;
    --results) need_value "$@"; RESULTS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --uplink) need_value "$@"; UPLINKS+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[ ${#BINARIES[@]} -gt 0 ] || BINARIES=("$REPO/.build/release/edgeflow")
[ ${#UPLINKS[@]} -gt 0 ] || UPLINKS=(none)
for u in "${UPLINKS[@]}"; do
  [ "$u" = none ] || [[ $u =~ ^(http|mqtt):(harvest|json|columnar-gzip):[0-9]+(ms|s|m)?$ ]] \
    || die "--uplink '$u': expected none, http:ENCODER:INTERVAL or mqtt:ENCODER:INTERVAL"
  if [[ $u == mqtt:* ]]; then
    command -v mosquitto >/dev/null && command -v mosquitto_sub >/dev/null \
      || die "--uplink $u needs mosquitto and mosquitto_sub"
  fi
done
[ ${#BINARIES[@]} -le 26 ] || die "at most 26 binaries"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive integer"
is_number "$WARMUP" || die "--warmup must be a number of seconds"
is_number "$WINDOW" && [ "${WINDOW%%.*}" -ge 2 ] || die "--window must be at least 2 seconds"
[[ $DEVICES =~ ^[1-9][0-9]*$ ]] || die "--devices must be a positive integer"
[[ $REGISTERS =~ ^[1-9][0-9]*$ ]] && [ "$REGISTERS" -le 125 ] || die "--registers must be 1...125"

LABELS=()
SPECS=()
letters=(A B C D E F G H I J K L M N O P Q R S T U V W X Y Z)
for i in "${!BINARIES[@]}"; do
  b=${BINARIES[$i]}
  [ -x "$b" ] && [ -f "$b" ] || die "not an executable: $b (build it with: swift build -c release)"
  b=$(cd "$(dirname "$b")" && pwd)/$(basename "$b")
  BINARIES[$i]=$b
  LABELS+=("${letters[$i]}")
  SPECS+=("${letters[$i]}=$b")
done

command -v python3 >/dev/null || die "python3 not found"
python3 -c 'import pymodbus, sys; sys.exit(pymodbus.__version__ != "3.16.1")' 2>/dev/null \
  || die "needs pymodbus 3.16.1 (make test-deps, or: python3 -m pip install pymodbus==3.16.1)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/edgeflow-bench-agent.XXXXXX")
SERVER_PID=""
AGENT_PID=""
SAMPLER_PID=""
SINK_PID=""
MONITOR_PID=""

# Stops one process we started: SIGTERM, then SIGKILL after $2 seconds. Prints nothing.
stop_pid() {
  local pid=$1 grace=$2 i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < grace * 20; i++)); do
    alive "$pid" || return 0
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  return 1
}
alive() {
  local st
  [ -r "/proc/$1/stat" ] || return 1
  st=$(cut -d')' -f2 "/proc/$1/stat" 2>/dev/null | awk '{print $1}') || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$SAMPLER_PID" 2 || true
  stop_pid "$AGENT_PID" 10 || true
  stop_pid "$MONITOR_PID" 2 || true
  stop_pid "$SINK_PID" 5 || true
  stop_pid "$SERVER_PID" 5 || true
  wait 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "whole-agent benchmark: $DEVICES devices x $REGISTERS registers at 1 Hz, ${#BINARIES[@]} binaries," \
  "${#UPLINKS[@]} uplink variants (${UPLINKS[*]}), $ROUNDS rounds, warm-up ${WARMUP} s, window ${WINDOW} s (about" \
  "$(( ${#UPLINKS[@]} * ${#BINARIES[@]} * ROUNDS * (${WARMUP%%.*} + ${WINDOW%%.*} + 3) )) s)"

# 1. the field: one python process, every port picked by the kernel (bound to 127.0.0.1)
python3 "$HERE/mb_field.py" --devices "$DEVICES" --registers "$REGISTERS" \
  --ports-file "$TMP/ports" --counts-file "$TMP/counts.json" > "$TMP/server.log" 2>&1 &
SERVER_PID=$!
deadline=$((SECONDS + 60))
until [ -s "$TMP/ports" ]; do
  alive "$SERVER_PID" || { cat "$TMP/server.log" >&2; die "field server exited before it was ready"; }
  [ $SECONDS -lt $deadline ] || die "field server not ready within 60 s"
  sleep 0.05
done
[ "$(wc -l < "$TMP/ports")" -eq "$DEVICES" ] || die "field server wrote a short port list"
echo "field: $DEVICES ports on 127.0.0.1 served by pid $SERVER_PID"

RES=$TMP/results.jsonl
: > "$RES"
ALL_SPECS=()
for ((v = 0; v < ${#UPLINKS[@]}; v++)); do
UP=${UPLINKS[$v]}
UP_KIND=none; UP_ARGS=(); UP_LOG=""
# 2a. the uplink endpoint of this variant (none: the agent records into records.jsonl)
if [ "$UP" != none ]; then
  IFS=: read -r UP_KIND UP_ENC UP_INT <<< "$UP"
  UP_LOG=$TMP/uplink-$v.jsonl
  : > "$UP_LOG"
  if [ "$UP_KIND" = http ]; then
    python3 "$HERE/uplink_wire_sink.py" --log "$UP_LOG" --port-file "$TMP/sink-port-$v" \
      > "$TMP/sink-$v.log" 2>&1 &
    SINK_PID=$!
    deadline=$((SECONDS + 20))
    until [ -s "$TMP/sink-port-$v" ]; do
      alive "$SINK_PID" || { cat "$TMP/sink-$v.log" >&2; die "ingest endpoint exited"; }
      [ $SECONDS -lt $deadline ] || die "ingest endpoint not ready within 20 s"
      sleep 0.05
    done
    UP_URL="http://127.0.0.1:$(cat "$TMP/sink-port-$v")/ingest"
  else
    # a free loopback port: bind port 0, read it, release it
    UP_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$TMP/mosquitto-$v"
    printf 'listener %s 127.0.0.1\nallow_anonymous true\nsys_interval 1\npersistence false\n' \
      "$UP_PORT" > "$TMP/mosquitto-$v/mosquitto.conf"
    mosquitto -c "$TMP/mosquitto-$v/mosquitto.conf" > "$TMP/mosquitto-$v/log" 2>&1 &
    SINK_PID=$!
    deadline=$((SECONDS + 20))
    until timeout 2 mosquitto_sub -h 127.0.0.1 -p "$UP_PORT" -t '$SYS/broker/uptime' -C 1 -W 2 >/dev/null 2>&1; do
      alive "$SINK_PID" || { cat "$TMP/mosquitto-$v/log" >&2; die "mosquitto exited"; }
      [ $SECONDS -lt $deadline ] || die "mosquitto not ready within 20 s"
      sleep 0.2
    done
    python3 "$HERE/mqtt_monitor.py" --port "$UP_PORT" --log "$UP_LOG" > "$TMP/monitor-$v.log" 2>&1 &
    MONITOR_PID=$!
    UP_URL="mqtt://127.0.0.1:$UP_PORT"
  fi
  UP_ARGS=(--uplink-transport "$UP_KIND" --uplink-url "$UP_URL" --uplink-encoder "$UP_ENC"
           --uplink-interval "$UP_INT")
  echo "uplink variant $UP: endpoint $UP_URL (pid $SINK_PID)"
fi
LABELS=()
for i in "${!BINARIES[@]}"; do
  if [ ${#UPLINKS[@]} -eq 1 ] && [ "$UP" = none ]; then LABELS+=("${letters[$i]}")
  else LABELS+=("${letters[$i]}:$UP"); fi
  ALL_SPECS+=("${LABELS[$i]}=${BINARIES[$i]}")
done

# 2. the config (generated, never committed), checked by every binary first
python3 "$HERE/gen_config.py" --ports-file "$TMP/ports" --out-dir "$TMP/cfg-$v" \
  --boards-dir "$REPO/boards" --registers "$REGISTERS" ${UP_ARGS[@]+"${UP_ARGS[@]}"}
CFG=$TMP/cfg-$v/agent.yaml
DATA=$TMP/cfg-$v/data
for b in "${BINARIES[@]}"; do
  if ! out=$(timeout 60 "$b" check --config "$CFG" --quiet 2>&1); then
    echo "$out" | head -40 >&2
    die "$b check --config $CFG failed"
  fi
done

# 3. rounds, interleaved A B, B A, A B ... so every binary sees the same drift of the machine
for ((r = 1; r <= ROUNDS; r++)); do
  order=("${!BINARIES[@]}")
  if ((r % 2 == 0)); then
    order=(); for ((i = ${#BINARIES[@]} - 1; i >= 0; i--)); do order+=("$i"); done
  fi
  for i in "${order[@]}"; do
    b=${BINARIES[$i]}; label=${LABELS[$i]}
    rm -rf "$DATA"
    log=$TMP/agent-${letters[$i]}-$v-$r.log
    "$b" run --config "$CFG" > "$log" 2>&1 &
    AGENT_PID=$!
    # in the background, so that a signal to this script is handled at once (wait returns)
    python3 "$HERE/sample.py" --pid "$AGENT_PID" --server-pid "$SERVER_PID" \
      --counts-file "$TMP/counts.json" --data-dir "$DATA" --warmup "$WARMUP" --window "$WINDOW" \
      --label "$label" --binary "$b" --round "$r" --out "$RES" \
      --uplink-kind "$UP_KIND" --uplink-spec "$UP" --uplink-log "$UP_LOG" &
    SAMPLER_PID=$!
    rc=0; wait "$SAMPLER_PID" || rc=$?
    SAMPLER_PID=""
    if [ "$rc" != 0 ]; then
      echo "--- agent log ($log), last lines:" >&2; tail -20 "$log" >&2
      die "round $r of $label failed"
    fi
    t0=$(date +%s%N)
    if stop_pid "$AGENT_PID" 15; then
      rc=0; wait "$AGENT_PID" 2>/dev/null || rc=$?
      stop_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
      [ "$rc" = 0 ] || echo "  warning: $label exited with status $rc after SIGTERM" >&2
      echo "    stopped in ${stop_ms} ms; agent printed $(wc -l < "$log") log lines"
    else
      echo "  warning: $label did not stop within 15 s of SIGTERM; killed" >&2
      wait "$AGENT_PID" 2>/dev/null || true
    fi
    AGENT_PID=""
    if [ -s "$log" ]; then echo "    first log lines:"; head -3 "$log" | sed 's/^/      /'; fi
    sleep 1   # let the server see the old connections go before the next agent starts
  done
done

# 3b. this variant's endpoint goes
stop_pid "$MONITOR_PID" 2 || true; MONITOR_PID=""
stop_pid "$SINK_PID" 5 || true; SINK_PID=""
done

[ -z "$RESULTS" ] || cp "$RES" "$RESULTS"
python3 "$HERE/report.py" "$RES" "${ALL_SPECS[@]}"
