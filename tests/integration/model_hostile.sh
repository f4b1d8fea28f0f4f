#!/usr/bin/env bash
# Hostile model files (tests/tools/make_hostile_models.py: file writes and reads at load time,
# in mapping, in a helper and in a submodule, each first proven to run under a plain
# torch.jit.load; unexpected, traversing, absolute, doubled-top and compressed entries; a
# pickle GLOBAL; the same write spelled five ways; a class from outside the archive; a
# 4 GiB declared size). `autolume generate` refuses each with one line naming the file and
# what was found, writes nothing, and nothing the attacks name appears; the shipped model
# still generates (the check is not "refuse everything"); in the live app a switch to a
# hostile file leaves the running model going. The 4 GiB file is opened under a 3 GiB
# address-space limit.
set -uo pipefail
out=${1:?output dir}
good=${2:?a good model}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/check.sh"
autolume=${AUTOLUME:?path of the autolume binary}
python=${AUTOLUME_PYTHON:-/usr/bin/python3}
rm -rf "$out" && mkdir -p "$out" && cd "$out"

$python "$here/../tools/make_hostile_models.py" hostile "$good" || { echo "FAIL: no attacks made"; exit 1; }
attacks=0
while IFS=$'\t' read -r name what; do
    ((attacks++))
    log=gen_$name.log
    (ulimit -v 3000000; "$autolume" generate -m "hostile/$name.pt" --seeds 0 --outdir "gen_$name") \
        >"$log" 2>&1
    rc=$?
    lines=$(grep -c . "$log")
    if ((rc != 1)); then
        echo "FAIL $name ($what): exit $rc, expected 1"; cat "$log"; fail=1
    elif ((lines != 1)) || ! grep -qE "hostile/$name\.pt'?: (refused|not a TorchScript archive)" "$log"; then
        echo "FAIL $name ($what): not one line naming the file:"; cat "$log"; fail=1
    elif compgen -G "gen_$name/*.png" >/dev/null; then
        echo "FAIL $name: wrote images"; fail=1
    else
        echo "ok   $name: $(cat "$log")"
    fi
done <hostile/attacks.txt
((attacks >= 17)) || { echo "FAIL: only $attacks attacks"; fail=1; }
pwned=$(compgen -G "hostile/pwned_*")
[[ -z $pwned ]] && echo "ok   no attack ran ($attacks refused)" || { echo "FAIL: attacks ran: $pwned"; fail=1; }

check good_model 0 "seed0000" -- "$autolume" generate -m "$good" --seeds 0 --outdir gen_good
[[ -s gen_good/seed0000.png ]] || { echo "FAIL: the good model wrote no image"; fail=1; }

# Live: switching to a hostile file keeps the running model.
timeout 120 xvfb-run -a -s "-screen 0 640x480x24" "$autolume" --model "$good" --demo \
    --duration 6 --threads 1 --switch-model-after 2 hostile/setstate.pt >live.log 2>&1
rc=$?
((rc == 0)) || { echo "FAIL live: exit $rc"; tail -5 live.log; fail=1; }
n=$(grep -cE "model 'hostile/setstate\.pt': refused: .*operation 'torch\.save'.*keeping the running model" live.log)
((n == 1)) && echo "ok   live: one line, the running model stays" ||
    { echo "FAIL live: $n refusal lines"; grep -i "setstate" live.log; fail=1; }
grep -q "switched to model hostile" live.log && { echo "FAIL live: switched"; fail=1; }
[[ -z $(compgen -G "hostile/pwned_*") ]] || { echo "FAIL live: the attack ran"; fail=1; }
exit $fail
