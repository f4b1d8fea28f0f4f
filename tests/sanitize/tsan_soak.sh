#!/usr/bin/env bash
# The live app under ThreadSanitizer through the soak (tests/soak/soak.sh): the real threads of
# a show (main = windows and UI, analysis + control, inference, the MIDI I/O thread, RtMidi's
# and PortAudio's JACK threads calling back into the app, the file decoder, the model loader)
# with music, silence and the scripted nanoKONTROL2 (stores, recalls, averages of two slots,
# bends, modes). The unit-level hand-off tests (scripts/sanitize tsan) cover the queues one by
# one; this covers how the app's loops use them, e.g. a slot of a util::LatestValue still read
# by the main thread after a second fetch handed it back to its writer.
#
#   tests/sanitize/tsan_soak.sh BUILD_DIR [DURATION_SEC [OUT_DIR]]   (scripts/sanitize tsan-soak)
#
# BUILD_DIR: a build with AUTOLUME_SANITIZE=thread and the app (bin/autolume and
# bin/autolume_soak_controller). DURATION_SEC: what the controller plays (default 150: two of
# its averages, at 28 and 108 s, and a store, a recall and a release around each). OUT_DIR gets
# the soak's files in soak/ and the reports in tsan/app.<pid>.
#
# Fails (exit 1) on any ThreadSanitizer report of the app, and prints each report's SUMMARY
# line. The soak's own verdict (memory, frame gaps, the exit within 30 s) does not hold under
# TSan's slowdown and memory and is not judged here; it is in OUT_DIR/soak/summary.txt.
# LibTorch, libgomp, Mesa, libjack, PortAudio and RtMidi are not instrumented: their own
# synchronization is invisible to TSan, so what they do inside is not judged
# (ignore_noninstrumented_modules); every access the app's code makes is. That flag makes TSan
# print "thread T.. finished with ignores enabled" for libjack's own threads when they end (and
# exit the app with 66): its artefact, not a report, and not counted.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: tsan_soak.sh BUILD_DIR [DURATION_SEC [OUT_DIR]]}" && pwd)
duration=${2:-150}
out=${3:-$PWD/tsan-soak-$(date -u +%Y%m%dT%H%M%SZ)}
for exe in autolume autolume_soak_controller; do
    [[ -x $build/bin/$exe ]] || { echo "FAIL: $build/bin/$exe is not built"; exit 2; }
done
rm -rf "$out" && mkdir -p "$out/tsan"
out=$(cd "$out" && pwd)
soak=$out/soak  # soak.sh empties its folder first

# Only the app reports; the controller (built in the same tree) is a tool here: quiet, exit 0.
wrapper=$out/autolume-tsan
no_aslr=()
# GCC 12's TSan maps its shadow at fixed addresses that wide ASLR can hit (scripts/sanitize).
command -v setarch >/dev/null && no_aslr=(setarch "$(uname -m)" -R)
{
    echo '#!/usr/bin/env bash'
    printf 'export TSAN_OPTIONS=%q\n' "halt_on_error=0:ignore_noninstrumented_modules=1:second_deadlock_stack=1:history_size=4:suppressions=$here/tsan.supp:log_path=$out/tsan/app"
    printf 'exec %s %q "$@"\n' "${no_aslr[*]}" "$build/bin/autolume"
} >"$wrapper"
chmod +x "$wrapper"

set +e
TSAN_OPTIONS=report_bugs=0:exitcode=0 AUTOLUME="$wrapper" \
    SOAK_CONTROLLER="$build/bin/autolume_soak_controller" \
    "$root/tests/soak/soak.sh" "$duration" "$soak" >"$out/soak.out" 2>&1
soak_status=$?
set -e
tail -n 3 "$out/soak.out" | sed 's/^/tsan-soak: soak: /'
echo "tsan-soak: the soak's verdict (exit $soak_status) is not judged under TSan"

shopt -s nullglob
logs=("$out"/tsan/app.*)
reports=0
((${#logs[@]})) && reports=$(cat "${logs[@]}" | grep -c '^WARNING: ThreadSanitizer' || true)
recalls=$(grep -c 'recall preset' "$soak/app.log" 2>/dev/null || true)
if ! grep -q '^bound$' "$soak/controller.log" 2>/dev/null || ((recalls == 0)); then
    echo "FAIL: the app never played with the controller (bound? recalls: $recalls); see $out"
    exit 1
fi
if ((reports > 0)); then
    echo "FAIL: $reports ThreadSanitizer report(s) of the app ($recalls recalls); in ${logs[*]}:"
    cat "${logs[@]}" | grep '^SUMMARY' | sort | uniq -c | sed 's/^/  /'
    exit 1
fi
echo "tsan-soak: no ThreadSanitizer report in $duration s ($recalls recalls)"
