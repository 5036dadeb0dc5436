#!/usr/bin/env bash
# Builds dist/edgeflow_<version>_<arch>.deb with dpkg-deb (no debhelper needed).
#
#   BUILD=release (default): `swift build -c release --static-swift-stdlib`, stripped: the
#                            binary needs only the distribution's C libraries.
#   BUILD=debug:             the debug build, stripped; it still links the Swift runtime from the
#                            toolchain, so it runs only where the toolchain is installed. For
#                            the layout test (`make test`), which must not wait for a release build.
#
# Depends is computed, not written by hand: dpkg-shlibdeps maps every library the binary links
# (its ELF NEEDED entries) to the distribution package that ships it, with the minimum version
# from that package's symbols file.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD="${BUILD:-release}"
SWIFT="${SWIFT:-swift}"
OUT="${OUT:-dist}"

version="$(sed -n 's/^let edgeflowVersion = "\(.*\)"$/\1/p' Sources/edgeflow/EdgeflowCommand.swift)"
[ -n "$version" ] || { echo "build-deb: no edgeflowVersion in Sources/edgeflow/EdgeflowCommand.swift" >&2; exit 2; }
arch="$(dpkg --print-architecture)"
case "$BUILD" in
    release) flags=(-c release --static-swift-stdlib) ;;
    debug) flags=() ;;
    *) echo "build-deb: BUILD must be release or debug, not '$BUILD'" >&2; exit 2 ;;
esac

"$SWIFT" build "${flags[@]}" --product edgeflow
binary="$("$SWIFT" build "${flags[@]}" --show-bin-path)/edgeflow"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/root"

install -D -m 0755 "$binary" "$root/usr/bin/edgeflow"
strip --strip-all "$root/usr/bin/edgeflow"
install -D -m 0644 config/systemd/edgeflow.service "$root/lib/systemd/system/edgeflow.service"
install -D -m 0644 packaging/config.yaml "$root/etc/edgeflow/config.yaml"
install -D -m 0644 config/flows/boiler.json "$root/etc/edgeflow/flows/boiler.json"
install -d "$root/usr/share/edgeflow/boards"
install -m 0644 boards/*.yaml "$root/usr/share/edgeflow/boards/"

# Completions and the man page come from the command tree of the binary being packaged.
bin="$root/usr/bin/edgeflow"
install -d "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d" "$root/usr/share/man/man1" "$root/usr/share/doc/edgeflow"
"$bin" --generate-completion-script bash > "$root/usr/share/bash-completion/completions/edgeflow"
"$bin" --generate-completion-script zsh > "$root/usr/share/zsh/vendor-completions/_edgeflow"
"$bin" --generate-completion-script fish > "$root/usr/share/fish/vendor_completions.d/edgeflow.fish"
python3 packaging/gen-manpage.py "$bin" "$version" | gzip -9n > "$root/usr/share/man/man1/edgeflow.1.gz"
install -m 0644 README.md "$root/usr/share/doc/edgeflow/README.md"
install -d "$root/usr/share/doc/edgeflow/docs"
install -m 0644 docs/*.md "$root/usr/share/doc/edgeflow/docs/"

# Depends: dpkg-shlibdeps wants a debian/control to read; give it a minimal one.
mkdir -p "$stage/shlibs/debian"
printf 'Source: edgeflow\n\nPackage: edgeflow\nArchitecture: any\n' > "$stage/shlibs/debian/control"
ignore=()
[ "$BUILD" = debug ] && ignore=(--ignore-missing-info)   # the toolchain's Swift runtime is no package
depends="$(cd "$stage/shlibs" && dpkg-shlibdeps -O "${ignore[@]}" -e "$root/usr/bin/edgeflow" 2>/dev/null \
    | sed -n 's/^shlibs:Depends=//p')"
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

install -d "$root/DEBIAN"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
# Conffiles: dpkg keeps a locally edited file on upgrade (and asks when the package's copy changed too).
(cd "$root" && find etc -type f | sort | sed 's|^|/|') > "$root/DEBIAN/conffiles"
installed_size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
cat > "$root/DEBIAN/control" <<CONTROL
Package: edgeflow
Version: $version
Architecture: $arch
Maintainer: edgeflow maintainers <edgeflow@localhost>
Installed-Size: $installed_size
Depends: $depends, passwd
Section: net
Priority: optional
Description: edge agent for Linux gateways
 Reads GPIO lines and Modbus RTU/TCP devices, runs Flux flows on every frame,
 drives outputs inside safety envelopes and delivers data through a durable
 spool over HTTP or MQTT. Runs as the systemd service edgeflow (user edgeflow).
CONTROL

mkdir -p "$OUT"
deb="$OUT/edgeflow_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
