#!/usr/bin/env bash
# The soak (issue 12): the real app for DURATION seconds (default 3600) on an audio file of
# music and exact silence, played by a scripted nanoKONTROL2 through JACK the whole time, with
# its resident memory sampled every second and its frame gaps from its own `--health` rows.
#
#   tests/soak/soak.sh [DURATION_SEC [OUT_DIR]]        (CI: ctest -L soak, 120 s)
#
# Environment: AUTOLUME (the binary; default build/bin/autolume), SOAK_CONTROLLER (default
# build/bin/autolume_soak_controller), AUTOLUME_PYTHON (default /usr/bin/python3), and
# SOAK_ARGS (more app options, e.g. "--model my.pt").
#
# Setup: a fresh jackd (dummy driver, 48 kHz, 256 frames) and the controller's ports, with a
# 10 s timeout each and one retry with a new server (jackd 1.9.21 start-up race, see
# TESTING.md); an Xvfb of its own (1920x1080); the app with two windows (control window and a
# 640x360 output), the default model, `--midi` bound by name to the controller. Everything is
# stopped on exit, also when the script is interrupted.
#
# Fails (exit 1, one line "FAIL: ..." naming why) on: the app crashing, ending early or exiting
# non-zero; resident memory growing more than 5 % after the warm-up (the first 10 % of the run,
# at least 30 s and until GANSpace is ready: the maximum after it against the value at its
# end); an output frame gap over
# 100 ms after the warm-up in a second when the machine was idle apart from the soak (others
# used at most 0.25 cores; busier seconds are reported and not judged); the output stalling;
# the app receiving fewer MIDI messages than were sent. OUT_DIR gets summary.txt, timeseries.csv
# (one row per second), the app's health.csv, samples.csv and every log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${1:-3600}
out=${2:-$PWD/soak-$(date -u +%Y%m%dT%H%M%SZ)}
autolume=${AUTOLUME:-$root/build/bin/autolume}
controller=${SOAK_CONTROLLER:-$root/build/bin/autolume_soak_controller}
python=${AUTOLUME_PYTHON:-/usr/bin/python3}
read -r -a extra_args <<<"${SOAK_ARGS:-}"

[[ $duration =~ ^[0-9]+$ ]] && ((duration >= 60)) ||
    { echo "FAIL: the duration must be whole seconds, at least 60 (got '$duration')"; exit 2; }
for exe in "$autolume" "$controller"; do
    [[ -x $exe ]] || { echo "FAIL: $exe is not built (ninja -C build autolume autolume_soak_controller)"; exit 2; }
done
kit=/usr/share/hydrogen/data/drumkits/GMRockKit
[[ -f $kit/Kick-Hard.wav ]] || { echo "FAIL: $kit missing (hydrogen-data, scripts/setup)"; exit 2; }

rm -rf "$out" && mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$out"
echo "soak: ${duration} s, output in $out"

# --- the audio file: one 60 s cycle, repeated past the end of the run ----------------------
# 16 s of drums (GMRockKit, 120 BPM: kick 1 and 3, snare 2 and 4, closed hats in eighths) over
# C-Am-F-G chords, 8 s of exact silence, 8 s of chords alone, 8 s of clicks, 20 s of silence.
mkdir -p audio && (
    cd audio
    s() { sox -D -V1 "$@"; }
    one() { s "$kit/$1" -r 48000 -c 1 -b 16 "$2" gain -n -6; }
    one Kick-Hard.wav kick.wav
    one Snare-Hard.wav snare.wav
    one HatClosed-Med.wav hat.wav
    s kick.wav kick2.wav pad 0 2 trim 0 1 repeat 1
    s snare.wav snare2.wav pad 0.5 2 trim 0 1 repeat 1
    s hat.wav hat2.wav pad 0 1 trim 0 0.25 repeat 7
    s -m kick2.wav snare2.wav hat2.wav bar.wav
    s bar.wav drums.wav repeat 7
    chord() { echo "synth 4 sine $1 sine $2 sine $3 remix - gain -n -12"; }
    # shellcheck disable=SC2046
    s -n -r 48000 -c 1 -b 16 chords.wav $(chord C4 E4 G4) : $(chord A3 C4 E4) : \
        $(chord F3 A3 C4) : $(chord G3 B3 D4)
    s -m drums.wav chords.wav music.wav gain -n -3
    s chords.wav chords8.wav trim 0 8
    s -n -r 48000 -c 1 -b 16 clicks.wav synth 0.02 sine 1000 fade 0 0.02 0.015 pad 0 0.48 \
        repeat 15 gain -n -3
    s -n -r 48000 -c 1 -b 16 silence8.wav trim 0 8
    s -n -r 48000 -c 1 -b 16 silence20.wav trim 0 20
    s music.wav silence8.wav chords8.wav clicks.wav silence20.wav cycle.wav
    # Start-up and shutdown take a few seconds each: two cycles more than the run.
    s cycle.wav ../soak.wav repeat $((duration / 60 + 2))
    rm -f ./*.wav
) && rmdir audio
echo "soak: audio $(soxi -d soak.wav) ($(soxi -s soak.wav) samples)"

# --- processes, stopped on exit ------------------------------------------------------------
jack_pid="" ctl_pid="" app_pid="" mon_pid=""
stop_all() {
    local pid
    : >"$pids_file"
    for pid in "$mon_pid" "$app_pid" "$ctl_pid"; do
        [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
    done
    sleep 0.5
    for pid in "$mon_pid" "$app_pid" "$ctl_pid"; do
        [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null || true
    done
    stop_jack
}
stop_jack() {
    [[ -z $jack_pid ]] && return 0
    kill "$jack_pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do kill -0 "$jack_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$jack_pid" 2>/dev/null || true
    wait "$jack_pid" 2>/dev/null || true
    # A killed jackd leaves its sockets behind; clean them for the next server of the name.
    rm -rf /dev/shm/jack_"${JACK_DEFAULT_SERVER:-none}"_* 2>/dev/null || true
    jack_pid=""
}
pids_file=$out/pids
: >"$pids_file"
trap stop_all EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
# SIGKILL (a CTest timeout) skips the trap: a watchdog kills what is left once the script is
# gone. stop_all empties the list first, so it never signals a reused pid.
(
    while kill -0 $$ 2>/dev/null; do sleep 1; done
    # shellcheck disable=SC2046
    [[ -s $pids_file ]] && kill -KILL $(cat "$pids_file") 2>/dev/null
) </dev/null >/dev/null 2>&1 &
remember() { echo "$1" >>"$pids_file"; }

# Waits up to $3 s for the line $2 in file $1.
wait_for_line() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# jackd and the controller's ports; false (after saying why) when either does not come up.
start_jack_and_controller() {
    local attempt=$1 slot name
    # A name of a fixed small set, as the C++ fixture does (JACK's registry holds 8 servers).
    for slot in 0 1 2 3 4 5 6 7; do
        name=autolume_soak_$slot
        pgrep -f "jackd -v -n $name " >/dev/null || break
    done
    export JACK_DEFAULT_SERVER=$name JACK_NO_START_SERVER=1
    rm -rf /dev/shm/jack_"$name"_* 2>/dev/null || true
    jackd -v -n "$name" --no-realtime -S -t 4000 -d dummy -r 48000 -p 256 \
        >"jackd.$attempt.log" 2>&1 </dev/null &
    jack_pid=$!
    remember "$jack_pid"
    if ! wait_for_line "jackd.$attempt.log" JackThreadedDriver::Init 10; then
        echo "soak: attempt $attempt: jackd did not start in 10 s: $(tail -n 3 "jackd.$attempt.log")"
        return 1
    fi
    "$controller" --duration "$duration" --bind-timeout 120 >"controller.log" 2>&1 </dev/null &
    ctl_pid=$!
    remember "$ctl_pid"
    if ! wait_for_line controller.log '^ready$' 10; then
        echo "soak: attempt $attempt: the controller's JACK ports did not open in 10 s: $(tail -n 3 controller.log)"
        kill -KILL "$ctl_pid" 2>/dev/null || true
        wait "$ctl_pid" 2>/dev/null || true
        ctl_pid=""
        return 1
    fi
}
if ! start_jack_and_controller 1; then
    stop_jack
    start_jack_and_controller 2 || { echo "FAIL: cannot run jackd and the MIDI controller (twice)"; exit 1; }
fi

# shellcheck source=../integration/xserver.sh
source "$root/tests/integration/xserver.sh"
xserver_start_xvfb 1920x1080 || { echo "FAIL: Xvfb did not start"; exit 1; }

mkdir -p config data
# Not niced: the soak measures the app as it runs on stage.
XDG_CONFIG_HOME=$out/config XDG_DATA_HOME=$out/data \
    "$autolume" live --audio-file soak.wav --midi "soak nanoKONTROL2" \
    --midi-profile korg_nanokontrol2 --presets "$out/presets" --windows 2 --size 640 --height 360 \
    --health health.csv --duration $((duration + 120)) "${extra_args[@]}" \
    >app.log 2>&1 </dev/null &
app_pid=$!
remember "$app_pid"
start_unix=$(date +%s.%N)
"$python" "$here/soak_report.py" sample --pid "$app_pid" --out samples.csv \
    --setup-pids "$jack_pid $ctl_pid $XSERVER_PID" >monitor.log 2>&1 &
mon_pid=$!
remember "$mon_pid"

# The controller plays `duration` seconds once the app has bound it, then ends; the app is
# then asked to quit (SIGTERM, as a show's end) and must exit 0 within 30 s.
# Ends child $1 (TERM, then KILL after $2 s); its exit status in $ended_status.
ended_status=""
end_within() {
    local i
    kill -TERM "$1" 2>/dev/null || true
    for ((i = 0; i < $2 * 10; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$1" 2>/dev/null && { echo "soak: pid $1 did not end within $2 s; killed" >&2; kill -KILL "$1"; }
    set +e
    wait "$1"
    ended_status=$?
    set -e
}

app_status=""
ganspace_unix=0
early=0
while kill -0 "$ctl_pid" 2>/dev/null; do
    # GANSpace is computed (or read from its cache) in the background after the start: the
    # warm-up lasts at least until it is there.
    if [[ $ganspace_unix == 0 ]] && grep -q "GANSpace components\|GANSpace: \|GANSpace failed" app.log; then
        ganspace_unix=$(date +%s.%N)
    fi
    if ! kill -0 "$app_pid" 2>/dev/null; then
        end_unix=$(date +%s.%N)
        set +e
        wait "$app_pid"
        app_status=$?
        set -e
        app_pid=""
        early=1
        echo "soak: the app ended during the run with status $app_status"
        break
    fi
    sleep 1
done
stop_unix=$(date +%s.%N)
if ((early)); then
    # After a client's crash jackd can hold the others for tens of seconds (client timeout
    # 4 s, -S): the controller is ended, not waited for.
    end_within "$ctl_pid" 10
    ctl_status=$ended_status
    ctl_pid=""
else
    set +e
    wait "$ctl_pid"
    ctl_status=$?
    set -e
    ctl_pid=""
    stop_unix=$(date +%s.%N)
    sleep 1  # the last messages reach the app's queue
    # Asked to quit as at a show's end: it must exit 0 within 30 s.
    end_within "$app_pid" 30
    app_status=$ended_status
    app_pid=""
    end_unix=$(date +%s.%N)
fi
sleep 1.5  # the monitor sees the app gone and writes its last row
kill "$mon_pid" 2>/dev/null || true
wait "$mon_pid" 2>/dev/null || true
mon_pid=""
rm -f soak.wav  # made again by the next run (an hour of it is 360 MB)

"$python" "$here/soak_report.py" report --dir "$out" --duration "$duration" \
    --app-status "$app_status" --app-early "$early" --controller-status "$ctl_status" \
    --start-unix "$start_unix" --end-unix "$end_unix" --ganspace-unix "$ganspace_unix" \
    --stop-unix "$stop_unix"
