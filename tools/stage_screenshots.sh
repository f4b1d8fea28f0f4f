#!/usr/bin/env bash
# Screenshots of the stage for the docs: Xorg's dummy driver with two monitors (the
# performer's 1360x880 and a 960x540 "projector"), autolume with its default placement
# (output fullscreen on the second monitor, control window on the first) playing the demo
# music, then one capture of the root window cut into the two monitors.
#   tools/stage_screenshots.sh BUILD_DIR OUT_DIR     (root: Xorg needs it)
set -euo pipefail
build=$(cd "${1:?build dir}" && pwd)
out=${2:?output dir}
mkdir -p "$out" && out=$(cd "$out" && pwd)
source "$(dirname "$0")/../tests/integration/xserver.sh"
xserver_start 1360x880 960x540
cd "$(mktemp -d)"
"$build/bin/autolume" --demo --threads 1 --duration 25 >app.log 2>&1 &
app=$!
sleep 17
xdotool mousemove 1359 879  # no tooltip in the picture
sleep 1
import -window root root.png
wait $app && rc=0 || rc=$?
((rc == 0)) || echo "autolume exited with $rc (see $PWD/app.log)" >&2
/usr/bin/convert root.png -crop 1360x880+0+0 +repage "$out/stage_control.png"
/usr/bin/convert root.png -crop 960x540+1360+0 +repage "$out/stage_output.png"
grep -E "output: |first frame" app.log
