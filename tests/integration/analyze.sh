#!/usr/bin/env bash
# `autolume analyze` on sox-made signals whose truth is known: the CSV has the documented
# columns and one row per hop; onsets sit on the clicks and the tempo is the click tempo;
# chroma peaks on the chord's notes; FLAC and Ogg read like WAV; the plot is a real picture;
# errors name what is at fault.
set -uo pipefail
out=${1:?output dir}
autolume=${AUTOLUME:?path of the autolume binary}
rm -rf "$out" && mkdir -p "$out" && cd "$out"
fail=0
bad() { echo "FAIL $*"; fail=1; }

# 120 BPM clicks for 8 s (16 clicks, the first at 0 s), C major then A minor (2 s each).
sox -D -n -r 48000 -c 1 -b 16 click120.wav synth 0.02 sine 1000 fade 0 0.02 0.015 pad 0 0.48 \
    repeat 15 || bad "sox cannot make the click track"
sox -D -n -r 48000 -c 1 -b 16 chords.wav synth 2 sine C4 sine E4 sine G4 remix - gain -n -3 : \
    synth 2 sine A3 sine C4 sine E4 remix - gain -n -3 || bad "sox cannot make the chords"
# 100 BPM for 12 s in stereo FLAC, 140 BPM for 10 s in Ogg Vorbis.
sox -D -n -r 44100 -c 2 -b 16 click100.flac synth 0.02 sine 1000 fade 0 0.02 0.015 pad 0 0.58 \
    repeat 19 || bad "sox cannot write FLAC"
sox -D -n -r 48000 -c 1 click140.ogg synth 0.02 sine 1000 fade 0 0.02 0.015 \
    pad 0 0.408571 repeat 22 || bad "sox cannot write Ogg"

run() {  # run NAME EXPECTED_RC -- command...
    local name=$1 rc=$2
    shift 3
    "$@" >"$name.log" 2>&1
    local got=$?
    [[ $got == "$rc" ]] || { bad "$name: exit $got, expected $rc"; cat "$name.log"; }
}
# Stems: clicks on the left, chords on the right, analysed side by side.
sox -M click120.wav chords.wav stems.wav || bad "sox cannot merge channels"
run clicks 0 -- "$autolume" analyze click120.wav -o click120.csv --plot click120.png
run stems 0 -- "$autolume" analyze stems.wav -o stems.csv --audio-channels 1,2 --stems
run clicks_hop256 0 -- "$autolume" analyze click120.wav -o click120_256.csv --hop 256
run chords 0 -- "$autolume" analyze chords.wav -o chords.csv
run flac 0 -- "$autolume" analyze click100.flac -o click100.csv
run ogg 0 -- "$autolume" analyze click140.ogg -o click140.csv

# Checks on the CSVs (Python's csv module; no third-party packages). Row counts come from the
# files' true lengths in samples.
export SAMPLES_120=$(soxi -s click120.wav) SAMPLES_100=$(soxi -s click100.flac) \
    SAMPLES_140=$(soxi -s click140.ogg)
python3 - <<'EOF' || fail=1
import csv, os, sys

ok = True
def bad(msg):
    global ok
    ok = False
    print("FAIL", msg)

def load(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return rows

required = ["time", "rms", "bass", "mid", "high", "onset_strength", "onset", "beat", "bpm",
            "bpm_confidence", "harmonic", "percussive", "chroma_C", "chroma_Cs", "chroma_D",
            "chroma_Ds", "chroma_E", "chroma_F", "chroma_Fs", "chroma_G", "chroma_Gs",
            "chroma_A", "chroma_As", "chroma_B", "beat_linear", "beat_exp", "onset_linear",
            "onset_exp"]
with open("click120.csv") as f:
    header = f.readline().strip().split(",")
for name in required:
    if name not in header:
        bad(f"click120.csv: no column {name}")

def check_clicks(path, samples, bpm, count, hop=512):
    rows = load(path)
    expected_rows = int(os.environ[samples]) // hop
    if len(rows) != expected_rows:
        bad(f"{path}: {len(rows)} rows, expected {expected_rows} (samples / {hop})")
    clicks = [k * 60.0 / bpm for k in range(count)]
    onsets = [float(r["time"]) for r in rows if r["onset"] == "1"]
    hits = sum(1 for c in clicks if any(abs(o - c) <= 0.05 for o in onsets))
    strays = [o for o in onsets if all(abs(o - c) > 0.05 for c in clicks)]
    precision = hits / max(len(onsets), 1)
    recall = hits / len(clicks)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    if f1 < 0.95:
        bad(f"{path}: onset F1 {f1:.3f} ({len(onsets)} onsets, {len(clicks)} clicks, "
            f"strays {strays[:5]})")
    last = rows[-1]
    if abs(float(last["bpm"]) - bpm) > 1.0:
        bad(f"{path}: tempo {last['bpm']} at the end, expected {bpm}")
    beats = [float(r["time"]) for r in rows if r["beat"] == "1"]
    on_clicks = sum(1 for b in beats if any(abs(b - c) <= 0.05 for c in clicks))
    if not beats or on_clicks < 0.9 * len(beats):
        bad(f"{path}: {on_clicks} of {len(beats)} beats on the clicks")
    print(f"ok   {path}: {len(rows)} rows, onset F1 {f1:.3f}, {last['bpm']} BPM, "
          f"{len(beats)} beats")

check_clicks("click120.csv", "SAMPLES_120", 120.0, 16)
check_clicks("click120_256.csv", "SAMPLES_120", 120.0, 16, hop=256)
check_clicks("click100.csv", "SAMPLES_100", 100.0, 20)
check_clicks("click140.csv", "SAMPLES_140", 140.0, 23)

names = ["C", "Cs", "D", "Ds", "E", "F", "Fs", "G", "Gs", "A", "As", "B"]
chords = load("chords.csv")
for t, notes in ((1.0, {"C", "E", "G"}), (1.9, {"C", "E", "G"}), (3.0, {"A", "C", "E"}),
                 (3.9, {"A", "C", "E"})):
    row = min(chords, key=lambda r: abs(float(r["time"]) - t))
    chroma = {n: float(row["chroma_" + n]) for n in names}
    top = set(sorted(names, key=lambda n: -chroma[n])[:3])
    if top != notes:
        bad(f"chords.csv at {t} s: strongest pitch classes {sorted(top)}, expected {sorted(notes)}")
    if max(chroma.values()) != 1.0:
        bad(f"chords.csv at {t} s: chroma maximum {max(chroma.values())}, expected 1")
stems = load("stems.csv")
for column in ("time", "s1_onset", "s1_bpm", "s2_chroma_C", "s2_onset"):
    if column not in stems[0]:
        bad(f"stems.csv: no column {column}")
if ok:
    left = [float(r["time"]) for r in stems if r["s1_onset"] == "1"]
    right = [float(r["time"]) for r in stems if r["s2_onset"] == "1"]
    if len(left) < 15 or abs(float(stems[-1]["s1_bpm"]) - 120.0) > 1.0:
        bad(f"stems.csv: stem 1 (clicks) has {len(left)} onsets, {stems[-1]['s1_bpm']} BPM")
    if any(min(abs(o - 0.0), abs(o - 2.0), abs(o - 4.0)) > 0.05 for o in right):
        bad(f"stems.csv: stem 2 (chords) onsets {right} away from the chord changes")
    row = min(stems, key=lambda r: abs(float(r["time"]) - 1.0))
    top = max(names, key=lambda n: float(row["s2_chroma_" + n]))
    if top not in ("C", "E", "G"):
        bad(f"stems.csv: stem 2 strongest pitch class {top} in C major")
    else:
        print(f"ok   stems.csv: {len(left)} click onsets on stem 1, C major on stem 2")
onsets = [float(r["time"]) for r in chords if r["onset"] == "1"]
if any(min(abs(o - 0.0), abs(o - 2.0)) > 0.05 for o in onsets):
    bad(f"chords.csv: onsets {onsets} away from the chord changes at 0 and 2 s")
if any(r["beat"] == "1" for r in chords):
    bad("chords.csv: beats in sustained chords")
if ok:
    print("ok   chords.csv")
sys.exit(0 if ok else 1)
EOF

# The plot: a PNG of the right width with real content (not one flat colour).
if [[ -s click120.png ]]; then
    info=$(/usr/bin/identify -format "%m %w %h" click120.png 2>&1)
    [[ $info == "PNG 1400 "* ]] || bad "click120.png: identify says '$info'"
    spread=$(/usr/bin/convert click120.png -colorspace Gray -format "%[fx:standard_deviation]" info:)
    colors=$(/usr/bin/convert click120.png -format "%k" info:)
    python3 -c "import sys; sys.exit(0 if $spread > 0.05 and $colors >= 16 else 1)" ||
        bad "click120.png looks blank (standard deviation $spread, $colors colours)"
    echo "ok   click120.png: $info, $colors colours"
else
    bad "no click120.png"
fi

# Errors name what is at fault: exit 1 for a file, 2 for usage.
run missing 1 -- "$autolume" analyze no_such.wav -o x.csv
grep -q "no_such.wav" missing.log || bad "missing file not named: $(cat missing.log)"
echo "not audio" > notes.mp3
run not_audio 1 -- "$autolume" analyze notes.mp3 -o x.csv
grep -q "notes.mp3" not_audio.log || bad "bad file not named: $(cat not_audio.log)"
run unwritable 1 -- "$autolume" analyze click120.wav -o no_dir/x.csv
grep -q "no_dir/x.csv" unwritable.log || bad "output not named: $(cat unwritable.log)"
run bad_hop 2 -- "$autolume" analyze click120.wav -o x.csv --hop 4096
run bad_channel 2 -- "$autolume" analyze click120.wav -o x.csv --audio-channels 3
grep -q "channel 3" bad_channel.log || bad "bad channel not named: $(cat bad_channel.log)"

((fail == 0)) && echo "PASS"
exit $fail
