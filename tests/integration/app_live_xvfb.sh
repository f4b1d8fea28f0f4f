#!/usr/bin/env bash
# The whole app in a real window under Xvfb, on a real audio file: 4 s of chords and clicks,
# then 4 s of silence. Checks the screenshots: not blank; the picture moves while the music
# plays; it stands still in the silence (with the idle drift set to 0); and per-frame stats
# were written.
set -euo pipefail
out=${1:?output dir}
autolume=${AUTOLUME:?path of the autolume binary}
rm -rf "$out" && mkdir -p "$out" && cd "$out"

sox -D -n -r 48000 -c 1 -b 16 clicks.wav synth 0.02 sine 1000 fade 0 0.02 0.015 pad 0 0.48 repeat 7
sox -D -n -r 48000 -c 1 -b 16 chords.wav \
    synth 2 sine C4 sine E4 sine G4 remix - gain -n -9 : synth 2 sine A3 sine C4 sine E4 remix - gain -n -9
sox -D -m clicks.wav chords.wav music.wav
sox -D music.wav song.wav pad 0 4
echo '{"walk.base_speed": {"value": 0}}' >still.json

timeout 120 xvfb-run -a -s "-screen 0 1280x720x24" "$autolume" --audio-file song.wav \
    --duration 11 --size 640 --height 360 --screenshot-dir shots --screenshot-interval 0.25 \
    --stats stats.csv --params still.json 2>&1 | tee app.log
grep -q "audio source: file 'song.wav'" app.log || { echo "FAIL: the app did not say its source"; exit 1; }

fail=0
stddev() { /usr/bin/convert "$1" -colorspace Gray -format "%[fx:standard_deviation]" info:; }
# Normalized RMSE between two pictures (0 = identical).
# compare exits 1 when the pictures differ, so its status says nothing: the output must parse
# as "ABS (NORMALISED)", else the check fails (an unparsed RMSE used to pass the silence check).
diff_of() {
    local out value
    out=$(/usr/bin/compare -metric RMSE "$1" "$2" null: 2>&1)
    value=$(sed -nE 's/^[0-9.e+-]+ \(([0-9.e+-]+)\)$/\1/p' <<<"$out")
    if [[ -z $value ]]; then
        echo "FAIL: no RMSE from compare $1 $2: $out" >&2
        echo unparsed
        return 1
    fi
    echo "$value"
}
awk_gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }

mapfile -t shots < <(ls shots/*.png | sort)
echo "screenshots: ${#shots[@]}"
((${#shots[@]} >= 12)) || { echo "FAIL: too few screenshots"; exit 1; }
audio_time() { basename "$1" .png | sed -E 's/.*_t0*([0-9]*\.[0-9]+)$/\1/'; }

playing=() silent=()
for s in "${shots[@]}"; do
    t=$(audio_time "$s")
    if awk_gt "$t" 0.6 && awk_gt 3.9 "$t"; then playing+=("$s"); fi
    if awk_gt "$t" 5.0; then silent+=("$s"); fi
done
echo "shots while playing: ${#playing[@]}, in silence: ${#silent[@]}"
((${#playing[@]} >= 4 && ${#silent[@]} >= 3)) || { echo "FAIL: shots do not cover the song"; exit 1; }

for s in "${shots[@]}"; do
    sd=$(stddev "$s")
    awk_gt "$sd" 0.02 || { echo "FAIL: $s is blank (stddev $sd)"; fail=1; }
done

moved=0
for ((i = 1; i < ${#playing[@]}; i++)); do
    d=$(diff_of "${playing[i-1]}" "${playing[i]}") || { fail=1; continue; }
    echo "playing  $(basename "${playing[i]}"): change $d"
    awk_gt "$d" 0.004 && moved=$((moved + 1))
done
((moved >= ${#playing[@]} - 2)) || { echo "FAIL: the picture did not move with the music"; fail=1; }

for ((i = 1; i < ${#silent[@]}; i++)); do
    d=$(diff_of "${silent[i-1]}" "${silent[i]}") || { fail=1; continue; }
    echo "silence  $(basename "${silent[i]}"): change $d"
    awk_gt 0.002 "$d" || { echo "FAIL: the picture moved in silence"; fail=1; }
done

rows=$(($(wc -l < stats.csv) - 1))
echo "stats rows: $rows"
((rows > 30)) || { echo "FAIL: too few frames in stats.csv"; fail=1; }
((fail == 0)) && echo "PASS"
exit $fail
