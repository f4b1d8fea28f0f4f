#!/usr/bin/env bash
# Live recording, stream and virtual camera of the app under Xvfb, on a 120 BPM click track with
# the post chain's flash up (post.flash.amount 1: the picture flashes on each onset).
#   --record: ffprobe finds H.264 + AAC; the file is as long as the recorded span (within
#     0.5 s); each click in its audio and the flash in its video are less than one frame apart
#     (a picture goes to the time of the music it shows, not the show's own 45-60 ms later; the
#     present log prints what the audience saw live); nothing dropped.
#   kill -9 mid-recording: the file is playable up to about its last second.
#   The R key starts a recording (a file named by the time) and stops it.
#   A record file that cannot be opened: one line naming it, and the show goes on (exit 0).
#   --stream udp://: a receiver started before the app decodes video and audio.
#   --v4l2: skipped with a message where no v4l2loopback device exists.
set -uo pipefail
out=${1:?output dir}
source "$(dirname "$0")/check.sh"
autolume=${AUTOLUME:?path of the autolume binary}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out" && mkdir -p "$out" && cd "$out"
fail=0
fps=30

sox -D -n -r 48000 -c 1 -b 16 click.wav synth 0.02 sine 1000 fade 0 0.02 0.015 pad 0 0.48 repeat 39
echo '{"post.flash.amount": {"value": 1}, "walk.base_speed": {"value": 0}}' >flash.json
live() { timeout 120 xvfb-run -a -s "-screen 0 1280x720x24" "$autolume" --audio-file click.wav \
    --size 640 --height 360 --params flash.json "$@"; }
probe() { ffprobe -v error -select_streams "$2" -show_entries "stream=$3" -of default=nw=1:nk=1 "$1" | head -1; }
start_of() { sed -n 's/.*from audio \([0-9.]*\) s.*/\1/p' "$1" | head -1; }
# Seconds of audio the recording spans: from its start to the last present.
span_of() { awk -F, -v s="$1" 'NR > 1 { last = $2 } END { printf "%.3f", last - s }' "$2"; }

# --- the recording
live --duration 7 --record rec.mkv --present-log presents.csv >rec.log 2>&1
grep -q "recording rec.mkv: libx264 running" rec.log || { echo "FAIL record: not started"; cat rec.log; fail=1; }
vcodec=$(probe rec.mkv v:0 codec_name) acodec=$(probe rec.mkv a:0 codec_name)
[[ $vcodec == h264 && $acodec == aac ]] && echo "ok   streams: $vcodec + $acodec" ||
    { echo "FAIL streams: '$vcodec' + '$acodec' (want h264 + aac)"; fail=1; }
start=$(start_of rec.log) span=$(span_of "$start" presents.csv)
duration=$(ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 rec.mkv)
awk -v d="$duration" -v s="$span" 'BEGIN { ok = (d - s < 0.5 && s - d < 0.5 && s > 5.5)
    printf "%s  duration %s s, recorded span %s s\n", ok ? "ok  " : "FAIL", d, s; exit !ok }' || fail=1
grep -q "recording rec.mkv: .* 0 dropped frames, 0 audio frames lost" rec.log &&
    echo "ok   nothing dropped" || { echo "FAIL drops: $(grep 'recording rec.mkv: .*frames (' rec.log)"; fail=1; }
read -r _ clicks _ flashes _ offset _ matched _ live_ms < <(/usr/bin/python3 "$here/av_offset.py" rec.mkv presents.csv 0.5 "$start")
awk -v c="$clicks" -v m="$matched" -v o="$offset" -v l="$live_ms" -v f="$fps" 'BEGIN {
    frame = 1000 / f; ok = (c >= 10 && m >= c * 0.6 && o < frame && o > -frame)
    printf "%s  A/V: clicks %s, matched flashes %s; click->flash %s ms in the file (below a frame: %.1f ms), %s ms live\n",
        ok ? "ok  " : "FAIL", c, m, o, frame, l; exit !ok }' || fail=1

# --- kill -9 while recording: the file plays up to about its last second
display=:$((90 + RANDOM % 50))
Xvfb "$display" -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 1
DISPLAY=$display "$autolume" --audio-file click.wav --size 640 --height 360 --params flash.json \
    --duration 60 --record killed.mkv --present-log killed.csv >killed.log 2>&1 &
app=$!
for _ in $(seq 100); do grep -q "killed.mkv: libx264 running" killed.log && break; sleep 0.1; done
sleep 5
kill -9 "$app"
wait "$app" 2>/dev/null
kill "$xvfb"
wait "$xvfb" 2>/dev/null
kstart=$(start_of killed.log) kspan=$(span_of "$kstart" killed.csv)
last=$(ffprobe -v error -select_streams v:0 -show_entries frame=pts_time -of csv=p=0 killed.mkv | tr -d , | tail -1)
kframes=$(ffmpeg -v error -i killed.mkv -map 0:v -f framemd5 - | grep -vc '^#')
kaudio=$(probe killed.mkv a:0 codec_name)
awk -v l="${last:-0}" -v s="$kspan" -v n="$kframes" -v a="$kaudio" 'BEGIN {
    ok = (l >= s - 1.2 && s > 4 && n >= (s - 1.2) * 20 && a == "aac")
    printf "%s  kill -9: playable to %s s of %s s recorded, %s frames decoded, audio %s\n",
        ok ? "ok  " : "FAIL", l, s, n, a; exit !ok }' || fail=1

# --- the R key: a recording starts and stops on the performer's key (a new file each time)
display=:$((140 + RANDOM % 50))
Xvfb "$display" -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 1
mkdir -p keyed && (cd keyed && DISPLAY=$display "$autolume" --audio-file ../click.wav --size 640 \
    --height 360 --params ../flash.json --windows 1 --duration 12 >../keyed.log 2>&1) &
app=$!
for _ in $(seq 150); do grep -q "presented\|first frame" keyed.log && break; sleep 0.1; done
sleep 2
window=$(DISPLAY=$display xdotool search --name "^autolume" | head -1)
press_r() { DISPLAY=$display xdotool windowfocus "$window" keydown r sleep 0.01 keyup r; }
press_r
sleep 3
press_r
wait "$app"
kill "$xvfb"
wait "$xvfb" 2>/dev/null
files=(keyed/autolume-*.mkv)
kdur=$(ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "${files[0]}" 2>/dev/null)
if ((${#files[@]} == 1)) && grep -q "record: start" keyed.log && grep -q "record: stop" keyed.log &&
    awk -v d="${kdur:-0}" 'BEGIN { exit !(d > 2.3 && d < 3.8) }'; then
    echo "ok   R key: started and stopped ${files[0]} (${kdur} s for 3 s between the presses)"
else
    echo "FAIL R key: files ${files[*]}, duration '${kdur}'"; cat keyed.log; fail=1
fi

# --- a record file that cannot be opened: one line naming it, the show goes on
check record_unwritable 0 "no/such/dir/x.mkv.*cannot open.*the show goes on" -- \
    live --duration 3 --record no/such/dir/x.mkv

# --- stream: a receiver listening before the app starts
port=$((20000 + RANDOM % 20000))
timeout 40 ffmpeg -v error -y -i "udp://127.0.0.1:$port?timeout=30000000" -map 0 -c copy -t 4 \
    received.ts >receiver.log 2>&1 &
receiver=$!
sleep 1
live --duration 7 --stream "udp://127.0.0.1:$port" >stream.log 2>&1
wait "$receiver"
rv=$(probe received.ts v:0 codec_name) ra=$(probe received.ts a:0 codec_name)
rframes=$(ffmpeg -v error -i received.ts -map 0:v -f framemd5 - 2>/dev/null | grep -vc '^#')
rsamples=$(ffmpeg -v error -i received.ts -map 0:a -ac 1 -f s16le - 2>/dev/null | wc -c)
if [[ $rv == h264 && $ra == aac ]] && ((rframes >= 60 && rsamples >= 2 * 48000 * 2)); then
    echo "ok   stream: the receiver decoded $rframes frames of $rv and $((rsamples / 2)) samples of $ra"
else
    echo "FAIL stream: receiver got '$rv' + '$ra', $rframes frames, $rsamples audio bytes"
    cat receiver.log stream.log
    fail=1
fi

# --- v4l2loopback: only where such a device exists
device=$(for d in /dev/video*; do
    [[ -e $d ]] && v4l2-ctl -d "$d" --info 2>/dev/null | grep -q "Video Output" && echo "$d"
done | head -1)
if [[ -z $device ]]; then
    echo "skip v4l2: no v4l2loopback device (load it: sudo modprobe v4l2loopback exclusive_caps=1)"
else
    live --duration 8 --v4l2 "$device" >v4l2.log 2>&1 &
    app=$!
    sleep 3
    timeout 10 ffmpeg -v error -y -f v4l2 -i "$device" -frames:v 30 camera.mkv
    wait "$app"
    cframes=$(ffmpeg -v error -i camera.mkv -map 0:v -f framemd5 - | grep -vc '^#')
    ((cframes == 30)) && echo "ok   v4l2: 30 frames read from $device" ||
        { echo "FAIL v4l2: $cframes frames read from $device"; fail=1; }
fi
exit $fail
