# Private X servers for the monitor tests (source it). Each server gets a free display number
# (-displayfd), its own temporary folder, and is stopped when the sourcing script exits.
#
#   xserver_start [WxH ...]    Xorg with the dummy driver, one monitor per size, left to right
#                              (default: 1920x1080 1280x720). Needs root. Monitor k is RandR
#                              output DUMMYk; monitor 0 is the primary.
#   xserver_start_xvfb [WxH]   Xvfb: one monitor (RandR output "screen"), no unplugging.
#   xserver_unplug K           monitor K goes away (its CRTC is switched off)
#   xserver_replug K           monitor K comes back with its size and position
#   xserver_stop               stops the server (also runs on exit)
# After a start, DISPLAY names the server and XSERVER_DIR is its folder (xorg.log there).
#
# Why Xorg + dummy: GLFW 3.3 lists RandR outputs that are connected and have a CRTC. Xvfb and
# Xvnc have one output per screen, Xephyr's RandR has no CRTCs (GLFW falls back to one
# "Display"), and RandR 1.5 monitors (xrandr --setmonitor) and Xinerama heads are not read.
# The dummy driver (0.4) has 16 outputs DUMMY0..15; DUMMY0 is connected at start, the others
# once a mode is set on them. "Unplugging" turns the output's CRTC off: GLFW sees the monitor
# disconnected and gets GLFW_DISCONNECTED in its monitor callback, as for a real cable.
# Packages: xserver-xorg-core xserver-xorg-video-dummy x11-xserver-utils (xrandr), xvfb.

XSERVER_DIR=""
XSERVER_PID=""
XSERVER_WATCHDOG=""
XSERVER_KIND=""
XSERVER_OUTER_DISPLAY=""
XSERVER_MODES=()  # per monitor: "WxH"
XSERVER_XPOS=()   # per monitor: x position
XSERVER_PLUGGED=()  # per monitor: 1 while plugged in

# A 60 Hz modeline for WxH: "clock_MHz h hss hse ht v vss vse vt". CEA-like blanking (Xorg
# refuses reduced-blanking timings unless the monitor section allows them).
_xserver_modeline() {
    local w=${1%x*} h=${1#*x}
    local ht=$((w + 280)) vt=$((h + 45))
    local hz=$((ht * vt * 60))
    printf '%d.%06d %d %d %d %d %d %d %d %d' $((hz / 1000000)) $((hz % 1000000)) \
        "$w" $((w + 88)) $((w + 132)) "$ht" "$h" $((h + 4)) $((h + 9)) "$vt"
}

_xserver_check_size() {
    [[ $1 =~ ^[0-9]+x[0-9]+$ ]] && return
    echo "xserver: '$1' is not a size like 1920x1080" >&2
    return 1
}

# Starts "$@" with fd 3 as its -displayfd and waits until it writes its display number, i.e.
# until it accepts connections; fails if it exits first or after 30 s. XSERVER_DIR exists.
_xserver_launch() {
    mkfifo "$XSERVER_DIR/displayfd"
    "$@" -displayfd 3 3>"$XSERVER_DIR/displayfd" </dev/null >"$XSERVER_DIR/server.out" 2>&1 &
    XSERVER_PID=$!
    local number=""
    read -r -t 30 number <"$XSERVER_DIR/displayfd" || true
    if [[ ! $number =~ ^[0-9]+$ ]]; then
        echo "xserver: $1 did not start (see below)" >&2
        tail -n 20 "$XSERVER_DIR/server.out" "$XSERVER_DIR/xorg.log" 2>/dev/null >&2
        xserver_stop
        return 1
    fi
    XSERVER_OUTER_DISPLAY=${DISPLAY-unset}
    export DISPLAY=":$number"
    # Stop the server even when the script is killed (SIGKILL skips the exit trap).
    local parent=$$
    (
        while kill -0 "$parent" 2>/dev/null; do sleep 1; done
        kill "$XSERVER_PID" 2>/dev/null && sleep 1
        rm -rf "$XSERVER_DIR"
    ) </dev/null >/dev/null 2>&1 &
    XSERVER_WATCHDOG=$!
}

_xserver_install_trap() {
    local previous=""
    eval "set -- $(trap -p EXIT)"
    previous=${3:-}
    [[ $previous == *xserver_stop* ]] && return
    trap "xserver_stop; $previous" EXIT
    # Without a handler bash dies on these signals without running the exit trap.
    [[ -n $(trap -p TERM) ]] || trap 'exit 143' TERM
    [[ -n $(trap -p INT) ]] || trap 'exit 130' INT
}

_xserver_not_running() {
    [[ -z $XSERVER_PID ]] && return
    echo "xserver: one is running on $DISPLAY (xserver_stop first)" >&2
    return 1
}

xserver_start() {
    _xserver_not_running || return 1
    (($# > 0)) || set -- 1920x1080 1280x720
    (($# <= 16)) || { echo "xserver: at most 16 monitors" >&2; return 1; }
    [[ $(id -u) -eq 0 ]] || { echo "xserver: Xorg with -config needs root" >&2; return 1; }
    local size width=0 height=0
    for size; do
        _xserver_check_size "$size" || return 1
        width=$((width + ${size%x*}))
        ((${size#*x} > height)) && height=${size#*x}
    done
    _xserver_install_trap
    XSERVER_KIND=xorg
    XSERVER_MODES=("$@")
    XSERVER_XPOS=()
    XSERVER_PLUGGED=(1)  # DUMMY0 is on from the start, the others are set up below
    local x=0
    for size; do
        XSERVER_XPOS+=("$x")
        x=$((x + ${size%x*}))
    done
    # Room for the whole desktop: the dummy driver allocates VideoRam (KiB) at start.
    local videoKib=$(((width * height * 4 + 1023) / 1024 + 1024))
    XSERVER_DIR=$(mktemp -d /tmp/autolume-xserver.XXXXXX)
    # No system xorg.conf.d snippets; Xorg logs an error for a folder without a .conf file.
    mkdir "$XSERVER_DIR/conf.d" && echo "# nothing" >"$XSERVER_DIR/conf.d/00-none.conf"
    local conf="$XSERVER_DIR/xorg.conf"
    cat >"$conf" <<EOF
Section "ServerFlags"
  Option "AutoAddDevices" "false"
  Option "AutoEnableDevices" "false"
  Option "DontVTSwitch" "true"
EndSection
Section "Device"
  Identifier "dummy"
  Driver "dummy"
  VideoRam $videoKib
EndSection
Section "Monitor"
  Identifier "monitor"
  HorizSync 1.0-10000.0
  VertRefresh 1.0-1000.0
  Modeline "mon0" $(_xserver_modeline "$1")
EndSection
Section "Screen"
  Identifier "screen"
  Device "dummy"
  Monitor "monitor"
  DefaultDepth 24
  SubSection "Display"
    Depth 24
    Modes "mon0"
    Virtual $width $height
  EndSubSection
EndSection
EOF
    # -noreset: the server would otherwise reset (and forget the monitors set up with xrandr)
    # whenever its last client disconnects.
    _xserver_launch Xorg -config "$conf" -configdir "$XSERVER_DIR/conf.d" -noreset \
        -nolisten tcp -novtswitch -sharevts -logfile "$XSERVER_DIR/xorg.log" || return 1
    xrandr --output DUMMY0 --primary || { xserver_stop; return 1; }
    local k
    for ((k = 1; k < $#; ++k)); do
        xrandr --newmode "mon$k" $(_xserver_modeline "${XSERVER_MODES[k]}") &&
            xrandr --addmode "DUMMY$k" "mon$k" && xserver_replug "$k" || { xserver_stop; return 1; }
    done
}

xserver_start_xvfb() {
    _xserver_not_running || return 1
    local size=${1:-1280x720}
    _xserver_check_size "$size" || return 1
    _xserver_install_trap
    XSERVER_KIND=xvfb
    XSERVER_MODES=("$size")
    XSERVER_XPOS=(0)
    XSERVER_PLUGGED=(1)
    XSERVER_DIR=$(mktemp -d /tmp/autolume-xserver.XXXXXX)
    _xserver_launch Xvfb -screen 0 "${size}x24" -nolisten tcp
}

_xserver_monitor() {
    if [[ $XSERVER_KIND != xorg ]]; then
        echo "xserver: only xserver_start's monitors can be unplugged" >&2
        return 1
    fi
    [[ $1 =~ ^[0-9]+$ ]] && (($1 < ${#XSERVER_MODES[@]})) ||
        { echo "xserver: no monitor '$1' (there are ${#XSERVER_MODES[@]})" >&2; return 1; }
}

# Like a desktop's display settings, xrandr moves the remaining monitors so that the top-left
# one is at 0,0; replugging puts every plugged monitor back where xserver_start put it.
xserver_unplug() {
    _xserver_monitor "$1" || return 1
    xrandr --output "DUMMY$1" --off || return 1
    XSERVER_PLUGGED[$1]=0
}

xserver_replug() {
    _xserver_monitor "$1" || return 1
    XSERVER_PLUGGED[$1]=1
    local args=() k
    for ((k = 0; k < ${#XSERVER_MODES[@]}; ++k)); do
        ((${XSERVER_PLUGGED[k]:-0})) &&
            args+=(--output "DUMMY$k" --mode "mon$k" --pos "${XSERVER_XPOS[k]}x0")
    done
    xrandr "${args[@]}" || return 1
    # The dummy driver reports an output connected once it has a mode, but RandR keeps the old
    # status until outputs are probed; GLFW asks without probing (GetScreenResourcesCurrent),
    # so probe now (plain `xrandr` does), which also sends the change notification.
    xrandr >/dev/null
}

# Safe under `set -e` (a killed child's status is not an error here) and when called twice.
xserver_stop() {
    local pid=$XSERVER_PID watchdog=$XSERVER_WATCHDOG dir=$XSERVER_DIR i
    XSERVER_PID="" XSERVER_WATCHDOG="" XSERVER_DIR="" XSERVER_KIND=""
    if [[ -n $watchdog ]] && kill "$watchdog" 2>/dev/null; then
        wait "$watchdog" 2>/dev/null || :
    fi
    if [[ -n $pid ]] && kill "$pid" 2>/dev/null; then
        for ((i = 0; i < 50; ++i)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || :
        wait "$pid" 2>/dev/null || :
    fi
    if [[ -n $dir ]]; then rm -rf "$dir"; fi
    # Give back the DISPLAY the script had before the start ("unset": none).
    if [[ $XSERVER_OUTER_DISPLAY == unset ]]; then
        unset DISPLAY
    elif [[ -n $XSERVER_OUTER_DISPLAY ]]; then
        export DISPLAY=$XSERVER_OUTER_DISPLAY
    fi
    XSERVER_OUTER_DISPLAY=""
}
