#!/bin/sh
# Guest half of the edgeflow GPIO test (see edgeflow-test.sh): the field CLI and the agent
# against a real gpio-sim chip, as user edge (group gpio) and nogpio. Each check prints
# "TEST: ok ..."; the first failure ends the test. EDGEFLOW_API is v1 or v2.
. /guest-lib.sh
set -u
E=/edgeflow
B="--board /t/boards/vm.yaml"
export HOME=/home/edge
sim_chip edgeflow-vm 8 0=GPIO17 1=GPIO22 2=GPIO5 3=GPIO6 6=GPIO26 7=GPIO27

# /proc/uptime in ns (10 ms resolution); CLOCK_MONOTONIC and the uptime agree in a VM that never
# suspends, so kernel edge timestamps can be bracketed by it.
# The hundredths get a leading 1 so that "08" is not read as a bad octal number.
uptime_ns() { _u=$(cut -d' ' -f1 /proc/uptime); echo $(( ${_u%.*} * 1000000000 + 1${_u#*.} * 10000000 - 1000000000 )); }
json_field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" "$1" | sed -n "${3:-1}p" | tr -d '"'; }

echo "TEST: libgpiod $($E doctor --json | sed -n 's/.*"libgpiod","level":"pass","detail":"\([^"]*\)".*/\1/p')"
expect_has "this build uses the $EDGEFLOW_API API" "$($E doctor)" "($EDGEFLOW_API API"

# ---- field CLI ----
out=$(as_user edge $E gpio list $B --json) || fail "gpio list as edge failed: $out"
expect_has "gpio list names the chip by label" "$out" '"label":"edgeflow-vm"'
expect_has "gpio list shows the board's header pin" "$out" '"name":"GPIO27","direction":"input","bias":"as-is","activeLow":false,"used":false,"consumer":"","pin":13'
out=$(as_user nogpio $E gpio list $B 2>&1) && fail "gpio list without the gpio group succeeded"
expect_has "without the gpio group: permission denied" "$out" "permission denied"
expect_has "without the gpio group: the hint names the group" "$out" "'gpio' group"

expect_eq "gpio get with bias pull-up" "$(as_user edge $E gpio get GPIO17 --bias pull-up $B)" "GPIO17=1"
expect_eq "gpio get with bias pull-down" "$(as_user edge $E gpio get GPIO17 --bias pull-down $B)" "GPIO17=0"
expect_eq "gpio get --json" "$(as_user edge $E gpio get GPIO17 gpiochip0:1 --bias pull-up $B --json)" '{"GPIO17":1,"gpiochip0:1":1}'
out=$(as_user edge $E gpio get GPIO71 $B 2>&1); rc=$?
expect_eq "an unknown line exits 1" "$rc" 1
expect_has "an unknown line gets the nearest name" "$out" "did you mean 'GPIO17'?"

as_user edge $E gpio set GPIO27 1 --hold 4s $B > /tmp/set.out 2>&1 &
set_pid=$!
wait_for '[ "$(sim_value GPIO27)" = 1 ]' 5 || fail "gpio set never drove GPIO27 (sim side reads $(sim_value GPIO27)): $(cat /tmp/set.out)"
echo "TEST: ok gpio set is seen from the gpio-sim side"
out=$(as_user edge $E gpio get GPIO27 $B 2>&1) && fail "reading a held line succeeded"
expect_has "a held line is in use, by whom" "$out" "in use by 'edgeflow-set'"
wait $set_pid

sim_pull GPIO17 down
as_user edge $E gpio watch GPIO17 $B --count 2 --for 20s --json > /tmp/watch.out 2>&1 &
watch_pid=$!
wait_for '$E gpio list $B | grep -q edgeflow-watch' 10 || fail "gpio watch never requested its line"
t0=$(uptime_ns); sim_pull GPIO17 up; t1=$(uptime_ns)
sleep 0.2
t2=$(uptime_ns); sim_pull GPIO17 down; t3=$(uptime_ns)
wait $watch_pid || fail "gpio watch failed: $(cat /tmp/watch.out)"
expect_eq "first edge" "$(json_field /tmp/watch.out edge 1)/$(json_field /tmp/watch.out value 1)" "rising/1"
expect_eq "second edge" "$(json_field /tmp/watch.out edge 2)/$(json_field /tmp/watch.out value 2)" "falling/0"
k1=$(json_field /tmp/watch.out kernelNanoseconds 1); k2=$(json_field /tmp/watch.out kernelNanoseconds 2)
[ "$k1" -ge "$t0" ] && [ "$k1" -le $((t1 + 10000000)) ] || fail "rising edge stamped $k1, outside [$t0, $t1]"
[ "$k2" -ge "$t2" ] && [ "$k2" -le $((t3 + 10000000)) ] || fail "falling edge stamped $k2, outside [$t2, $t3]"
echo "TEST: ok edges carry the kernel's timestamps ($k1, $k2 within the uptime around each pull)"

sim_pull GPIO22 down
as_user edge $E gpio watch GPIO22 $B --debounce 300ms --count 5 --for 3s --json > /tmp/bounce.out 2>&1 &
watch_pid=$!
wait_for '$E gpio list $B | grep -q edgeflow-watch' 10 || fail "gpio watch never requested its line"
for i in 1 2 3 4 5; do sim_pull GPIO22 up; sim_pull GPIO22 down; done
sim_pull GPIO22 up
wait $watch_pid
expect_eq "a burst of 11 bounces is debounced to one edge" "$(grep -c edge /tmp/bounce.out)" 1
expect_eq "the debounced edge" "$(json_field /tmp/bounce.out edge 1)" rising
sim_pull GPIO22 down

# ---- the agent ----
mkdir -p /home/edge/data && chown edge:edge /home/edge/data
cp -r /t/* /home/edge/ && chown -R edge /home/edge
R=/home/edge/data/records.jsonl
start_agent() { # OUT
    AGENT_OUT=$1
    as_user edge $E run --config /home/edge/agent.yaml > "$AGENT_OUT" 2>&1 &
    # Outputs are driven safe before acquisition starts; the live view confirms each.
    wait_for 'grep -q "output lamp (GPIO26) = 1" "$AGENT_OUT"' 20 || fail "the agent did not start: $(cat "$AGENT_OUT")"
    wait_for 'pidof edgeflow > /dev/null' 5 || fail "no edgeflow process"
    AGENT=$(pidof edgeflow)
}
stop_agent() { # SIGNAL
    kill -"$1" "$AGENT"
    wait_for '! kill -0 "$AGENT" 2>/dev/null' 20 || fail "the agent did not stop on SIG$1"
}
start_agent /tmp/agent.out
expect_eq "on start the lamp is at its safe value 1" "$(sim_value GPIO26)" 1
expect_eq "on start the relay is at its safe value 0" "$(sim_value GPIO27)" 0
wait_for 'grep -q level_switch "$R"' 5 || fail "no first frame: $(cat /tmp/agent.out)"
expect_has "the first frame reads every line, with its bias" "$(head -n 2 "$R")" '"points":{"door":0,"button":0,"water":0,"water_count":0,"water_rate":0}'
expect_has "the polled line reads its pull-up bias" "$(head -n 2 "$R")" '"points":{"level_switch":1}'

sim_pull GPIO17 up
wait_for '[ "$(sim_value GPIO27)" = 1 ]' 5 || fail "the flow did not turn the door's edge into the relay: $(tail -n 5 /tmp/agent.out)"
echo "TEST: ok an input edge drives the output through a flow"
# The agent reports the level its driver confirmed (a write read back from the kernel, then a
# read-back every readback_interval), which must be the level gpio-sim sees on the line.
level=$(sim_value GPIO27)
relay_json() { as_user edge $E status --json --config /home/edge/agent.yaml | grep -o '"id":"relay",[^}]*'; }
wait_for 'relay_json | grep -q "\"state\":\"confirmed\",\"stateSeconds\":[0-9.]*,\"value\":$level,\"commanded\":$level,"' 5 \
    || fail "status --json does not show the relay confirmed at the kernel's level $level: $(relay_json)"
expect_has "status --json: the relay is read back on demand, without a mismatch" "$(relay_json)" '"readBack":"on-demand","mismatch":false'
echo "TEST: ok status --json shows the relay confirmed at the level the kernel reports ($level)"
sim_pull GPIO17 down
wait_for '[ "$(sim_value GPIO27)" = 0 ]' 5 || fail "the relay did not follow the door back"
echo "TEST: ok the relay follows the door back"

# The door is debounced 300 ms, the button not: pressed 100 ms after the door opened, the
# button's frame is pushed first, but the door's frame carries the earlier (kernel) edge time.
opened=$(grep -c '"door":1' "$R")
sim_pull GPIO17 up; sleep 0.1; sim_pull GPIO22 up
wait_for '[ "$(grep -c "\"door\":1" "$R")" -gt "$opened" ] && grep -q "\"button\":1" "$R"' 5 || fail "door or button frame missing"
door_ts=$(grep '"door":1' "$R" | tail -n 1 | sed 's/.*"ts":\([0-9]*\).*/\1/')
button_ts=$(grep '"button":1' "$R" | tail -n 1 | sed 's/.*"ts":\([0-9]*\).*/\1/')
door_seq=$(grep '"door":1' "$R" | tail -n 1 | sed 's/.*"seq":\([0-9]*\).*/\1/')
button_seq=$(grep '"button":1' "$R" | tail -n 1 | sed 's/.*"seq":\([0-9]*\).*/\1/')
[ "$button_seq" -lt "$door_seq" ] || fail "the debounced door frame (seq $door_seq) came before the button's ($button_seq)"
[ "$door_ts" -lt "$button_ts" ] || fail "door stamped $door_ts, not before the button's $button_ts"
echo "TEST: ok a debounced edge keeps its kernel time ($door_ts < $button_ts) though reported later"
wait_for 'grep -q "output write refused" /tmp/agent.out' 5 || fail "the out-of-envelope write was not refused"
expect_has "the refusal names the rule" "$(grep 'output write refused' /tmp/agent.out)" "rule=range"
expect_eq "after the refused write the relay still follows the door" "$(sim_value GPIO27)" 1
sim_pull GPIO22 down

for i in 1 2 3 4; do sim_pull GPIO5 up; sleep 0.02; sim_pull GPIO5 down; sleep 0.02; done
wait_for 'grep -q "\"water_count\":2" "$R"' 5 || fail "4 pulses x 0.5 never made water_count 2: $(grep water "$R" | tail -n 3)"
echo "TEST: ok a pulse counter counts rising edges, scaled"
status=$(as_user edge $E status --config /home/edge/agent.yaml) || fail "edgeflow status failed: $status"
printf '%s\n' "$status" | grep -Eq '^contacts +gpio +ok ' || fail "status does not show contacts ok: $status"
echo "TEST: ok edgeflow status shows the GPIO source ok"

stop_agent TERM
expect_eq "SIGTERM: the agent's last word on the relay" "$(grep 'output relay' /tmp/agent.out | tail -n 1)" "output relay (GPIO27) = 0"
expect_has "SIGTERM: a clean stop" "$(cat /tmp/agent.out)" "edgeflow stopped"
# The figure, not a check (tests never assert timings): kernel edge time to the flow engine.
latency=$(sed -n 's/.*edges=\([0-9]*\) p50_us=\([0-9]*\) p99_us=\([0-9]*\).*gpio edge to flow engine.*/\1 edges: p50 \2 us, p99 \3 us/p' /tmp/agent.out)
[ -n "$latency" ] || fail "the agent logged no edge latency: $(tail -n 5 /tmp/agent.out)"
echo "TEST: figure kernel edge -> flow engine ($EDGEFLOW_API, TCG VM): $latency"

start_agent /tmp/agent2.out
sim_pull GPIO17 up
wait_for '[ "$(sim_value GPIO27)" = 1 ]' 5 || fail "second run: the relay did not follow the door"
stop_agent INT
expect_eq "SIGINT: the agent's last word on the relay" "$(grep 'output relay' /tmp/agent2.out | tail -n 1)" "output relay (GPIO27) = 0"
sim_pull GPIO17 down

mkdir -p /home/nogpio/flows /home/nogpio/boards
cp /t/flows/* /home/nogpio/flows/ && cp /t/boards/* /home/nogpio/boards/
sed 's|/home/edge/data|/home/nogpio/data|' /t/agent.yaml > /home/nogpio/agent.yaml
chown -R nogpio /home/nogpio
out=$(as_user nogpio $E run --config /home/nogpio/agent.yaml 2>&1) && fail "the agent ran without the gpio group"
echo "$out" | tail -n 1
expect_has "without the gpio group the agent says why" "$out" "permission denied (hint: run edgeflow as a member of the 'gpio' group"
pass
