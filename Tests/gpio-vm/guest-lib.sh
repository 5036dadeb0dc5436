# Helpers for guest test scripts run by gpio-sim-vm.sh (busybox sh). Source it first:
#
#   . /guest-lib.sh
#   sim_chip edge-sim 8 0=door 7=relay   # gpio-sim chip "edge-sim", 8 lines, two named
#   sim_pull door up                     # the outside world pulls line "door" (or 0) high
#   wait_for '[ "$(sim_value relay)" = 1 ]' 2 || fail "relay never driven"
#   as_user edge /edgeflow run ...       # uid 1000, member of group gpio
#   pass
#
# After sim_chip (exported, so commands run by the program under test can source this file and
# use the helpers too): SIM_CHIP (gpiochipN), SIM_DEV (/dev/gpiochipN), SIM_LABEL, SIM_SYSFS (the
# directory with sim_gpioN/{pull,value}). The device node is root:gpio 0660, as udev sets it up
# on Raspberry Pi OS, so user edge (group gpio) may open it and user nogpio may not.
# Every wait is bounded; helpers return non-zero rather than exit, except fail.

SIM_CONFIGFS=/sys/kernel/config/gpio-sim

# Prints "TEST: FAIL <why>" and ends the test.
fail() {
    echo "TEST: FAIL $*"
    exit 1
}

# Prints the verdict gpio-sim-vm.sh looks for.
pass() {
    echo "TEST: PASS"
}

# Prints "TEST: ok <what>" when GOT equals WANT, fails the test otherwise.
expect_eq() { # WHAT GOT WANT
    [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
    echo "TEST: ok $1 = $3"
}

# Prints "TEST: ok <what>" when TEXT has a line containing NEEDLE, fails the test otherwise.
expect_has() { # WHAT TEXT NEEDLE
    printf '%s\n' "$2" | grep -qF -- "$3" || fail "$1: no line with '$3'"
    echo "TEST: ok $1"
}

# Runs CMD (a shell string) until it succeeds, at most TIMEOUT seconds (default 5), checking
# every 50 ms. Returns 1 if it never succeeded.
wait_for() { # CMD [TIMEOUT]
    _wf_tries=$(( ${2:-5} * 20 ))
    while [ "$_wf_tries" -gt 0 ]; do
        eval "$1" && return 0
        _wf_tries=$((_wf_tries - 1))
        sleep 0.05
    done
    return 1
}

# Creates and enables a gpio-sim chip: sim_chip LABEL NUM_LINES [OFFSET=NAME]...
# Unnamed lines have no name. Sets SIM_CHIP, SIM_DEV, SIM_LABEL, SIM_SYSFS.
sim_chip() {
    _sc_label=$1
    _sc_lines=$2
    shift 2
    _sc_dir=$SIM_CONFIGFS/$(echo "$_sc_label" | tr -c 'A-Za-z0-9_\n-' '_')
    mkdir "$_sc_dir" "$_sc_dir/bank0" || fail "sim_chip: cannot create $_sc_dir"
    echo "$_sc_lines" > "$_sc_dir/bank0/num_lines"
    echo "$_sc_label" > "$_sc_dir/bank0/label"
    SIM_NAMES=""
    for _sc_spec in "$@"; do
        _sc_off=${_sc_spec%%=*}
        _sc_name=${_sc_spec#*=}
        mkdir "$_sc_dir/bank0/line$_sc_off"
        echo "$_sc_name" > "$_sc_dir/bank0/line$_sc_off/name"
        SIM_NAMES="$SIM_NAMES $_sc_name=$_sc_off"
    done
    echo 1 > "$_sc_dir/live" || fail "sim_chip: gpio-sim refused to go live"
    SIM_LABEL=$_sc_label
    SIM_CHIP=$(cat "$_sc_dir/bank0/chip_name")
    SIM_DEV=/dev/$SIM_CHIP
    SIM_SYSFS=/sys/devices/platform/$(cat "$_sc_dir/dev_name")/$SIM_CHIP
    export SIM_LABEL SIM_CHIP SIM_DEV SIM_SYSFS SIM_NAMES
    wait_for '[ -c "$SIM_DEV" ]' 5 || fail "sim_chip: $SIM_DEV never appeared"
    chown root:gpio "$SIM_DEV"
    chmod 0660 "$SIM_DEV"
    echo "TEST: sim chip $SIM_LABEL is $SIM_CHIP ($SIM_DEV, $_sc_lines lines:$SIM_NAMES)"
}

# Offset of a line given by offset or by a name passed to sim_chip.
sim_offset() { # LINE
    case $1 in
    *[!0-9]*)
        for _so_pair in $SIM_NAMES; do
            [ "${_so_pair%=*}" = "$1" ] && { echo "${_so_pair##*=}"; return 0; }
        done
        echo "sim_offset: no line named $1" >&2
        return 1 ;;
    *) echo "$1" ;;
    esac
}

# Sets what the outside world does to an input line: pulls it up (1) or down (0).
sim_pull() { # LINE up|down
    _sp_off=$(sim_offset "$1") || return 1
    case $2 in up | down) ;; *) echo "sim_pull: up or down, not $2" >&2; return 1 ;; esac
    echo "pull-$2" > "$SIM_SYSFS/sim_gpio$_sp_off/pull"
}

# Prints the physical level (0/1) a line is at: what a requested output drives, or the pull.
sim_value() { # LINE
    _sv_off=$(sim_offset "$1") || return 1
    cat "$SIM_SYSFS/sim_gpio$_sv_off/value"
}

# Runs a command as USER (edge: in group gpio; nogpio: not), with that user's groups from
# /etc/group, in the user's home directory. Arguments are passed through unchanged.
as_user() { # USER CMD [ARG]...
    _au_user=$1
    shift
    su -s /bin/sh "$_au_user" -c 'cd "$HOME" && exec "$0" "$@"' -- "$@"
}
