#!/usr/bin/env bash
# The command line: help lists the subcommands, unbuilt ones exit 2, errors name what is at
# fault, and the live app keeps running where it can (a bad audio file falls back to the demo
# music; a bad model falls back to the default one; a bad parameter file to the defaults).
set -uo pipefail
out=${1:?output dir}
source "$(dirname "$0")/check.sh"
autolume=${AUTOLUME:?path of the autolume binary}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$(dirname "$autolume")/.." && pwd)
rm -rf "$out" && mkdir -p "$out" && cd "$out"
live() { timeout 120 xvfb-run -a -s "-screen 0 640x480x24" "$autolume" "$@"; }

check help 0 "live" -- "$autolume" --help
for sub in live devices convert generate analyze render bench; do
    grep -q "^  $sub" help.log || { echo "FAIL help: no '$sub' in --help"; fail=1; }
done
check bad_option 2 "--no-such-option" -- "$autolume" --no-such-option
check devices 0 "audio inputs" -- "$autolume" devices

# scripts/run from another folder: a relative path means the caller's file (it used to be
# read from the repository root), and a configured build is neither configured again (its
# build.ninja is not rewritten) nor rebuilt (BUILD_DIR: this build, whose app is current).
sox -D -n -r 48000 -c 1 -b 16 relative.wav synth 1 sine 440
ninja_before=$(stat -c %.9Y "$build/build.ninja")
check scripts_run 0 "hops" -- env BUILD_DIR="$build" "$root/scripts/run" analyze relative.wav -o relative.csv
[[ -s relative.csv ]] || { echo "FAIL scripts_run: no relative.csv in the caller's folder"; fail=1; }
[[ $(stat -c %.9Y "$build/build.ninja") == "$ninja_before" ]] ||
    { echo "FAIL scripts_run: configured the build again"; fail=1; }
grep -q "Linking" scripts_run.log && { echo "FAIL scripts_run: rebuilt the app"; fail=1; }
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

# The performance options: a broken parameter file is named, ignored and never overwritten; a
# wrong keyframe or timing is a usage error; an unknown MIDI profile leaves MIDI off.
export XDG_DATA_HOME=$PWD/data XDG_CONFIG_HOME=$PWD/config
echo '{"truncation": ' >broken_params.json
cp broken_params.json broken_params.orig
check broken_params 0 "broken_params\.json.*default parameters" -- live --demo --params broken_params.json --duration 2
cmp -s broken_params.json broken_params.orig || { echo "FAIL: a broken parameter file was overwritten"; fail=1; }
# Hostile parameter files (nested 200 000 levels: used to crash at every start; a float
# beyond range: became inf, then null when saved): one line each, defaults, never rewritten.
python3 -c "print('{\"x\": ' + '[' * 200000 + ']' * 200000 + '}')" >deep_params.json
cp deep_params.json deep_params.orig
check deep_params 0 "deep_params\.json: nested deeper than 64 levels.*default parameters" -- \
    live --demo --params deep_params.json --duration 2
cmp -s deep_params.json deep_params.orig || { echo "FAIL: the deep parameter file was rewritten"; fail=1; }
echo '{"gain": {"value": 1e39}}' >huge_params.json
cp huge_params.json huge_params.orig
check huge_params 0 "huge_params\.json: \"gain\.value\": 1e\+39 is beyond a float's range" -- \
    live --demo --params huge_params.json --duration 2
cmp -s huge_params.json huge_params.orig || { echo "FAIL: the out-of-range file was rewritten"; fail=1; }
echo '{"truncation": {"value": "high"}}' >wrong_params.json
check wrong_params 0 "wrong_params\.json.*truncation" -- live --demo --params wrong_params.json --duration 2
echo '{"truncation": {"value": 0.4}, "no.such": {"value": 1}}' >params.json
check params 0 "unknown parameter 'no\.such'" -- live --demo --params params.json --duration 2
grep -q '"truncation"' params.json && python3 -c "import json,sys; v=json.load(open('params.json'))['truncation']['value']; sys.exit(abs(v-0.4)>1e-6)" \
    || { echo "FAIL: the parameter file did not keep truncation 0.4"; fail=1; }
# Out-of-range and unknown fields: one line each naming them, the rest applies, and the file
# keeps them exactly as they were (a 100 MB file used to come back as 1.4 KB).
echo '{"truncation": {"value": 0.4}, "noise.onset": {"value": 99}, "no.such": {"value": 1, "note": "mine"}}' >keep_params.json
check keep_params 0 "keep_params\.json: 'noise\.onset\.value': 99 is outside 0\.\.5 \(not applied; kept in the file\)" -- \
    live --demo --params keep_params.json --duration 2
grep -q "unknown parameter 'no\.such' not used (kept in the file)" keep_params.log ||
    { echo "FAIL keep_params: no line for the unknown parameter"; fail=1; }
python3 - <<'PY' || { echo "FAIL keep_params: the file lost what it held"; fail=1; }
import json, sys
d = json.load(open('keep_params.json'))
sys.exit(not (d['no.such'] == {'value': 1, 'note': 'mine'} and d['noise.onset'] == {'value': 99}
              and abs(d['truncation']['value'] - 0.4) < 1e-6 and 'walk.weight' in d))
PY
# SIGHUP (a closed terminal) saves like a quit; autosave writes while running (kill -9 then
# loses nothing that was autosaved).
echo '{"truncation": {"value": 0.3}}' >hup_params.json
check sighup 0 "parameters saved to hup_params\.json" -- timeout 120 xvfb-run -a -s "-screen 0 640x480x24" \
    bash -c '"$0" --demo --params hup_params.json & pid=$!; sleep 6; kill -HUP $pid; wait $pid' "$autolume"
grep -q '"walk.weight"' hup_params.json || { echo "FAIL sighup: the file was not written"; fail=1; }
echo '{"truncation": {"value": 0.3}}' >auto_params.json
timeout 120 xvfb-run -a -s "-screen 0 640x480x24" bash -c '"$0" --demo --params auto_params.json --autosave 1 &
    pid=$!; for _ in $(seq 200); do grep -q walk.weight auto_params.json && break; sleep 0.5; done
    kill -9 $pid; wait $pid' "$autolume" >autosave.log 2>&1
python3 -c "import json,sys; d=json.load(open('auto_params.json')); sys.exit(not ('walk.weight' in d and abs(d['truncation']['value']-0.3)<1e-6))" ||
    { echo "FAIL autosave: nothing was saved while running (killed with -9)"; cat auto_params.json; fail=1; }
ls ./*.tmp* 2>/dev/null && { echo "FAIL autosave: temporaries left beside the files"; fail=1; }
# A file with a valid header and no frames: one line, the demo instead (was a blank screen).
sox -n -r 48000 -c 1 -b 16 empty.wav trim 0 0
check empty_audio 0 "empty\.wav: holds no audio.*demo" -- live --audio-file empty.wav --duration 2
check empty_slot_keyframe 2 "keyframe 'p5'.*slot_05\.json" -- live --demo --keyframes 1,p5 --duration 2
check bad_keyframe 2 "keyframe 'x'" -- live --demo --keyframes x --duration 2
check bad_timing 2 "keyframe-timing" -- live --demo --keyframe-timing sometimes --duration 2
check keyframes 0 "frames generated" -- live --demo --keyframes 0-3 --keyframe-timing beat --duration 2
# Every drop is counted and shown: the exit summary names each counter, even at 0.
grep -Eq "dropped: audio samples [0-9]+, MIDI in 0, MIDI out 0, control messages 0, control events 0, refused messages 0, failed frames 0" keyframes.log ||
    { echo "FAIL drops: no complete drop summary"; grep dropped keyframes.log; fail=1; }
check unknown_profile 0 "no_such_profile\.json: no such MIDI profile.*without MIDI" -- live --demo --midi x --midi-profile no_such_profile --duration 2
((fail == 0)) && echo "PASS"
exit $fail
