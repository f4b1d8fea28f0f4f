#!/usr/bin/env bash
# The command line: help lists the subcommands, unbuilt ones exit 2, errors name what is at
# fault, and the live app keeps running where it can (a bad audio file falls back to the demo
# music; a bad model falls back to the default one).
set -uo pipefail
out=${1:?output dir}
source "$(dirname "$0")/check.sh"
autolume=${AUTOLUME:?path of the autolume binary}
rm -rf "$out" && mkdir -p "$out" && cd "$out"
live() { timeout 120 xvfb-run -a -s "-screen 0 640x480x24" "$autolume" "$@"; }

check help 0 "live" -- "$autolume" --help
for sub in live devices convert generate analyze render bench; do
    grep -q "^  $sub" help.log || { echo "FAIL help: no '$sub' in --help"; fail=1; }
done
for sub in render; do
    check "planned_$sub" 2 "'$sub' is not built yet" -- "$autolume" "$sub" x y
done
check bad_option 2 "--no-such-option" -- "$autolume" --no-such-option
check devices 0 "audio inputs" -- "$autolume" devices
check missing_default_model 1 "nope\.pt" -- env AUTOLUME_MODEL=nope.pt "$autolume" --demo --duration 1
check missing_model 0 "nope\.pt.*" -- live --model nope.pt --demo --duration 2
grep -q "falling back to the default model" missing_model.log || { echo "FAIL: no model fallback"; fail=1; }
echo "not audio" > notes.txt
check bad_audio_file 0 "notes\.txt.*demo" -- live --audio-file notes.txt --duration 2
grep -q "audio source: demo" bad_audio_file.log || { echo "FAIL: no demo fallback"; fail=1; }
check missing_audio_file 0 "missing\.wav" -- live --audio-file missing.wav --duration 2
check no_device 0 "no-such-device.*demo" -- live --audio-device no-such-device --duration 2
echo "not a model" > broken.pt
check broken_model 0 "broken\.pt" -- live --model broken.pt --demo --duration 2
check no_display 1 "window" -- env -u DISPLAY "$autolume" --demo --duration 1
((fail == 0)) && echo "PASS"
exit $fail
