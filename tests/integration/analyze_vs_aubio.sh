#!/usr/bin/env bash
# Onset and tempo accuracy of `autolume analyze` next to aubio (Debian's aubio-tools: aubioonset,
# aubiotrack and `aubio tempo`, default settings) on the same files with known truth: sox click tracks between 80 and 160 BPM, a rock pattern made from
# Debian's hydrogen-data GMRockKit samples, and the built-in demo music's 120 BPM kick. Prints a
# Markdown table (the one in docs/BENCHMARKS.md) and fails if autolume misses its own targets
# (onset F1 >= 0.95 within 50 ms on the clicks, tempo within 1 BPM after 8 s).
#   tests/integration/analyze_vs_aubio.sh OUTDIR   (AUTOLUME=path/to/autolume)
set -uo pipefail
out=${1:?output dir}
autolume=${AUTOLUME:?path of the autolume binary}
for tool in aubioonset aubiotrack sox python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (scripts/setup)"; exit 1; }
done
kit=/usr/share/hydrogen/data/drumkits/GMRockKit
[[ -f $kit/Kick-Hard.wav ]] || { echo "FAIL: $kit missing (hydrogen-data, scripts/setup)"; exit 1; }
rm -rf "$out" && mkdir -p "$out" && cd "$out"

# Click tracks: 12 s, first click at 0, 20 ms 1 kHz bursts (the TESTING.md recipe).
for bpm in 80 97 120 143 160; do
    period=$(python3 -c "print(60.0 / $bpm - 0.02)")
    count=$(python3 -c "import math; print(math.ceil(12 * $bpm / 60.0) - 1)")
    sox -D -n -r 48000 -c 1 -b 16 "click$bpm.wav" synth 0.02 sine 1000 fade 0 0.02 0.015 \
        pad 0 "$period" repeat "$count" trim 0 12
    python3 -c "print('\n'.join(str(k * 60.0 / $bpm) for k in range($count + 1)))" \
        >"click$bpm.truth"
done

# Drums at 110 BPM: hats on every eighth, kick on 1 and 3, snare on 2 and 4, 12 s at 44.1 kHz.
python3 - "$kit" <<'EOF'
import sys, wave, struct
kit = sys.argv[1]
def load(name):
    with wave.open(f"{kit}/{name}") as w:
        n = w.getnframes()
        data = struct.unpack(f"<{n * w.getnchannels()}h", w.readframes(n))
        return [v / 32768.0 for v in data[::w.getnchannels()]]
kick, snare, hat = load("Kick-Hard.wav"), load("Snare-Hard.wav"), load("HatClosed-Med.wav")
rate, bpm, seconds = 44100, 110.0, 12.0
x = [0.0] * int(seconds * rate)
truth = []
i = 0
while True:
    t = 0.3 + i * 30.0 / bpm
    at = int(t * rate)
    if at + len(kick) >= len(x):
        break
    truth.append(at / rate)
    for sample, gain, play in ((hat, 0.5, True), (kick, 0.8, i % 4 == 0), (snare, 0.7, i % 4 == 2)):
        if play:
            for j, v in enumerate(sample):
                if at + j < len(x):
                    x[at + j] += gain * v
    i += 1
with wave.open("drums110.wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<h", max(-32767, min(32767, int(v * 32767)))) for v in x))
with open("drums110.truth", "w") as f:
    f.write("\n".join(str(t) for t in truth))
with open("drums110.beats", "w") as f:
    f.write("\n".join(str(t) for t in truth[::2]))
EOF

# Each tool on each file.
for f in click80 click97 click120 click143 click160 drums110; do
    "$autolume" analyze "$f.wav" -o "$f.csv" 2>/dev/null || { echo "FAIL: analyze $f"; exit 1; }
    aubioonset -i "$f.wav" >"$f.aubio_onsets" 2>/dev/null
    aubiotrack -i "$f.wav" >"$f.aubio_beats" 2>/dev/null
    # aubio's tempo of the whole file, and of its first 8 s.
    sox "$f.wav" "$f.first8.wav" trim 0 8
    aubio tempo "$f.wav" 2>/dev/null | awk '{print $1}' >"$f.aubio_tempo"
    aubio tempo "$f.first8.wav" 2>/dev/null | awk '{print $1}' >"$f.aubio_tempo8"
done

python3 - <<'EOF'
import csv, sys

def f1(truth, found, tol=0.05):
    used = [False] * len(found)
    hits = 0
    for t in truth:
        for i, d in enumerate(found):
            if not used[i] and abs(d - t) <= tol:
                used[i] = True
                hits += 1
                break
    if not truth and not found:
        return 1.0
    p = hits / len(found) if found else 0.0
    r = hits / len(truth) if truth else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0

def mean_delay(truth, found, tol=0.05):
    """Mean signed offset (found - truth, ms) of the nearest detection within tol."""
    d = [min((x - t for x in found if abs(x - t) <= tol), key=abs, default=None) for t in truth]
    d = [v for v in d if v is not None]
    return 1000 * sum(d) / len(d) if d else float("nan")

def floats(path):
    with open(path) as f:
        return [float(line.split()[0]) for line in f if line.strip()]

def first_float(path):
    try:
        return floats(path)[0]
    except (IndexError, ValueError, OSError):
        return 0.0

rows = []
ok = True
for name, bpm in (("click80", 80), ("click97", 97), ("click120", 120), ("click143", 143),
                  ("click160", 160), ("drums110", 110)):
    truth = floats(f"{name}.truth")
    beats_truth = floats(f"{name}.beats") if name.startswith("drums") else truth
    with open(f"{name}.csv") as f:
        table = list(csv.DictReader(f))
    ours_onsets = [float(r["time"]) for r in table if r["onset"] == "1"]
    ours_beats = [float(r["time"]) for r in table if r["beat"] == "1"]
    at8 = min(table, key=lambda r: abs(float(r["time"]) - 8.0))
    ours_bpm8 = float(at8["bpm"])
    ours_bpm_end = float(table[-1]["bpm"])
    aubio_onsets = floats(f"{name}.aubio_onsets")
    aubio_beats = floats(f"{name}.aubio_beats")
    late = [t for t in beats_truth if t >= 4.0]
    row = {
        "file": name, "bpm": bpm,
        "ours_f1": f1(truth, ours_onsets), "aubio_f1": f1(truth, aubio_onsets),
        "ours_delay": mean_delay(truth, ours_onsets), "aubio_delay": mean_delay(truth, aubio_onsets),
        "ours_bpm8": ours_bpm8, "ours_bpm_end": ours_bpm_end,
        "aubio_bpm8": first_float(f"{name}.aubio_tempo8"),
        "aubio_bpm_end": first_float(f"{name}.aubio_tempo"),
        "ours_beat_f1": f1(late, [t for t in ours_beats if t >= 4.0]),
        "aubio_beat_f1": f1(late, [t for t in aubio_beats if t >= 4.0]),
    }
    rows.append(row)
    if name.startswith("click") and (row["ours_f1"] < 0.95 or abs(ours_bpm8 - bpm) > 1.0):
        ok = False

print("| file | true BPM | onset F1 autolume | onset F1 aubio "
      "| onset time - truth, mean ms: autolume / aubio "
      "| BPM after 8 s: autolume / aubio | BPM whole file: autolume / aubio "
      "| beat F1 after 4 s: autolume / aubio |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['file']} | {r['bpm']} | {r['ours_f1']:.3f} | {r['aubio_f1']:.3f} "
          f"| {r['ours_delay']:.1f} / {r['aubio_delay']:.1f} "
          f"| {r['ours_bpm8']:.2f} / {r['aubio_bpm8']:.2f} "
          f"| {r['ours_bpm_end']:.2f} / {r['aubio_bpm_end']:.2f} "
          f"| {r['ours_beat_f1']:.3f} / {r['aubio_beat_f1']:.3f} |")
sys.exit(0 if ok else 1)
EOF
rc=$?
((rc == 0)) && echo "PASS"
exit $rc
