#!/bin/bash
# Runs the edgeflow GPIO test (edgeflow-guest.sh) in the gpio-sim VM against one edgeflow
# binary: the field CLI and the agent on a real kernel GPIO chip.
#
#   Tests/gpio-vm/edgeflow-test.sh v1|v2 EDGEFLOW_BINARY
#
# The binary is built by the Makefile (`make test-gpio-vm`): against Debian's libgpiod 1.6 for
# v1, against the static libgpiod 2.x from build-libgpiod2.sh for v2.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -eq 2 ] || { sed -n 5p "$0" | sed 's/^# *//' >&2; exit 2; }
API=$1
BINARY=$2
exec "$HERE/gpio-sim-vm.sh" -t 400 -e "EDGEFLOW_API=$API" "$HERE/edgeflow-guest.sh" "$BINARY=/edgeflow" "$HERE/fixtures=/t"
