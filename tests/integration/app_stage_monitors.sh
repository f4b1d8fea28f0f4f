#!/usr/bin/env bash
# The stage on two monitors (Xorg with the dummy driver, xserver.sh): by default the output goes
# fullscreen on the second monitor and the control window on the first; M moves the output to
# the next monitor; the output's monitor unplugged during the show moves the output off it
# (windowed, as the only monitor left holds the control window), plugged back it returns.
set -uo pipefail
out=${1:?output dir}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/check.sh"
source "$here/xserver.sh"
autolume=${AUTOLUME:?path of the autolume binary}
rm -rf "$out" && mkdir -p "$out" && cd "$out"

if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: the two-monitor X server (Xorg with -config) needs root"
    exit 77
fi

# expect NAME PATTERN SECONDS: the app logs PATTERN within SECONDS.
expect() {
    for ((i = 0; i < $3 * 10; i++)); do
        if grep -qF -- "$2" app.log; then echo "ok   $1"; return 0; fi
        sleep 0.1
    done
    echo "FAIL $1: no '$2' in the log"; tail -15 app.log; fail=1
    return 1
}
# geometry TITLE: "X Y W H" of the window named TITLE.
geometry() {
    local id
    id=$(xdotool search --name "^$1\$" | head -1)
    xdotool getwindowgeometry --shell "$id" | awk -F= '{v[$1]=$2} END {print v["X"], v["Y"], v["WIDTH"], v["HEIGHT"]}'
}

xserver_start 1280x720 1024x600 || { echo "FAIL: no two-monitor X server"; exit 1; }
sox -D -n -r 48000 -c 1 -b 16 silence.wav trim 0 60
"$autolume" --audio-file silence.wav --threads 1 --duration 60 >app.log 2>&1 &
app=$!

expect start "output: fullscreen on 1 (DUMMY1); control: window on 0 (DUMMY0) (output at 1280 0 1024x600)" 90
expect first_frame "first frame on the output" 60
g=$(geometry "autolume control")
read -r cx cy cw ch <<<"$g"
((cx >= 0 && cx + cw <= 1280 && cy + ch <= 720)) && echo "ok   control window inside monitor 0 ($g)" ||
    { echo "FAIL: control window at $g"; fail=1; }
g=$(geometry "autolume output")
[[ $g == "1280 0 1024 600" ]] && echo "ok   output covers monitor 1" || { echo "FAIL: output at $g"; fail=1; }

output=$(xdotool search --name "^autolume output\$" | head -1)
xdotool windowfocus "$output"; xdotool keydown m sleep 0.001 keyup m
expect key_m "output: fullscreen on 0 (DUMMY0); control: window on 0 (DUMMY0) (output at 0 0 1280x720)" 10
xdotool windowfocus "$output"; xdotool keydown m sleep 0.001 keyup m
expect key_m_back "key M: next monitor" 10
sleep 1
n=$(grep -c "output: fullscreen on 1 (DUMMY1)" app.log)
((n >= 2)) && echo "ok   M again: back on 1 ($n placements there)" ||
    { echo "FAIL: M did not bring the output back to 1"; fail=1; }

xserver_unplug 1 || fail=1
expect unplug_seen "monitors changed: 0: DUMMY0 1280x720+0+0 60 Hz (primary)" 15
expect unplug_moved "output: windowed; control: window on 0 (DUMMY0)" 15
xserver_replug 1 || fail=1
expect replug_seen "monitors changed: 0: DUMMY0 1280x720+0+0 60 Hz (primary), 1: DUMMY1 1024x600+1280+0 60 Hz" 15
sleep 2
n=$(grep -c "output: fullscreen on 1 (DUMMY1); control: window on 0 (DUMMY0) (output at 1280 0 1024x600)" app.log)
((n >= 3)) && echo "ok   replugged: the output is back on 1" || { echo "FAIL: not back on 1 ($n)"; tail app.log; fail=1; }

if kill -0 $app 2>/dev/null; then
    kill -TERM $app; wait $app; rc=$?
    ((rc == 0)) && echo "ok   exit 0" || { echo "FAIL: exit $rc"; fail=1; }
else
    wait $app; echo "FAIL: the app died (exit $?)"; tail -20 app.log; fail=1
fi
((fail == 0)) && echo "PASS"
exit $fail
