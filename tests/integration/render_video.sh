#!/usr/bin/env bash
# `autolume render`: the offline music video, with no display (DISPLAY unset: EGL offscreen).
# On a sox-made track (3 s of music, then 2 s of silence): ffprobe finds H.264 (yuv420p) and
# AAC, exactly ceil(5 s * 30) frames, audio and video both starting at 0 and as long as the
# song; two renders decode to identical frames; the silent tail is one picture while the music
# part changes; the first frames match `analyze --latents` + `generate --ws` for the same latents
# (PSNR, against the other frames too); --start/--end cut a section; a stem's clicks mapped to
# the brightness light the picture while the audio stays the song's; bad input is one line,
# exit 1 and no file (nor a .part) left; an interrupted render leaves nothing.
set -uo pipefail
out=${1:?output dir}
source "$(dirname "$0")/check.sh"
autolume=${AUTOLUME:?path of the autolume binary}
rm -rf "$out" && mkdir -p "$out" && cd "$out"
unset DISPLAY WAYLAND_DISPLAY
render() { timeout 300 "$autolume" render "$@"; }
probe() {  # probe FILE STREAM ENTRY: one value of ffprobe
    ffprobe -v error -select_streams "$2" -show_entries "stream=$3" -of default=nw=1:nk=1 "$1"
}
frame_md5s() { ffmpeg -v error -i "$1" -map 0:v -f framemd5 - | awk -F', ' '!/^#/ {print $6}'; }
psnr() {  # psnr A B: PSNR (dB, RGB) of two single pictures
    ffmpeg -v info -i "$1" -i "$2" -lavfi "[0:v]format=rgb24[a];[1:v]format=rgb24[b];[a][b]psnr" \
        -f null - 2>&1 | sed -n 's/.*PSNR.* average:\([0-9.inf]*\).*/\1/p' | sed 's/inf/99/'
}

# 12 plucks of A2 (3 s), then 2 s of silence, 44.1 kHz stereo.
sox -D -n -r 44100 -c 2 notes.wav synth 0.25 pluck A2 gain -3 repeat 11
sox -D -n -r 44100 -c 2 silence.wav trim 0 2
sox -D notes.wav silence.wav track.wav

check render 0 "150 frames at 30 fps.*-> video\.mp4" -- render track.wav -o video.mp4 --size 320x180
[[ -f video.mp4 && ! -e video.mp4.part ]] || { echo "FAIL render: no video.mp4 (or a .part left)"; fail=1; }
vcodec=$(probe video.mp4 v:0 codec_name) pix=$(probe video.mp4 v:0 pix_fmt)
acodec=$(probe video.mp4 a:0 codec_name)
size="$(probe video.mp4 v:0 width)x$(probe video.mp4 v:0 height)"
[[ $vcodec == h264 && $pix == yuv420p && $acodec == aac && $size == 320x180 ]] ||
    { echo "FAIL streams: $vcodec $pix $acodec $size (want h264 yuv420p aac 320x180)"; fail=1; }
frames=$(frame_md5s video.mp4 | wc -l)
((frames == 150)) || { echo "FAIL frames: $frames decoded, want 150 (5 s at 30 fps)"; fail=1; }
vstart=$(probe video.mp4 v:0 start_time) astart=$(probe video.mp4 a:0 start_time)
adur=$(probe video.mp4 a:0 duration) vdur=$(probe video.mp4 v:0 duration)
awk -v vs="$vstart" -v as="$astart" -v ad="$adur" -v vd="$vdur" 'BEGIN {
    ok = (vs + 0 == 0 && as + 0 == 0 && ad > 4.99 && ad < 5.03 && vd > 4.99 && vd < 5.01)
    printf "%s  timing: video %s s from %s, audio %s s from %s\n", ok ? "ok  " : "FAIL", vd, vs, ad, as
    exit !ok }' || fail=1

# The same inputs give the same decoded frames.
check render_again 0 "150 frames" -- render track.wav -o again.mp4 --size 320x180
cmp -s <(frame_md5s video.mp4) <(frame_md5s again.mp4) && echo "ok   deterministic" ||
    { echo "FAIL deterministic: the second render decodes to other frames"; fail=1; }

# Lossless (x264 --crf 0): the silent tail holds one picture (from 0.7 s into the silence: the
# trails and the last flash settle), the music part moves.
check render_lossless 0 "150 frames" -- render track.wav -o lossless.mp4 --size 320x180 --crf 0
frame_md5s lossless.mp4 >lossless.md5
tail_pictures=$(sed -n '112,150p' lossless.md5 | sort -u | wc -l)
music_pictures=$(sed -n '1,90p' lossless.md5 | sort -u | wc -l)
((tail_pictures == 1)) && echo "ok   silent tail: one picture (frames 111-149)" ||
    { echo "FAIL silent tail: $tail_pictures different pictures in frames 111-149"; fail=1; }
((music_pictures >= 80)) && echo "ok   music: $music_pictures different pictures in 90 frames" ||
    { echo "FAIL music: only $music_pictures different pictures in 90 frames"; fail=1; }

# The frames are what analyze --latents + generate --ws give for the same walk: post chain
# neutral at the model's own size (64 px), noise fixed (no onset noise), lossless.
cat >same.json <<'EOF'
{"walk.base_speed": {"value": 0.05}, "noise.onset": {"value": 0},
 "post.upscale.sharpen": {"value": 0}, "post.trails.amount": {"value": 0},
 "post.color.saturation": {"value": 1}, "post.color.contrast": {"value": 1},
 "post.flash.amount": {"value": 0}}
EOF
check latents 0 "150 frames" -- "$autolume" analyze track.wav --latents latents.npy --params same.json
check stills 0 "frame 2 " -- "$autolume" generate --ws latents.npy --frames 0-2 --outdir stills
check render_model_size 0 "150 frames" -- render track.wav -o small.mp4 --size 64x64 --crf 0 --params same.json
for i in 0 2; do
    ffmpeg -v error -i small.mp4 -vf "select=eq(n\,$i)" -frames:v 1 "rendered$i.png"
done
same0=$(psnr rendered0.png stills/frame000000.png) same2=$(psnr rendered2.png stills/frame000002.png)
other=$(psnr rendered0.png stills/frame000002.png)
awk -v a="$same0" -v b="$same2" -v o="$other" 'BEGIN {
    ok = (a >= 28 && b >= 28 && a > o + 3)
    printf "%s  same latents: PSNR %s and %s dB (frames 0, 2), frame 0 vs 2: %s dB\n", ok ? "ok  " : "FAIL", a, b, o
    exit !ok }' || fail=1

# A section of the song: 1 s from 1 s on.
check section 0 "30 frames" -- render track.wav -o section.mkv --size 320x180 --start 1 --end 2
sframes=$(frame_md5s section.mkv | wc -l)
sdur=$(ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 section.mkv)
awk -v f="$sframes" -v d="$sdur" 'BEGIN { ok = (f == 30 && d > 0.99 && d < 1.05)
    printf "%s  section: %d frames, %s s\n", ok ? "ok  " : "FAIL", f, d; exit !ok }' || fail=1

# Stems: a silent song and a drum stem of 4 clicks (0.5, 1.5, 2.5, 3.5 s) mapped to the
# brightness: the picture brightens at each click (and only there), and the video's audio is
# the song's (silent), not the stem's.
sox -D -n -r 44100 -c 2 quiet.wav trim 0 4
sox -D -n -r 44100 -c 1 clicks.wav synth 0.03 square 1000 fade 0 0.03 0.02 pad 0.5 0.47 repeat 3
cat >stem.json <<'EOF'
{"walk.base_speed": {"value": 0},
 "post.color.brightness": {"value": 0, "mod": {"source": "drums.onset_envelope", "gain": 0.5}}}
EOF
check stem 0 "120 frames" -- render quiet.wav -o stem.mp4 --size 160x90 --params stem.json --stem drums=clicks.wav
ffmpeg -v error -i stem.mp4 -vf "signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=stem_luma.txt" -f null -
peak=$(ffmpeg -i stem.mp4 -af volumedetect -f null - 2>&1 | sed -n 's/.*max_volume: \([-0-9.]*\) dB/\1/p')
awk -F= -v peak="$peak" '/YAVG/ { y[n++] = $2 } END {
    ok = n == 120 && peak < -60
    for (c = 15; c < 120; c += 30) {  # each click: a bright frame within 2 frames, dark before
        top = 0; for (k = c; k <= c + 2; k++) if (y[k] > top) top = y[k]
        if (!(top > y[c - 5] + 30)) ok = 0
        line = line sprintf(" %.0f->%.0f", y[c - 5], top)
    }
    printf "%s  stem: luma before->at the clicks%s; the audio peaks at %s dB\n", ok ? "ok  " : "FAIL", line, peak
    exit !ok }' stem_luma.txt || fail=1
check bad_stem 1 "nope\.wav" -- render quiet.wav -o bad_stem.mp4 --stem drums=nope.wav
check bad_stem_name 2 "stem name 'Drums'" -- render quiet.wav -o bad_stem.mp4 --stem Drums=clicks.wav

# Bad input: one line, exit 1 (2 for a bad option), nothing left behind.
echo "not audio" >notes.txt
check bad_audio 1 "notes\.txt" -- render notes.txt -o bad_audio.mp4
check missing_audio 1 "missing\.wav" -- render missing.wav -o missing.mp4
check unwritable 1 "no/such/folder/x\.mp4: cannot open for writing" -- render track.wav -o no/such/folder/x.mp4
check bad_codec 1 "unknown video codec 'nosuchcodec'" -- render track.wav -o bad_codec.mp4 --codec nosuchcodec
check odd_size 2 "must be even" -- render track.wav -o odd.mp4 --size 321x180
check bad_format 1 "no container format" -- render track.wav -o video.nosuchformat
for log in bad_audio missing_audio unwritable bad_codec odd_size bad_format bad_stem bad_stem_name; do
    lines=$(grep -c . "$log.log")
    ((lines == 1)) || { echo "FAIL $log: $lines lines of output"; cat "$log.log"; fail=1; }
done
[[ -e no ]] && { echo "FAIL unwritable: created the missing folder"; fail=1; }
leftovers=$(ls bad_audio.mp4* missing.mp4* bad_codec.mp4* odd.mp4* video.nosuchformat* bad_stem.mp4* 2>/dev/null)
[[ -z $leftovers ]] && echo "ok   bad input leaves no files" || { echo "FAIL left: $leftovers"; fail=1; }

# Interrupted (SIGTERM half way): no video, no .part.
sox -D -n -r 44100 -c 2 long.wav synth 60 pluck A2
"$autolume" render long.wav -o interrupted.mp4 --size 320x180 >interrupted.log 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "10%" interrupted.log && break; sleep 0.2; done
kill -TERM $pid
wait $pid
rc=$?
if ((rc != 1)) || ! grep -q "interrupted.*no interrupted.mp4 written" interrupted.log; then
    echo "FAIL interrupted: exit $rc"; cat interrupted.log; fail=1
elif [[ -e interrupted.mp4 || -e interrupted.mp4.part ]]; then
    echo "FAIL interrupted: left $(ls interrupted.mp4*)"; fail=1
else
    echo "ok   interrupted: $(tail -1 interrupted.log)"
fi
exit $fail
