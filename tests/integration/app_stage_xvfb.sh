#!/usr/bin/env bash
# The stage under Xvfb (one monitor, so --windows 2 asks for both windows): two top-level
# windows; the output window's pixels are the picture after the post chain and nothing else
# (X11 capture == the app's own readback); in fill mode it covers the window (no bars) and is
# the generated frame upscaled (PSNR against ImageMagick's Lanczos); the control window holds
# the panel; 1 ms taps of Tab and F are never lost in 20 tries; a monitor that does not exist
# gets one line and a windowed output; a broken user stage is bypassed and named.
set -uo pipefail
out=${1:?output dir}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/check.sh"
source "$here/xserver.sh"
autolume=${AUTOLUME:?path of the autolume binary}
rm -rf "$out" && mkdir -p "$out" && cd "$out"
awk_gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }
convert=/usr/bin/convert
compare=/usr/bin/compare

# wait_log FILE PATTERN SECONDS: the app said PATTERN.
wait_log() {
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q -- "$2" "$1" && return 0
        sleep 0.1
    done
    echo "FAIL: no '$2' in $1 after $3 s"; tail -20 "$1"; return 1
}
# window_id TITLE: the top-level window with exactly that name.
window_id() { xdotool search --name "^$1\$" 2>/dev/null | head -1; }
# tap WINDOW KEY: focus it, press KEY for 1 ms.
tap() {
    xdotool windowfocus --sync "$1" 2>/dev/null || xdotool windowfocus "$1"
    xdotool keydown "$2" sleep 0.001 keyup "$2"
    sleep 0.12
}

sox -D -n -r 48000 -c 1 -b 16 silence.wav trim 0 60
python3 "$here/../tools/stage_params.py" still still.json

xserver_start_xvfb 2000x1000 || { echo "FAIL: no Xvfb"; exit 1; }

# 1. Two windows, a still picture (silence, no drift, post chain neutral).
"$autolume" --audio-file silence.wav --params still.json --windows 2 --size 640 --height 360 \
    --fit fill --threads 1 --duration 60 --screenshot-dir shots --screenshot-interval 0.5 \
    >app.log 2>&1 &
app=$!
wait_log app.log "first frame on the output" 90 || { kill $app; exit 1; }
sleep 3
output=$(window_id "autolume output")
control=$(window_id "autolume control")
if [[ -n $output && -n $control && $output != "$control" ]]; then
    echo "ok   two top-level windows (output $output, control $control)"
else
    echo "FAIL: windows output='$output' control='$control'"; fail=1
fi

import -window "$output" output.png
import -window "$control" control.png
shot=$(ls shots/*.png | sort | tail -1)
frame=shots/frames/$(basename "$shot")
size=$(identify -format "%wx%h" output.png)
[[ $size == 640x360 ]] && echo "ok   output window 640x360" || { echo "FAIL: output is $size"; fail=1; }

# The window shows exactly what the app drew (no UI): zero differing pixels.
ae=$($compare -metric AE output.png "$shot" null: 2>&1)
[[ $ae == 0 ]] && echo "ok   output capture == app readback" ||
    { echo "FAIL: output capture differs from the readback in $ae pixels"; fail=1; }

# Fill: the frame scaled to cover 640x640, centre 640x360; Lanczos here vs ImageMagick's.
$convert "$frame" -alpha off -filter Lanczos -resize 640x640 -gravity center -crop 640x360+0+0 \
    +repage reference.png
psnr=$($compare -metric PSNR output.png reference.png null: 2>&1 | cut -d' ' -f1)
echo "PSNR output vs Lanczos(frame): $psnr dB"
awk_gt "$psnr" 30 && echo "ok   output is the frame (fill) after the chain" ||
    { echo "FAIL: output is not the fill-scaled frame (PSNR $psnr dB)"; fail=1; }
$convert "$frame" -alpha off -resize 640x360\! stretched.png
psnr_stretch=$($compare -metric PSNR output.png stretched.png null: 2>&1 | cut -d' ' -f1)
awk_gt "$psnr" "$psnr_stretch" && echo "ok   fill is closer than stretch ($psnr_stretch dB)" ||
    { echo "FAIL: fill is not closer to the output than stretch"; fail=1; }

# No black bars: every edge row and column has picture in it.
for crop in 640x2+0+0 640x2+0+358 2x360+0+0 2x360+638+0; do
    max=$($convert output.png -crop "$crop" +repage -colorspace Gray -format "%[fx:maxima]" info:)
    awk_gt "$max" 0.05 || { echo "FAIL: edge $crop is black (max $max)"; fail=1; }
done
echo "ok   edges checked for bars"

# The control window holds the panel: ImGui's window background (13,13,13) covers much of it,
# and is (next to) nowhere in the output.
panel_px() { $convert "$1" -alpha off -fill white -opaque "rgb(13,13,13)" -fill black +opaque white \
    -format "%[fx:mean*w*h]" info:; }
ctl=$(panel_px control.png) outp=$(panel_px output.png)
echo "panel background pixels: control $ctl, output $outp"
awk_gt "$ctl" 100000 && awk_gt 2000 "$outp" && echo "ok   control window holds the panel" ||
    { echo "FAIL: control $ctl / output $outp panel background pixels"; fail=1; }

# The scopes are drawn in the control window: the chroma heat map (silence: every cell
# rgb(25,25,50)) and the level plot's line (rgb(90,220,120), antialiased: 5 % fuzz; about
# 320 px with the scopes, 4 without).
colour_px() { $convert "$1" -alpha off -fuzz "$3" -fill white -opaque "$2" -fill black \
    +opaque white -format "%[fx:mean*w*h]" info:; }
chroma=$(colour_px control.png "rgb(25,25,50)" 0) level=$(colour_px control.png "rgb(90,220,120)" 5%)
echo "scopes: chroma heat map $chroma px, level line $level px"
awk_gt "$chroma" 5000 && awk_gt "$level" 100 && echo "ok   scopes in the control window" ||
    { echo "FAIL: scopes not drawn (chroma $chroma px, level line $level px)"; fail=1; }

# On one screen the windowed output sits beside the control window, not over it.
geometry() { xdotool getwindowgeometry --shell "$1" | tr '\n' ' '; }
read -r ox oy ow oh < <(eval "$(geometry "$output")"; echo "$X $Y $WIDTH $HEIGHT")
read -r cx cy cw ch < <(eval "$(geometry "$control")"; echo "$X $Y $WIDTH $HEIGHT")
if ((ox >= cx + cw || ox + ow <= cx || oy >= cy + ch || oy + oh <= cy)); then
    echo "ok   output ${ow}x$oh+$ox+$oy beside control ${cw}x$ch+$cx+$cy"
else
    echo "FAIL: output ${ow}x$oh+$ox+$oy overlaps control ${cw}x$ch+$cx+$cy"; fail=1
fi

# Keys: 20 taps of 1 ms each.
before=$(grep -c "key Tab: panel" app.log)
for ((i = 0; i < 20; i++)); do tap "$output" Tab; done
sleep 0.5
taps=$(($(grep -c "key Tab: panel" app.log) - before))
((taps == 20)) && echo "ok   Tab: 20 of 20 taps" || { echo "FAIL: Tab: $taps of 20 taps"; fail=1; }
before=$(grep -c "key F: fullscreen" app.log)
for ((i = 0; i < 20; i++)); do tap "$output" f; done
sleep 0.5
taps=$(($(grep -c "key F: fullscreen" app.log) - before))
((taps == 20)) && echo "ok   F: 20 of 20 taps" || { echo "FAIL: F: $taps of 20 taps"; fail=1; }
grep -q "output: fullscreen on 0 (screen)" app.log && echo "ok   F puts the output fullscreen" ||
    { echo "FAIL: F never made the output fullscreen"; fail=1; }
kill -TERM $app; wait $app; rc=$?
((rc == 0)) && echo "ok   exit 0 on SIGTERM" || { echo "FAIL: exit $rc"; fail=1; }
grep -E "^autolume: info: (output|control): [0-9]+ presents" app.log

# 2. A monitor that does not exist: one line naming it and the monitors there are; windowed.
check missing_monitor 0 "one window: windowed" -- "$autolume" --demo --output-monitor 3 \
    --threads 1 --duration 3
n=$(grep -c -- "--output-monitor 3: no such monitor (there are 0: screen" missing_monitor.log)
((n == 1)) && echo "ok   one line for monitor 3" || { echo "FAIL: $n lines for monitor 3"; fail=1; }

# 3. A broken user stage is bypassed, named, and the show goes on.
mkdir -p post
printf '#version 330 core\nout vec4 outColor;\nvoid main() { outColor = vec4(1.0) }\n' >post/broken.frag
check broken_stage 0 "broken.frag" -- "$autolume" --demo --post-dir post --threads 1 --duration 6 \
    --screenshot-dir broken_shots --screenshot-interval 1
last=$(ls broken_shots/*.png | sort | tail -1)
sd=$($convert "$last" -colorspace Gray -format "%[fx:standard_deviation]" info:)
mean=$($convert "$last" -colorspace Gray -format "%[fx:mean]" info:)
awk_gt "$sd" 0.02 && awk_gt 0.98 "$mean" && echo "ok   picture goes on past the broken stage" ||
    { echo "FAIL: broken stage: stddev $sd mean $mean"; fail=1; }

((fail == 0)) && echo "PASS"
exit $fail
