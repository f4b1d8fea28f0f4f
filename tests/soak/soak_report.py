#!/usr/bin/env python3
"""The soak's sampler and judge (tests/soak/soak.sh). Standard library only.

  soak_report.py sample --pid PID --out samples.csv [--setup-pids "P1 P2"]
      Once a second until PID is gone: its resident memory (VmRSS, /proc/PID/status), its CPU,
      the CPU of the soak's own helpers (jackd, Xvfb, the controller, this sampler) and of
      everything else on the machine ("others", from /proc/stat, steal included), in cores.

  soak_report.py report --dir DIR --duration SEC --app-status N --app-early 0|1
                        --controller-status N --start-unix T0 --end-unix T1
      Reads DIR/health.csv (the app's --health rows), DIR/samples.csv, DIR/app.log and
      DIR/controller.log; writes DIR/summary.txt and DIR/timeseries.csv; prints the summary and
      ends with "PASS" or "FAIL: <why>" (exit 1).

Rules (the issue's, with "idle" made measurable):
  - warm-up: the first 10 % of the run, at least 30 s, counted from the app's launch, and at
    least until GANSpace was ready (computed in the background on a first start);
  - memory: the maximum RSS after the warm-up against the RSS at its end: over 5 % fails;
  - frame gaps: an output present period over 100 ms after the warm-up fails when the machine
    was idle apart from the soak in that second and the one before (others at most 0.25
    cores); in busier seconds it is counted and reported as not judged. A stall of 5 s or
    more fails however busy the machine was, and so does an output that stopped presenting;
  - the app crashing, ending before the controller or exiting non-zero fails;
  - the app receiving fewer MIDI messages than the controller sent fails.
"""

import argparse
import csv
import os
import re
import signal
import statistics
import sys
import time

RSS_GROWTH_LIMIT_PCT = 5.0
GAP_LIMIT_MS = 100.0
STALL_LIMIT_MS = 5000.0
IDLE_OTHERS_CORES = 0.25
WARMUP_FRACTION = 0.10
WARMUP_MIN_SEC = 30.0

SAMPLE_COLUMNS = ["unix_s", "rss_kib", "hwm_kib", "threads", "app_cores", "setup_cores",
                  "others_cores", "steal_cores", "load1"]


# --- sampling -------------------------------------------------------------------------------

def _proc_cpu_ticks(pid):
    """utime + stime of a process (all its threads), in clock ticks; None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)


def _proc_status(pid):
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM", "Threads"):
                    values[key] = int(rest.split()[0])
    except OSError:
        return None
    return values


def _machine_ticks():
    """(busy, steal) clock ticks of all CPUs since boot."""
    with open("/proc/stat") as f:
        parts = f.readline().split()
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in parts[1:9])
    return user + nice + system + irq + softirq + steal, steal


def sample(args):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    tick = os.sysconf("SC_CLK_TCK")
    setup = [int(p) for p in args.setup_pids.split()] + [os.getpid()]

    known = {}

    def setup_ticks():
        # A helper that has exited keeps its last count (else its CPU would seem to vanish
        # into "others").
        for p in setup:
            t = _proc_cpu_ticks(p)
            if t is not None:
                known[p] = t
        return sum(known.values())

    with open(args.out, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(SAMPLE_COLUMNS)
        f.flush()
        last_time = time.monotonic()
        last_app = _proc_cpu_ticks(args.pid)
        last_setup = setup_ticks()
        last_busy, last_steal = _machine_ticks()
        next_time = last_time + 1.0
        while not stop:
            time.sleep(max(0.0, next_time - time.monotonic()))
            next_time += 1.0
            status = _proc_status(args.pid)
            app = _proc_cpu_ticks(args.pid)
            if status is None or app is None or "VmRSS" not in status:
                break  # the app is gone (or a zombie without memory)
            now = time.monotonic()
            setup_now = setup_ticks()
            busy, steal = _machine_ticks()
            seconds = (now - last_time) * tick
            app_cores = (app - last_app) / seconds
            setup_cores = (setup_now - last_setup) / seconds
            others = max(0.0, (busy - last_busy) / seconds - app_cores - setup_cores)
            with open("/proc/loadavg") as la:
                load1 = float(la.read().split()[0])
            out.writerow([f"{time.time():.3f}", status["VmRSS"], status.get("VmHWM", 0),
                          status.get("Threads", 0), f"{app_cores:.3f}", f"{setup_cores:.3f}",
                          f"{others:.3f}", f"{(steal - last_steal) / seconds:.3f}",
                          f"{load1:.2f}"])
            f.flush()
            last_time, last_app, last_setup = now, app, setup_now
            last_busy, last_steal = busy, steal
    return 0


# --- the report -----------------------------------------------------------------------------

def _read_csv(path):
    try:
        with open(path, newline="") as f:
            rows = []
            for row in csv.DictReader(f):
                try:
                    rows.append({k: float(v) for k, v in row.items()})
                except (TypeError, ValueError):
                    break  # a row cut off by a crash ends the file
            return rows
    except OSError:
        return []


def _read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _last_int(pattern, text):
    found = re.findall(pattern, text)
    return int(found[-1]) if found else None


def _quantile(values, q):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def judge(d, duration, app_status, app_early, controller_status, start_unix, end_unix,
          ganspace_unix=0.0, stop_unix=0.0):
    """Returns (summary lines, failures, timeseries rows). Memory and gaps are judged from
    the warm-up's end to stop_unix (the controller's end, when the app is asked to quit;
    0: end_unix): shutdown frees memory and is no show."""
    health = _read_csv(os.path.join(d, "health.csv"))
    samples = _read_csv(os.path.join(d, "samples.csv"))
    app_log = _read_text(os.path.join(d, "app.log"))
    ctl_log = _read_text(os.path.join(d, "controller.log"))
    warmup = max(WARMUP_MIN_SEC, WARMUP_FRACTION * duration)
    if ganspace_unix > 0:
        warmup = max(warmup, ganspace_unix - start_unix)
    failures = []
    lines = []
    ran = end_unix - start_unix
    stop = (stop_unix if stop_unix > 0 else end_unix) - start_unix
    lines.append(f"run: {ran:.0f} s from the app's launch to its exit; controller played "
                 f"{duration} s; warm-up {warmup:.0f} s")

    # Crash, early end, exit status.
    name = ""
    if app_status > 128:
        try:
            name = f", {signal.Signals(app_status - 128).name}"
        except ValueError:
            pass
    if app_early:
        failures.append(f"the app ended {ran:.0f} s after launch, before the controller "
                        f"finished (status {app_status}{name})")
    elif app_status != 0:
        failures.append(f"the app exited with status {app_status}{name}")
    if "bound" not in ctl_log.split():
        failures.append("the app never bound the MIDI controller: " +
                        (ctl_log.strip().splitlines() or ["(no output)"])[-1])
    elif controller_status != 0 and not app_early:  # ended by the soak after a crash
        failures.append(f"the MIDI controller exited with status {controller_status}")

    # Memory.
    for s in samples:
        s["t"] = s["unix_s"] - start_unix
    after = [s for s in samples if warmup <= s["t"] <= stop]
    if samples:
        lines.append(f"RSS: start {samples[0]['rss_kib'] / 1024:.1f} MiB, "
                     f"peak {max(s['rss_kib'] for s in samples) / 1024:.1f} MiB, "
                     f"{len(samples)} samples")
    if after:
        base = after[0]["rss_kib"]
        peak = max(after, key=lambda s: s["rss_kib"])
        end = after[-1]["rss_kib"]  # the last sample before the app was asked to quit
        growth = 100.0 * (peak["rss_kib"] - base) / base
        lines.append(f"RSS after warm-up: at its end {base / 1024:.1f} MiB, max "
                     f"{peak['rss_kib'] / 1024:.1f} MiB (t={peak['t']:.0f} s), end "
                     f"{end / 1024:.1f} MiB; growth {growth:+.2f} % (max), "
                     f"{100.0 * (end - base) / base:+.2f} % (end); limit "
                     f"{RSS_GROWTH_LIMIT_PCT:.0f} %")
        if growth > RSS_GROWTH_LIMIT_PCT:
            failures.append(f"RSS grew {growth:.1f} % after the warm-up ({base / 1024:.1f} -> "
                            f"{peak['rss_kib'] / 1024:.1f} MiB at t={peak['t']:.0f} s), over "
                            f"{RSS_GROWTH_LIMIT_PCT:.0f} %")
    else:
        failures.append("no memory sample after the warm-up")

    # Frame gaps, each health row judged by the machine's load in its second and the one before.
    rows = []
    for h in health:
        t = h["unix_s"] - start_unix
        near = [s for s in samples if h["unix_s"] - 2.0 < s["unix_s"] < h["unix_s"] + 1.0]
        others = max((s["others_cores"] for s in near), default=None)
        rss = min(near, key=lambda s: abs(s["unix_s"] - h["unix_s"]))["rss_kib"] if near else 0
        rows.append({"t": t, "h": h, "others": others, "rss": rss,
                     "idle": others is not None and others <= IDLE_OTHERS_CORES})
    judged = [r for r in rows if warmup <= r["t"] <= stop]
    if judged:
        idle = [r for r in judged if r["idle"]]
        worst = max(judged, key=lambda r: r["h"]["period_max_ms"])
        gaps = sum(int(r["h"]["gaps_over_100ms"]) for r in judged)
        gaps_idle = sum(int(r["h"]["gaps_over_100ms"]) for r in idle)
        p99s = [r["h"]["period_p99_ms"] for r in judged]
        p50s = [r["h"]["period_p50_ms"] for r in judged]
        maxes = [r["h"]["period_max_ms"] for r in judged]
        others = [r["others"] for r in judged if r["others"] is not None]
        presents = sum(r["h"]["presents"] for r in judged)
        span = judged[-1]["h"]["time_s"] - judged[0]["h"]["time_s"] + 1.0
        lines.append(f"output after warm-up: {presents:.0f} presents in {len(judged)} s "
                     f"({presents / span:.1f} per s); per-second p50 median "
                     f"{statistics.median(p50s):.1f} ms, per-second p99 median "
                     f"{statistics.median(p99s):.1f} ms / max {max(p99s):.1f} ms; per-second "
                     f"max gap p50 {statistics.median(maxes):.1f} ms, p99 "
                     f"{_quantile(maxes, 0.99):.1f} ms, max {worst['h']['period_max_ms']:.1f} ms "
                     f"(t={worst['t']:.0f} s)")
        lines.append(f"machine: others used {statistics.mean(others) if others else 0:.2f} cores "
                     f"on average (max {max(others, default=0):.2f}); {len(idle)} of "
                     f"{len(judged)} s idle enough to judge gaps (others <= "
                     f"{IDLE_OTHERS_CORES} cores)")
        lines.append(f"gaps over {GAP_LIMIT_MS:.0f} ms after warm-up: {gaps} ({gaps_idle} in idle "
                     f"seconds, {gaps - gaps_idle} in busy seconds, not judged)")
        bad = [r for r in idle if r["h"]["period_max_ms"] > GAP_LIMIT_MS]
        if bad:
            r = max(bad, key=lambda r: r["h"]["period_max_ms"])
            failures.append(f"frame gap {r['h']['period_max_ms']:.1f} ms at t={r['t']:.0f} s on "
                            f"an idle machine (others {r['others']:.2f} cores); {len(bad)} idle "
                            f"seconds had gaps over {GAP_LIMIT_MS:.0f} ms")
        elif not idle:
            lines.append("gap check: not judged, the machine was never idle after the warm-up")
        if worst["h"]["period_max_ms"] >= STALL_LIMIT_MS:
            failures.append(f"the output stalled for {worst['h']['period_max_ms'] / 1000:.1f} s "
                            f"at t={worst['t']:.0f} s")
        control = [r["h"]["control_max_ms"] for r in judged if r["h"]["control_presents"] > 0]
        if control:
            lines.append(f"control window after warm-up: per-second max gap p50 "
                         f"{statistics.median(control):.1f} ms, max {max(control):.1f} ms")
        last = health[-1]
        lines.append(f"frames: {last['frames_generated']:.0f} generated, "
                     f"{last['frames_shown']:.0f} shown; {last['hops']:.0f} hops; "
                     f"{last['audio_overruns']:.0f} audio overruns; "
                     f"{last['generator_errors']:.0f} generator errors")
    else:
        failures.append("no health row after the warm-up (the app wrote none)")
    if health and not app_early:
        silent = end_unix - health[-1]["unix_s"]
        if silent > 10.0:
            failures.append(f"the output stopped presenting {silent:.0f} s before the app exited")

    summary = re.findall(r"output: (\d+) presents, frame period p50 ([\d.]+) ms p99 ([\d.]+) ms "
                         r"max ([\d.]+) ms, (\d+) over", app_log)
    if summary:
        n, p50, p99, mx, over = summary[-1]
        lines.append(f"whole run (the app's exit summary, warm-up included): {n} presents, "
                     f"period p50 {p50} ms, p99 {p99} ms, max {mx} ms, {over} over 100 ms")

    # MIDI.
    sent = _last_int(r"sent (\d+) messages", ctl_log)
    leds = _last_int(r"received (\d+) LED messages", ctl_log)
    received = _last_int(r"MIDI: (\d+) messages", app_log)
    binds = len(re.findall(r"MIDI \(JACK\) in: '[^']*', out: '", app_log))
    malformed = _last_int(r"(\d+) malformed", app_log)
    if sent is not None:
        lines.append(f"MIDI: controller sent {sent}, app received "
                     f"{received if received is not None else '?'} "
                     f"(malformed {malformed if malformed is not None else '?'}), LED messages back "
                     f"{leds}, port bound {binds} time(s)")
        if received is not None and received < sent:
            failures.append(f"MIDI: the app received {received} of {sent} messages")
    stores = len(re.findall(r"stored preset", app_log))
    recalls = len(re.findall(r"recall preset", app_log))
    lines.append(f"presets: {stores} stored, {recalls} recalled")
    return lines, failures, rows


def report(args):
    lines, failures, rows = judge(args.dir, args.duration, args.app_status, args.app_early,
                                  args.controller_status, args.start_unix, args.end_unix,
                                  args.ganspace_unix, args.stop_unix)
    with open(os.path.join(args.dir, "timeseries.csv"), "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["t_s", "rss_mib", "presents", "period_p50_ms", "period_p99_ms",
                      "period_max_ms", "gaps_over_100ms", "control_max_ms", "frames_generated",
                      "midi_received", "others_cores", "idle"])
        for r in rows:
            h = r["h"]
            out.writerow([f"{r['t']:.1f}", f"{r['rss'] / 1024:.2f}", int(h["presents"]),
                          h["period_p50_ms"], h["period_p99_ms"], h["period_max_ms"],
                          int(h["gaps_over_100ms"]), h["control_max_ms"],
                          int(h["frames_generated"]), int(h["midi_received"]),
                          "" if r["others"] is None else f"{r['others']:.2f}", int(r["idle"])])
    verdict = "PASS" if not failures else "FAIL: " + "; ".join(failures)
    text = "\n".join(lines + [verdict]) + "\n"
    with open(os.path.join(args.dir, "summary.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    return 0 if not failures else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--pid", type=int, required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--setup-pids", default="")
    r = sub.add_parser("report")
    r.add_argument("--dir", required=True)
    r.add_argument("--duration", type=float, required=True)
    r.add_argument("--app-status", type=int, required=True)
    r.add_argument("--app-early", type=int, default=0)
    r.add_argument("--controller-status", type=int, required=True)
    r.add_argument("--start-unix", type=float, required=True)
    r.add_argument("--end-unix", type=float, required=True)
    r.add_argument("--ganspace-unix", type=float, default=0.0)
    r.add_argument("--stop-unix", type=float, default=0.0)
    args = parser.parse_args()
    return sample(args) if args.command == "sample" else report(args)


if __name__ == "__main__":
    sys.exit(main())
