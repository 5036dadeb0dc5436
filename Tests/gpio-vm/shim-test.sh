#!/bin/bash
# Proves the ef_gpio_* shim (Sources/CGPIODShims) on the real kernel GPIO driver, for the
# libgpiod 1.6 build (gpio_v1.c + Debian's libgpiod) and the 2.x build (gpio_v2.c + the static
# libgpiod from build-libgpiod2.sh), in one gpio-sim VM boot.
#
#   Tests/gpio-vm/shim-test.sh [-c CACHE] [v1] [v2]      (default: both)
#
# The probe (probe.c) is compiled with -Wall -Wextra -Werror against each; the guest half is
# shim-guest.sh. Exit status: gpio-sim-vm.sh's (0 iff the guest printed TEST: PASS).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${GPIOVM_CACHE:-$REPO/.build-gpiovm-cache}
if [ "${1:-}" = -c ]; then
    CACHE=$2
    shift 2
fi
APIS=${*:-v1 v2}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
SHIMS=$REPO/Sources/CGPIODShims
CFLAGS=(-std=gnu11 -O2 -Wall -Wextra -Werror)
BINS=()
for api in $APIS; do
    case $api in
    v1)
        dpkg -s libgpiod-dev >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends libgpiod-dev >/dev/null
        gcc "${CFLAGS[@]}" -I"$SHIMS/include" "$HERE/probe.c" "$SHIMS/gpio_v1.c" "$SHIMS/gpio_common.c" -lgpiod -o "$CACHE/probe-v1"
        ;;
    v2)
        "$HERE/build-libgpiod2.sh" "$CACHE/libgpiod2" >/dev/null
        gcc "${CFLAGS[@]}" -I"$CACHE/libgpiod2/include" -I"$SHIMS/include" "$HERE/probe.c" "$SHIMS/gpio_v2.c" "$SHIMS/gpio_common.c" \
            "$CACHE/libgpiod2/lib/libgpiod.a" -o "$CACHE/probe-v2"
        ;;
    *) echo "usage: $0 [-c CACHE] [v1] [v2]" >&2; exit 2 ;;
    esac
    BINS+=("$CACHE/probe-$api=/probe-$api")
done
exec "$HERE/gpio-sim-vm.sh" -c "$CACHE" -t 300 -e "SHIM_APIS=$APIS" "$HERE/shim-guest.sh" "${BINS[@]}"
