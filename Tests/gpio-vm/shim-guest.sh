#!/bin/sh
# Guest half of shim-test.sh: proves the ef_gpio_* shim against the real kernel driver, once per
# probe build named in SHIM_APIS (/probe-v1: gpio_v1.c + libgpiod 1.6, /probe-v2: gpio_v2.c +
# libgpiod 2.x). Every expected value comes from the gpio-sim side: the label and names given
# to configfs, the pulls written to sim_gpioN/pull, the levels read from sim_gpioN/value.
. /guest-lib.sh

probe_out() { # runs the probe, shows and keeps its output
    OUT=$("$@" 2>&1)
    printf '%s\n' "$OUT" | sed 's/^/  /'
    # A check made by a command the probe ran (-x/-y) failed inside it.
    case $OUT in *"TEST: FAIL"*) fail "a check inside: $*" ;; esac
}

# The whole list of edges the last probe saw, so a missing or an extra edge fails.
expect_edges() { # WHAT EDGES
    expect_eq "$1" "$(printf '%s\n' "$OUT" | sed -n 's/^PROBE edges=//p')" "$2"
}

check_api() {
    api=$1
    P=/probe-$api
    [ -x "$P" ] || fail "$P missing"
    sim_chip "shim-$api" 8 0=door 1=window 7=relay
    D=$SIM_DEV

    # Chip and line info: the label and names configfs was given.
    probe_out $P $D info
    expect_has "$api library is $api" "$OUT" "PROBE api=$api "
    expect_has "$api chip info" "$OUT" "PROBE chip name=$SIM_CHIP label=shim-$api lines=8"
    expect_has "$api line 0 name, free line" "$OUT" \
        "PROBE line 0 name=door used=0 consumer=- direction=input active_low=0 bias=as-is"
    expect_has "$api line 7 name" "$OUT" "PROBE line 7 name=relay used=0"
    expect_has "$api unnamed line" "$OUT" "PROBE line 2 name=- used=0"

    # Bias: gpio-sim turns the requested bias into its pull, so the value follows it.
    probe_out $P $D get -b up 2 -x '. /guest-lib.sh; expect_eq "pull under bias up" "$(cat $SIM_SYSFS/sim_gpio2/pull)" pull-up'
    expect_has "$api bias pull-up reads 1" "$OUT" "PROBE values 2=1"
    expect_has "$api bias pull-up reported" "$OUT" "PROBE line 2 name=- used=1 consumer=probe direction=input active_low=0 bias=pull-up"
    probe_out $P $D get -b down 2 -x '. /guest-lib.sh; expect_eq "pull under bias down" "$(cat $SIM_SYSFS/sim_gpio2/pull)" pull-down'
    expect_has "$api bias pull-down reads 0" "$OUT" "PROBE values 2=0"
    expect_has "$api bias pull-down reported" "$OUT" "bias=pull-down"

    # Plain and active-low reads of a level set from outside.
    sim_pull 3 up
    probe_out $P $D get 3
    expect_has "$api outside pull-up reads 1" "$OUT" "PROBE values 3=1"
    probe_out $P $D get -l 3
    expect_has "$api active-low of high reads 0" "$OUT" "PROBE values 3=0"
    expect_has "$api active-low reported" "$OUT" "PROBE line 3 name=- used=1 consumer=probe direction=input active_low=1"
    sim_pull 3 down
    probe_out $P $D get -l 3
    expect_has "$api active-low of low reads 1" "$OUT" "PROBE values 3=1"

    # Edges driven from the gpio-sim side, paced 100 ms apart like a real signal.
    sim_pull 4 down
    probe_out $P $D events -e both -x '. /guest-lib.sh; sim_pull 4 up; sleep 0.1; sim_pull 4 down; sleep 0.1; sim_pull 4 up' 4
    expect_edges "$api both edges in order" "4:rising,4:falling,4:rising"
    expect_has "$api edge timestamps" "$OUT" "PROBE timestamps increasing=1 within_monotonic_window=1"
    [ "$api" = v2 ] && expect_has "$api sequence numbers" "$OUT" "PROBE seqno=1/1,2/2,3/3"
    sim_pull 5 down
    probe_out $P $D events -l -e both -x '. /guest-lib.sh; sim_pull 5 up; sleep 0.1; sim_pull 5 down' 5
    expect_edges "$api active-low edges are logical" "5:falling,5:rising"
    probe_out $P $D events -e both -x '. /guest-lib.sh; sim_pull 4 down; sleep 0.1; sim_pull 5 up; sleep 0.1; sim_pull 4 up' 4 5
    expect_edges "$api edges of two lines in order" "4:falling,5:rising,4:rising"
    expect_has "$api two-line timestamps" "$OUT" "PROBE timestamps increasing=1 within_monotonic_window=1"
    [ "$api" = v2 ] && expect_has "$api per-line sequence numbers" "$OUT" "PROBE seqno=1/1,2/1,3/2"
    sim_pull 6 down
    probe_out $P $D events -e rising -x '. /guest-lib.sh; sim_pull 6 up; sleep 0.1; sim_pull 6 down; sleep 0.1; sim_pull 6 up' 6
    expect_edges "$api rising only" "6:rising,6:rising"
    # The same three changes without pacing (reported, not asserted: see the README).
    sim_pull 4 down
    probe_out $P $D events -e both -x '. /guest-lib.sh; sim_pull 4 up; sim_pull 4 down; sim_pull 4 up' 4
    echo "TEST: info $api unpaced up/down/up gives $(printf '%s\n' "$OUT" | grep 'PROBE edges=')"

    # Outputs: the level gpio-sim sees, logical values through active-low.
    probe_out $P $D output 7 1 -s 0 \
        -x '. /guest-lib.sh; expect_eq "relay while 1" "$(sim_value relay)" 1' \
        -y '. /guest-lib.sh; expect_eq "relay after set 0" "$(sim_value relay)" 0'
    expect_has "$api output info" "$OUT" "PROBE line 7 name=relay used=1 consumer=probe direction=output active_low=0"
    expect_has "$api output set" "$OUT" "PROBE set 7=0"
    probe_out $P $D output -l 6 1 -s 0 \
        -x '. /guest-lib.sh; expect_eq "active-low output 1 drives" "$(sim_value 6)" 0' \
        -y '. /guest-lib.sh; expect_eq "active-low output 0 drives" "$(sim_value 6)" 1'
    expect_has "$api active-low output set" "$OUT" "PROBE set 6=0"

    # A held line: EBUSY with the holder's consumer; the all-or-nothing request leaves line 1 free.
    probe_out $P $D get -c holder 2 -x "$P $D get -c second 1 2 > /tmp/busy; $P $D info > /tmp/held; true"
    cat /tmp/busy /tmp/held | sed 's/^/  /'
    expect_has "$api busy line refused" "$(cat /tmp/busy)" "PROBE error request_inputs errno=EBUSY"
    expect_has "$api busy line consumer" "$(cat /tmp/held)" "PROBE line 2 name=- used=1 consumer=holder"
    expect_has "$api all or nothing" "$(cat /tmp/held)" "PROBE line 1 name=window used=0 consumer=-"

    # Kernel debounce: v2 collapses a burst into one edge; v1 refuses the setting.
    sim_pull 0 down
    if [ "$api" = v2 ]; then
        probe_out $P $D events -e both -d 100000 -w 1000 \
            -x '. /guest-lib.sh; sim_pull 0 up; sim_pull 0 down; sim_pull 0 up; sim_pull 0 down; sim_pull 0 up' 0
        expect_edges "$api debounce collapses a burst" "0:rising"
        expect_has "$api debounced timestamp" "$OUT" "within_monotonic_window=1"
        sim_pull 0 down
        probe_out $P $D events -e both -w 1000 \
            -x '. /guest-lib.sh; sim_pull 0 up; sim_pull 0 down; sim_pull 0 up; sim_pull 0 down; sim_pull 0 up' 0
        echo "TEST: info $api same burst without debounce gives $(printf '%s\n' "$OUT" | grep 'PROBE edges=')"
    else
        probe_out $P $D get -d 1000 0
        expect_has "$api debounce refused" "$OUT" "PROBE error request_inputs errno=EOPNOTSUPP"
    fi

    # Permissions: the node is root:gpio 0660.
    probe_out as_user edge $P $D get 3
    expect_has "$api member of gpio reads" "$OUT" "PROBE values 3=0"
    probe_out as_user nogpio $P $D open
    expect_has "$api non-member refused" "$OUT" "PROBE error chip_open errno=EACCES"
}

for api in ${SHIM_APIS:-v1 v2}; do
    check_api "$api"
done
pass
