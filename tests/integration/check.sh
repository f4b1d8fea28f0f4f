# Shared by the integration scripts (source it): runs a command and checks its exit code and
# output, printing "ok NAME" or "FAIL NAME: ..." and setting fail=1 on a failure.
fail=0
check() {  # check NAME EXPECTED_RC PATTERN -- command...
    local name=$1 rc=$2 pattern=$3
    shift 4
    "$@" >"$name.log" 2>&1
    local got=$?
    if [[ $got != "$rc" ]]; then
        echo "FAIL $name: exit $got, expected $rc"; cat "$name.log"; fail=1
    elif ! grep -qE -- "$pattern" "$name.log"; then
        echo "FAIL $name: output lacks /$pattern/"; cat "$name.log"; fail=1
    else
        echo "ok   $name"
    fi
}
