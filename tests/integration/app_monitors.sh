#!/usr/bin/env bash
# Monitors through real X servers (xserver.sh): `autolume devices` lists the two monitors of an
# Xorg with the dummy driver, the one of an Xvfb, and says "no display" without DISPLAY; a
# GLFW probe sees monitor 1 unplugged and plugged back through its monitor callback.
set -uo pipefail
out=${1:?output dir}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/check.sh"
source "$here/xserver.sh"
autolume=${AUTOLUME:?path of the autolume binary}
probe=${MONITOR_PROBE:?path of autolume_monitor_probe}
rm -rf "$out" && mkdir -p "$out" && cd "$out"

if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: the two-monitor X server (Xorg with -config) needs root"
    exit 77
fi

# same NAME EXPECTED_FILE GOT_FILE: the two files are equal.
same() {
    if diff -u "$2" "$3" >"$1.diff"; then
        echo "ok   $1"
    else
        echo "FAIL $1:"; cat "$1.diff"; fail=1
    fi
}

# monitors NAME: runs `autolume devices`, keeps its monitor lines in NAME.monitors.
monitors() {
    "$autolume" devices >"$1.out" 2>"$1.err"
    local rc=$?
    ((rc == 0)) || { echo "FAIL $1: autolume devices exited $rc"; cat "$1.err"; fail=1; }
    sed -n '/^monitors/,$p' "$1.out" >"$1.monitors"
}

# expect_line NAME EXPECTED: the probe's next line is EXPECTED (15 s at most).
expect_line() {
    local line=""
    if ! read -r -t 15 line <&"$probe_out"; then
        echo "FAIL $1: the probe said nothing more (expected '$2')"; fail=1
    elif [[ $line != "$2" ]]; then
        echo "FAIL $1: the probe said '$line', expected '$2'"; fail=1
    else
        echo "ok   $1"
    fi
    echo "$line" >>probe.log
}

# Two monitors.
xserver_start 1920x1080 1280x720 || { echo "FAIL: no two-monitor X server"; exit 1; }
monitors two
cat >two.expected <<'END'
monitors (--output-monitor):
   0 * DUMMY0 1920x1080 at +0+0, 60 Hz
   1   DUMMY1 1280x720 at +1920+0, 60 Hz
END
same devices_two_monitors two.expected two.monitors

# Monitor 1 unplugged and plugged back while a GLFW program runs.
two_line="monitors 2: 0: DUMMY0 1920x1080+0+0 60 Hz (primary), 1: DUMMY1 1280x720+1920+0 60 Hz"
# Through a FIFO rather than a coproc: bash drops a coproc's pipe as soon as it exits, with
# lines still unread in it.
mkfifo probe.fifo
"$probe" 2 30 >probe.fifo 2>&1 &
probe_pid=$!
exec {probe_out}<probe.fifo
expect_line probe_start "$two_line"
xserver_unplug 1 || { echo "FAIL: xserver_unplug 1"; fail=1; }
expect_line probe_unplug_event "event disconnected DUMMY1"
expect_line probe_unplugged "monitors 1: 0: DUMMY0 1920x1080+0+0 60 Hz (primary)"
monitors unplugged
printf '%s\n' "monitors (--output-monitor):" "   0 * DUMMY0 1920x1080 at +0+0, 60 Hz" \
    >unplugged.expected
same devices_monitor_unplugged unplugged.expected unplugged.monitors
xserver_replug 1 || { echo "FAIL: xserver_replug 1"; fail=1; }
expect_line probe_replug_event "event connected DUMMY1"
expect_line probe_replugged "$two_line"
wait "$probe_pid"
probe_rc=$?
((probe_rc == 0)) || { echo "FAIL probe: exit $probe_rc, expected 0"; fail=1; }
exec {probe_out}<&-

# The primary goes: the other monitor moves to the origin and is GLFW's first (its primary).
xserver_unplug 0 || { echo "FAIL: xserver_unplug 0"; fail=1; }
monitors primary_unplugged
printf '%s\n' "monitors (--output-monitor):" "   0 * DUMMY1 1280x720 at +0+0, 60 Hz" \
    >primary_unplugged.expected
same devices_primary_unplugged primary_unplugged.expected primary_unplugged.monitors
xserver_replug 0 || { echo "FAIL: xserver_replug 0"; fail=1; }
monitors replugged
same devices_both_replugged two.expected replugged.monitors
xserver_stop

# One monitor: Xvfb, which does not give a refresh rate and cannot unplug.
xserver_start_xvfb 1280x720 || { echo "FAIL: no Xvfb"; exit 1; }
monitors one
printf '%s\n' "monitors (--output-monitor):" "   0 * screen 1280x720 at +0+0, refresh unknown" \
    >one.expected
same devices_one_monitor one.expected one.monitors
check xvfb_unplug 1 "only xserver_start's monitors can be unplugged" -- xserver_unplug 0
xserver_stop

# No display at all.
env -u DISPLAY "$autolume" devices >none.out 2>none.err
grep '^monitors' none.out >none.monitors
echo "monitors: no display (DISPLAY unset: no X server to ask; run under X11 or set DISPLAY)" \
    >none.expected
same devices_no_display none.expected none.monitors

((fail == 0)) && echo "PASS"
exit $fail
