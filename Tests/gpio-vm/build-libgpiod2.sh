#!/bin/bash
# Builds libgpiod 2.x as a static library so edgeflow (and the shim probe) can be built and
# tested against the v2 API on a machine whose distribution only ships libgpiod 1.6.
#
#   Tests/gpio-vm/build-libgpiod2.sh OUTDIR
#   PKG_CONFIG_PATH=$PWD/OUTDIR/lib/pkgconfig swift build --scratch-path .build-gpiod2
#
# The C sources come from the sdist of the `gpiod` Python bindings on PyPI, which vendors
# libgpiod's lib/ and include/ (the version is in its libgpiod-version.txt). Results:
#   OUTDIR/lib/libgpiod.a (+ libgpiod-v2.a, the same)  OUTDIR/include/gpiod.h
#   OUTDIR/lib/pkgconfig/libgpiod.pc
# The .pc file links with `-lgpiod-v2`, not `-lgpiod`: SwiftPM puts the other libraries' `-L`
# for the system library directory ahead of ours, where `-lgpiod` would find the system's
# libgpiod 1.6 (.so, and .a too). No Swift module imports CGPIOD itself, so the module map's
# `link "gpiod"` is never autolinked; `ldd` of the result must list no libgpiod.so.
# A second run with the outputs present does nothing. GPIOD_PY_VERSION picks another sdist.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
PY_VERSION=${GPIOD_PY_VERSION:-2.4.3}
STAMP="$OUT/lib/.libgpiod-v2-from-gpiod-$PY_VERSION"

if [ -f "$STAMP" ] && [ -f "$OUT/lib/libgpiod.a" ] && [ -f "$OUT/include/gpiod.h" ] \
    && [ -f "$OUT/lib/pkgconfig/libgpiod.pc" ]; then
    echo "libgpiod from gpiod $PY_VERSION already built in $OUT"
    exit 0
fi

# The download is kept so a rebuild (another compiler, a deleted archive) works offline.
SDIST="$OUT/download/gpiod-$PY_VERSION.tar.gz"
if [ ! -f "$SDIST" ]; then
    mkdir -p "$OUT/download"
    python3 -m pip download --quiet --no-binary :all: --no-deps "gpiod==$PY_VERSION" -d "$OUT/download"
fi
[ -f "$SDIST" ] || { echo "pip did not leave $SDIST" >&2; exit 1; }

SRC="$OUT/src"
rm -rf "$SRC" && mkdir -p "$SRC"
tar -xzf "$SDIST" -C "$SRC" --strip-components=1
[ -f "$SRC/libgpiod-version.txt" ] && [ -f "$SRC/include/gpiod.h" ] \
    || { echo "gpiod $PY_VERSION sdist has no vendored libgpiod (lib/, include/)" >&2; exit 1; }
LIB_VERSION=$(tr -d ' \n' < "$SRC/libgpiod-version.txt")
case $LIB_VERSION in 2.*) ;; *) echo "gpiod $PY_VERSION vendors libgpiod '$LIB_VERSION', not 2.x" >&2; exit 1 ;; esac

CC=${CC:-cc}
OBJ="$SRC/obj"
mkdir -p "$OBJ"
for c in "$SRC"/lib/*.c; do
    # libgpiod's own build defines _GNU_SOURCE and the version string the same way.
    "$CC" -O2 -fPIC -D_GNU_SOURCE "-DGPIOD_VERSION_STR=\"$LIB_VERSION\"" \
        -I"$SRC/include" -I"$SRC/lib" -c "$c" -o "$OBJ/$(basename "${c%.c}").o"
done

mkdir -p "$OUT/lib/pkgconfig" "$OUT/include"
rm -f "$OUT"/lib/.libgpiod*-from-gpiod-* "$OUT/lib/libgpiod.a" "$OUT/lib/libgpiod-v2.a"
ar rcs "$OUT/lib/libgpiod.a" "$OBJ"/*.o
ln -s libgpiod.a "$OUT/lib/libgpiod-v2.a"
cp "$SRC/include/gpiod.h" "$OUT/include/gpiod.h"
cat > "$OUT/lib/pkgconfig/libgpiod.pc" <<PC
prefix=$OUT
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: libgpiod
Description: libgpiod $LIB_VERSION (static, built from the gpiod $PY_VERSION sdist)
Version: $LIB_VERSION
Cflags: -I\${includedir}
Libs: -L\${libdir} -lgpiod-v2
PC
touch "$STAMP"
echo "built libgpiod $LIB_VERSION (gpiod $PY_VERSION sdist) into $OUT"
