#!/usr/bin/env bash
# docs/performance.md P5 (binary size) and P6 (exec -> ready), one line each:
#   id  figure  unit  reference  ratio
# and each also as a BENCH| line for Benchmarks/report.py (format described there).
# P5: the stripped release binary built with the static Swift stdlib, beside an empty Swift
#     program ("hello") built and stripped the same way in a temporary package: the ratio says
#     what edgeflow adds to what every static Swift program carries.
# P6: median time from spawning `edgeflow run` to READY=1 on a systemd-style notification
#     socket (Benchmarks/startup/exec_to_ready.py), on a simulated-board config with an app;
#     target 20 ms.
#
# usage: Benchmarks/startup/size-and-startup.sh [--binary PATH] [--runs N]
#   --binary  an already built static release binary (default: build this checkout)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SWIFT="${SWIFT:-swift}"
BINARY=""
RUNS=20
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) BINARY="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "size-and-startup: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -z "$BINARY" ]; then
    (cd "$REPO" && "$SWIFT" build -c release --static-swift-stdlib --product edgeflow >&2)
    BINARY="$(cd "$REPO" && "$SWIFT" build -c release --static-swift-stdlib --show-bin-path)/edgeflow"
fi
cp "$BINARY" "$work/edgeflow"
strip --strip-all "$work/edgeflow"

# The reference: an empty Swift program, same flags, same strip.
mkdir -p "$work/hello/Sources/hello"
cat > "$work/hello/Package.swift" <<'SWIFT'
// swift-tools-version:6.1
import PackageDescription
let package = Package(name: "hello", targets: [.executableTarget(name: "hello")])
SWIFT
echo 'print("hello")' > "$work/hello/Sources/hello/main.swift"
(cd "$work/hello" && "$SWIFT" build -c release --static-swift-stdlib >&2)
cp "$(cd "$work/hello" && "$SWIFT" build -c release --static-swift-stdlib --show-bin-path)/hello" "$work/hello.bin"
strip --strip-all "$work/hello.bin"

size=$(stat -c %s "$work/edgeflow")
hello=$(stat -c %s "$work/hello.bin")
awk -v s="$size" -v h="$hello" 'BEGIN {
    printf "P5  binary (stripped, static stdlib)  %.1f MB  empty Swift program %.1f MB  ratio %.2f  (target <= 16 MB)\n",
        s / 1048576, h / 1048576, s / h
    printf "BENCH|P5|%.1f|MB|empty Swift program %.1f MB|%.2f|\n", s / 1048576, h / 1048576, s / h }'

# P6 on the packaged example config (simulated board, GPIO input, output, app), data in $work.
mkdir -p "$work/conf/flows"
cp "$REPO/config/flows/boiler.json" "$work/conf/flows/"
sed "s|^  data_dir: .*|  data_dir: $work/data|" "$REPO/packaging/config.yaml" > "$work/conf/config.yaml"
echo "boards_dir: $REPO/boards" >> "$work/conf/config.yaml"
"$work/edgeflow" check --quiet --config "$work/conf/config.yaml"
result=$(python3 "$HERE/exec_to_ready.py" "$work/edgeflow" "$work/conf/config.yaml" "$RUNS")
python3 - "$result" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print("P6  exec -> READY=1  %.1f ms p50  (p90 %.1f, min %.1f, max %.1f over %d runs)  target 20 ms  ratio %.2f"
      % (r["p50_ms"], r["p90_ms"], r["min_ms"], r["max_ms"], r["runs"], r["p50_ms"] / 20))
print("BENCH|P6|%.1f|ms p50|none|-|p90 ms=%.1f;runs=%d" % (r["p50_ms"], r["p90_ms"], r["runs"]))
PY
