#!/usr/bin/env bash
# `autolume convert` and `autolume generate` end to end: official-format snapshots (written by
# tests/tools) are converted, stills are made from seeds, and each PNG must equal within one
# level per channel the image the official generate.py recipe gives, computed in Python with the
# reference forward pass. Then the errors: exit codes and one-line messages naming the culprit.
set -uo pipefail
out=${1:?output dir}
source "$(dirname "$0")/check.sh"
autolume=${AUTOLUME:?path of the autolume binary}
python=${AUTOLUME_PYTHON:?python with torch}
tools=$(cd "$(dirname "$0")/../tools" && pwd)
rm -rf "$out" && mkdir -p "$out" && cd "$out"
compare() {  # compare CASE: PNGs in out_CASE against expected/CASE
    "$python" "$tools/compare_pngs.py" "expected/$1" "out_$1" || fail=1
}

"$python" "$tools/make_generate_case.py" . || { echo "FAIL: making the test data"; exit 1; }

check convert_uncond 0 "uncond\.pt: 32 px" -- "$autolume" convert uncond.pkl uncond.pt
check convert_cond 0 "cond\.pt: 16 px" -- "$autolume" convert cond.pkl cond.pt
check gen_uncond_trunc 0 "seed 2 \(3/3\)" -- \
    "$autolume" generate -m uncond.pt --seeds 0-2 --trunc 0.7 --outdir out_uncond_trunc
compare uncond_trunc
check gen_uncond_nonoise 0 "seed0005\.png" -- \
    "$autolume" generate -m uncond.pt --seeds 5 --noise-gain 0 --outdir out_uncond_nonoise
compare uncond_nonoise
check gen_cond_class2 0 "seed0000\.png" -- \
    "$autolume" generate -m cond.pt --seeds 0,1-2 --class 2 --outdir out_cond_class2
compare cond_class2
# The same seed with another class is another picture.
check gen_cond_class0 0 "seed0000\.png" -- \
    "$autolume" generate -m cond.pt --seeds 0 --class 0 --outdir out_cond_class0
if cmp -s out_cond_class0/seed0000.png out_cond_class2/seed0000.png; then
    echo "FAIL: --class has no effect"; fail=1
fi
[[ -e module_src_was_executed ]] && { echo "FAIL: module_src from a pickle was executed"; fail=1; }

# Usage errors exit 2, other failures 1; each message names what is at fault.
check bad_range 2 "--seeds: '5-2'" -- "$autolume" generate -m uncond.pt --seeds 5-2 --outdir x
check bad_seed 2 "'x7'" -- "$autolume" generate -m uncond.pt --seeds 1,x7 --outdir x
check no_seeds 2 "seeds" -- "$autolume" generate -m uncond.pt --outdir x
check missing_model 1 "missing\.pt" -- "$autolume" generate -m missing.pt --seeds 0 --outdir x
check class_needed 2 "cond\.pt.*--class" -- "$autolume" generate -m cond.pt --seeds 0 --outdir x
check class_unconditional 2 "--class 1.*uncond\.pt.*not conditional" -- \
    "$autolume" generate -m uncond.pt --seeds 0 --class 1 --outdir x
check class_range 2 "--class 4 is out of range.*0\.\.3" -- \
    "$autolume" generate -m cond.pt --seeds 0 --class 4 --outdir x
[[ -e x ]] && { echo "FAIL: failed runs created the output folder"; fail=1; }
echo "not a model" > notes.txt
check pkl_as_model 1 "uncond\.pkl.*autolume convert" -- \
    "$autolume" generate -m uncond.pkl --seeds 0 --outdir x
check convert_usage 2 "input|output|[Rr]equired" -- "$autolume" convert only-one.pkl
check convert_missing 1 "^missing\.pkl: file not found$" -- "$autolume" convert missing.pkl m.pt
check convert_not_pickle 1 "^notes\.txt: not a pickle" -- "$autolume" convert notes.txt m.pt
[[ -e m.pt ]] && { echo "FAIL: a failed conversion left m.pt"; fail=1; }
((fail == 0)) && echo "PASS"
exit $fail
