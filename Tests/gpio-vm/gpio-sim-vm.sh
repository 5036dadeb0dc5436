#!/bin/bash
# Runs a guest test script against a real kernel GPIO character device: boots Debian's own
# kernel in QEMU (TCG) with an initramfs holding busybox, the gpio-sim driver and the given
# binaries, and reports whether the guest printed "TEST: PASS".
#
#   Tests/gpio-vm/gpio-sim-vm.sh [-c CACHE] [-t SECONDS] [-m MEMORY] [-e NAME=VALUE]...
#                                GUEST_TEST.sh [HOSTPATH[=GUESTPATH]]...
#
# CACHE (default: .build-gpiovm-cache in the repository, git-ignored) keeps the kernel image,
# configfs.ko and the gpio-sim.ko built from it, per kernel ABI. Each HOSTPATH (default guest
# path: the same) is copied in with every shared library `ldd` lists for it; -e exports a
# variable to the guest test. The guest test runs as root in /, with Tests/gpio-vm/guest-lib.sh
# at /guest-lib.sh; see that file for the helpers and the users (root, edge in group gpio,
# nogpio). Exit status: 0 iff the guest printed "TEST: PASS" and no "TEST: FAIL"; otherwise
# non-zero with the tail of the console (124 when the VM ran out of time).
#
# Why a VM: the build machine's kernel has no GPIO support and no modules, and Debian's kernels
# lack gpio-sim, so the driver is built out of tree from Debian's kernel source. KVM is not
# used because stock kernels hang under the nested virtualisation here; TCG boots in seconds.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${GPIOVM_CACHE:-$REPO/.build-gpiovm-cache}
TIME_LIMIT=300
MEMORY=1G
GUEST_ENV=()
usage() { sed -n '6,7p' "$0" | sed 's/^# *//' >&2; exit 2; }
while getopts c:t:m:e:h opt; do
    case $opt in
    c) CACHE=$OPTARG ;;
    t) TIME_LIMIT=$OPTARG ;;
    m) MEMORY=$OPTARG ;;
    e) case $OPTARG in [A-Za-z_]*=*) GUEST_ENV+=("$OPTARG") ;; *) echo "-e wants NAME=VALUE" >&2; exit 2 ;; esac ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
GUEST_TEST=$1
shift
[ -f "$GUEST_TEST" ] || { echo "no guest test script $GUEST_TEST" >&2; exit 2; }
for spec in "$@"; do
    [ -e "${spec%%=*}" ] || { echo "no host file ${spec%%=*}" >&2; exit 2; }
done
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
started=$(date +%s)

export DEBIAN_FRONTEND=noninteractive
# The ABI of the kernel bookworm currently installs (e.g. 6.1.0-57-amd64): headers, image and
# module must all match it, and it moves with Debian's kernel updates.
kernel_abi() {
    apt-cache depends linux-image-amd64 2>/dev/null \
        | awk '/Depends: linux-image-[0-9]/ { sub("linux-image-", "", $2); print $2; exit }'
}
KV=$(kernel_abi)
if [ -z "$KV" ]; then
    apt-get update -qq
    KV=$(kernel_abi)
fi
[ -n "$KV" ] || { echo "cannot tell the kernel ABI from apt-cache depends linux-image-amd64" >&2; exit 1; }
KSERIES=$(echo "$KV" | cut -d. -f1,2) # 6.1: names linux-source-6.1

install_missing() {
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "gpio-sim-vm: installing ${missing[*]}" >&2
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}
install_missing qemu-system-x86 cpio busybox-static "linux-headers-$KV"

# Kernel image, configfs module and gpio-sim module, prepared once per ABI under a lock so
# parallel runs share the work.
K=$CACHE/$KV
mkdir -p "$K"
exec 9>"$K/.lock"
flock 9
if [ ! -f "$K/vmlinuz" ] || [ ! -f "$K/configfs.ko" ] || [ ! -f "$K/mod/gpio-sim-main.c" ]; then
    echo "gpio-sim-vm: fetching the $KV kernel and the gpio-sim source" >&2
    rm -rf "$K/dl" "$K/mod"
    mkdir -p "$K/dl" "$K/mod"
    (cd "$K/dl" && apt-get download -qq -o APT::Sandbox::User=root "linux-image-$KV" "linux-source-$KSERIES")
    # Only files are taken from the packages; nothing is installed on the host.
    dpkg-deb --fsys-tarfile "$K"/dl/linux-image-"$KV"_*.deb \
        | tar -x -C "$K/dl" "./boot/vmlinuz-$KV" "./lib/modules/$KV/kernel/fs/configfs/configfs.ko"
    dpkg-deb --fsys-tarfile "$K"/dl/linux-source-"$KSERIES"_*.deb \
        | tar -xO "./usr/src/linux-source-$KSERIES.tar.xz" \
        | tar -xJ -C "$K/dl" "linux-source-$KSERIES/drivers/gpio/gpio-sim.c" \
            "linux-source-$KSERIES/drivers/gpio/gpiolib.h" "linux-source-$KSERIES/kernel/irq/irq_sim.c"
    S=$K/dl/linux-source-$KSERIES
    # gpio-sim.c would give the module's own name to its object: renamed so the module can
    # also hold irq_sim (Debian builds neither CONFIG_GPIO_SIM nor CONFIG_IRQ_SIM).
    cp "$S/drivers/gpio/gpio-sim.c" "$K/mod/gpio-sim-main.c"
    cp "$S/drivers/gpio/gpiolib.h" "$S/kernel/irq/irq_sim.c" "$K/mod/"
    # irq_to_desc() is not exported to modules in 6.1; generic_handle_irq() does the same here.
    sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$K/mod/irq_sim.c"
    printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n' > "$K/mod/Kbuild"
    mv "$K/dl/lib/modules/$KV/kernel/fs/configfs/configfs.ko" "$K/configfs.ko"
    mv "$K/dl/boot/vmlinuz-$KV" "$K/vmlinuz"
    rm -rf "$K/dl"
fi
if [ ! -f "$K/gpio-sim.ko" ]; then
    echo "gpio-sim-vm: building gpio-sim.ko for $KV" >&2
    if ! make -s -C "/lib/modules/$KV/build" M="$K/mod" modules >"$K/mod/build.log" 2>&1; then
        cat "$K/mod/build.log" >&2
        exit 1
    fi
    cp "$K/mod/gpio-sim.ko" "$K/gpio-sim.ko"
fi
flock -u 9
prepared=$(date +%s)

# The initramfs: busybox, the two modules, users and groups, the guest library, the test and
# the requested files with their shared libraries (Swift's runtime included, through ldd).
RUN=$(mktemp -d "$CACHE/run.XXXXXX")
trap 'rm -rf "$RUN"' EXIT
R=$RUN/root
mkdir -p "$R"/{bin,proc,sys,dev,tmp,etc,root,lib/modules,home/edge,home/nogpio}
cp /bin/busybox "$R/bin/"
for applet in $(/bin/busybox --list); do [ -e "$R/bin/$applet" ] || ln -s busybox "$R/bin/$applet"; done
cp "$K/configfs.ko" "$K/gpio-sim.ko" "$R/lib/modules/"
copy_in() { # HOSTPATH GUESTPATH
    mkdir -p "$R$(dirname "$2")"
    cp -rL "$1" "$R$2"
    local lib
    for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*' || true); do
        [ -e "$R$lib" ] || { mkdir -p "$R$(dirname "$lib")"; cp -L "$lib" "$R$lib"; }
    done
}
for spec in "$@"; do
    host=${spec%%=*}
    guest=$host
    case $spec in *=*) guest=${spec#*=} ;; esac
    case $guest in /*) ;; *) guest=/$guest ;; esac
    copy_in "$host" "$guest"
done
cat > "$R/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
edge:x:1000:1000:edgeflow in group gpio:/home/edge:/bin/sh
nogpio:x:1001:1001:edgeflow without gpio:/home/nogpio:/bin/sh
PASSWD
cat > "$R/etc/group" <<'GROUP'
root:x:0:
gpio:x:997:edge
edge:x:1000:
nogpio:x:1001:
GROUP
chown 1000:1000 "$R/home/edge"
chown 1001:1001 "$R/home/nogpio"
cp "$HERE/guest-lib.sh" "$R/guest-lib.sh"
cp "$GUEST_TEST" "$R/test.sh"
: > "$R/etc/test.env"
for kv in ${GUEST_ENV[@]+"${GUEST_ENV[@]}"}; do
    printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}" >> "$R/etc/test.env"
done
cat > "$R/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
chmod 1777 /tmp
insmod /lib/modules/configfs.ko && mount -t configfs none /sys/kernel/config
insmod /lib/modules/gpio-sim.ko
. /etc/test.env
export PATH=/bin:/usr/bin:/sbin:/usr/sbin HOME=/root
cd /
sh /test.sh
echo "TEST: exit status $?"
poweroff -f
INIT
chmod +x "$R/init" "$R/test.sh"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) > "$RUN/initrd.gz"

set +e
timeout "$TIME_LIMIT" qemu-system-x86_64 -accel tcg -m "$MEMORY" -smp 1 -nographic -no-reboot \
    -kernel "$K/vmlinuz" -initrd "$RUN/initrd.gz" -append "console=ttyS0 quiet panic=-1" \
    </dev/null | tee "$RUN/console.log"
vm_status=${PIPESTATUS[0]}
set -e
cp "$RUN/console.log" "$CACHE/last-console.log"
finished=$(date +%s)
echo "gpio-sim-vm: prepared in $((prepared - started)) s, initramfs $(du -h "$RUN/initrd.gz" | cut -f1)," \
    "VM ran $((finished - prepared)) s (console: $CACHE/last-console.log)" >&2
if grep -q '^TEST: PASS' "$RUN/console.log" && ! grep -q '^TEST: FAIL' "$RUN/console.log"; then
    exit 0
fi
echo "gpio-sim-vm: the guest did not pass; console tail:" >&2
tail -n 40 "$RUN/console.log" >&2
if [ "$vm_status" -eq 124 ]; then
    echo "gpio-sim-vm: the VM did not finish within $TIME_LIMIT s" >&2
    exit 124
fi
exit 1
