#!/usr/bin/env bash
# `autolume analyze AUDIO -m MODEL --fps 30 --latents latents.npy` on sox-made music whose truth
# is known: the array has one [num_ws, w_dim] float32 entry per video frame; the same audio and
# seed give the same bytes; loud passages move more than quiet ones and, with the idle drift at 0,
# silence moves nothing; with the default drift silence moves slowly but never stops;
# in chroma mode a chord that returns brings the latents back; truncation from a parameter file
# is exactly w_avg + psi (w - w_avg); errors name what is at fault.
set -uo pipefail
out=${1:?output dir}
models=${2:?model dir}
autolume=${AUTOLUME:?path of the autolume binary}
source "$(cd "$(dirname "$0")" && pwd)/check.sh"
rm -rf "$out" && mkdir -p "$out" && cd "$out"
model=$models/placeholder.pt

# Pink noise: 4 s loud, 4 s 24 dB quieter, 3 s of silence. Chords: C major, A minor, C major.
sox -R -D -n -r 48000 -c 1 -b 16 loud.wav synth 4 pinknoise gain -n -3 || fail=1
sox -R -D -n -r 48000 -c 1 -b 16 quiet.wav synth 4 pinknoise gain -n -27 || fail=1
sox -D -n -r 48000 -c 1 -b 16 silence.wav trim 0 3 || fail=1
sox loud.wav quiet.wav silence.wav dynamics.wav || fail=1
sox -D -n -r 48000 -c 1 -b 16 chords.wav synth 2 sine C4 sine E4 sine G4 remix - gain -n -3 : \
    synth 2 sine A3 sine C4 sine E4 remix - gain -n -3 : \
    synth 2 sine C4 sine E4 sine G4 remix - gain -n -3 || fail=1
cat >chroma.json <<'JSON'
{"walk.weight": {"value": 0}, "chroma.weight": {"value": 1}}
JSON
cat >still.json <<'JSON'
{"walk.base_speed": {"value": 0}}
JSON
cat >trunc.json <<'JSON'
{"walk.base_speed": {"value": 0}, "truncation": {"value": 0.5}}
JSON
echo '{"truncation": {"value": "high"}}' >wrong_type.json
echo '{"truncation": ' >broken.json

check dynamics 0 "330 frames at 30 fps" -- "$autolume" analyze dynamics.wav -m "$model" --fps 30 --params still.json --latents a.npy
check again 0 "frames" -- "$autolume" analyze dynamics.wav -m "$model" --fps 30 --params still.json --latents b.npy
check seed 0 "frames" -- "$autolume" analyze dynamics.wav -m "$model" --seed 5 --params still.json --latents seed5.npy
check drift 0 "330 frames" -- "$autolume" analyze dynamics.wav -m "$model" --fps 30 --latents drift.npy
check truncated 0 "frames" -- "$autolume" analyze dynamics.wav -m "$model" --params trunc.json --latents half.npy
check chroma 0 "180 frames" -- "$autolume" analyze chords.wav -m "$model" --params chroma.json --latents chroma.npy
check csv_and_latents 0 "hops" -- "$autolume" analyze chords.wav -m "$model" -o chords.csv --fps 10 --latents fps10.npy
check nothing_to_write 2 "nothing to write" -- "$autolume" analyze chords.wav
check missing_model 1 "nope\.pt" -- "$autolume" analyze chords.wav -m nope.pt --latents x.npy
check wrong_type 1 "wrong_type\.json.*truncation" -- "$autolume" analyze chords.wav -m "$model" --params wrong_type.json --latents x.npy
check broken_params 1 "broken\.json" -- "$autolume" analyze chords.wav -m "$model" --params broken.json --latents x.npy
check bad_keyframe 2 "keyframe 'p3'" -- "$autolume" analyze chords.wav -m "$model" --presets empty --keyframes 1,p3 --latents x.npy
check keyframes 0 "frames" -- "$autolume" analyze chords.wav -m "$model" --keyframes 1-4 --keyframe-timing beat --latents keys.npy
[[ -e x.npy ]] && { echo "FAIL a failed run wrote x.npy"; fail=1; }
cmp -s a.npy b.npy && echo "ok   deterministic" || { echo "FAIL same audio and seed, different latents"; fail=1; }

/usr/bin/python3 - <<'PY' || fail=1
import numpy as np, sys
ok = True
def bad(msg):
    global ok
    ok = False
    print("FAIL", msg)

a = np.load("a.npy")
if a.dtype != np.float32 or a.shape != (330, 10, 512):
    bad(f"shape {a.shape} {a.dtype}, expected (330, 10, 512) float32")
if np.array_equal(a, np.load("seed5.npy")):
    bad("another seed gives the same latents")
step = np.linalg.norm(np.diff(a, axis=0).reshape(len(a) - 1, -1), axis=1)
loud, quiet, silent = step[15:119].mean(), step[135:239].mean(), step[255:].max()
print(f"motion per frame: loud {loud:.4f}, quiet {quiet:.4f}, silence max {silent:.2e}")
if not loud > 1.5 * quiet:
    bad(f"loud passage moves {loud:.4f} per frame, quiet {quiet:.4f}: not clearly more")
if silent > 1e-6:
    bad(f"with walk.base_speed 0, silence moves the latents ({silent})")

# The default idle drift (walk.base_speed 0.05 rad/s): in silence every frame moves a little,
# and music moves many times more (about 14x here).
d = np.load("drift.npy")
dstep = np.linalg.norm(np.diff(d, axis=0).reshape(len(d) - 1, -1), axis=1)
dloud, dsilent = dstep[15:119].mean(), dstep[270:]
print(f"idle drift per frame: silence min {dsilent.min():.4f} max {dsilent.max():.4f}, "
      f"loud {dloud:.4f}")
if not dsilent.min() > 0.01:
    bad(f"the idle drift is gone: a silent frame moved {dsilent.min():.2e}")
if not dloud > 5 * dsilent.max():
    bad(f"silence drifts {dsilent.max():.4f} per frame, too close to loud music ({dloud:.4f})")

# Truncation: half = avg + 0.5 (a - avg)  =>  a - 2 half = -avg, the same for every frame and row.
half = np.load("half.npy")
avg = -(a - 2 * half)
spread = np.abs(avg - avg[0, 0]).max()
if spread > 1e-3:
    bad(f"truncation 0.5 is not w_avg + 0.5 (w - w_avg): spread {spread}")

# Chroma mode: C major (0-2 s) returns at 4-6 s; A minor (2-4 s) lies elsewhere.
c = np.load("chroma.npy").reshape(180, -1)
first, minor, back = c[50], c[110], c[170]
d_back, d_minor = np.linalg.norm(first - back), np.linalg.norm(first - minor)
print(f"chroma: C major -> C major again {d_back:.3f}, C major -> A minor {d_minor:.3f}")
if not d_back < 0.25 * d_minor:
    bad("the returning chord does not bring the latents back")

if np.load("fps10.npy").shape[0] != 60:
    bad("--fps 10 over 6 s should give 60 frames")
k = np.load("keys.npy")
if not np.isfinite(k).all() or np.array_equal(k, c.reshape(k.shape)):
    bad("keyframes gave no distinct, finite latents")
sys.exit(0 if ok else 1)
PY
[[ $fail == 0 ]] && echo "analyze latents: all checks passed"
exit $fail
