#!/usr/bin/env python3
"""Onset-to-photon latency from `autolume --stats` output.

For a file of clicks at known times, finds for each click the first displayed frame whose
control frame had seen an onset at or after that click, and reports how long after the click
entered the app that frame was presented:

    latency = present_s - (t0 + click_time),  t0 = audio_wall_s - audio_time_s (the file's start)

Usage: onset_latency.py stats.csv --first 0.25 --period 0.5 --count 16
"""
import argparse
import csv
import statistics


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("stats")
    p.add_argument("--first", type=float, required=True, help="time of the first click (s)")
    p.add_argument("--period", type=float, required=True, help="seconds between clicks")
    p.add_argument("--count", type=int, required=True, help="number of clicks")
    a = p.parse_args()

    with open(a.stats) as f:
        rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(f)]
    if not rows:
        raise SystemExit(f"{a.stats}: no frames")
    t0 = statistics.median(r["audio_wall_s"] - r["audio_time_s"] for r in rows)
    latencies, detect = [], []
    for i in range(a.count):
        click = a.first + i * a.period
        frame = next((r for r in rows if r["last_onset_s"] >= click - 0.005), None)
        if frame is None or frame["last_onset_s"] > click + a.period / 2:
            print(f"click {i} at {click:.3f} s: no reacting frame")
            continue
        latencies.append((frame["present_s"] - (t0 + click)) * 1000)
        detect.append((frame["last_onset_s"] - click) * 1000)
    if not latencies:
        raise SystemExit("no click produced a reacting frame")
    q = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else latencies * 19
    print(f"clicks matched: {len(latencies)}/{a.count}")
    print(f"onset-to-photon ms: median {statistics.median(latencies):.1f}, "
          f"min {min(latencies):.1f}, p95 {q[-1]:.1f}, max {max(latencies):.1f}")
    print(f"of which onset detection (hop end - click) ms: median {statistics.median(detect):.1f}")
    ap = [(r["present_s"] - r["audio_wall_s"]) * 1000 for r in rows]
    print(f"audio-to-photon ms over {len(rows)} frames: median {statistics.median(ap):.1f}, "
          f"p95 {statistics.quantiles(ap, n=20)[-1]:.1f}")
    gen = [r["generator_ms"] for r in rows]
    print(f"generator ms: median {statistics.median(gen):.2f}")


if __name__ == "__main__":
    main()
