#!/usr/bin/python3
"""Audio-video offset of a recording made on a click track with the post chain's flash up.

Decodes the recorded audio (ffmpeg, mono float) and finds the clicks (the first sample of
each burst above a threshold); decodes the video (each frame's presentation time from ffprobe,
its mean brightness from ffmpeg) and finds the flashes (frames whose brightness jumps up).
The clicks and the flashes are matched click by click (the
first flash from -100 to +250 ms), the mean is the offset (picture after sound: positive).

With a second argument, the app's --present-log (each present's time on the audio clock and
the onset envelope the flash followed) and the click period, it also measures the offset the
audience saw live: from each click's position in the audio (the file source starts at 0, one
click every PERIOD s) to the first present whose envelope jumps. The recording is aligned when
the two offsets agree.

Prints "clicks N flashes M offset_ms X matched K [live_ms Y]" and exits 0; exits 1 when clicks
or flashes are missing.
"""
import subprocess
import sys

import numpy as np


def audio_clicks(path):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:a:0", "-ac", "1",
                          "-ar", "48000", "-f", "f32le", "-"], check=True,
                         capture_output=True).stdout
    x = np.abs(np.frombuffer(raw, dtype=np.float32))
    above = np.flatnonzero(x > 0.3 * x.max()) if x.size else np.array([], dtype=int)
    clicks, last = [], -1e9
    for i in above:
        t = i / 48000.0
        if t - last > 0.2:  # a new burst
            clicks.append(t)
        last = t
    return np.array(clicks)


def video_flashes(path):
    times = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "frame=pts_time", "-of", "csv=p=0", path], check=True,
                           capture_output=True, text=True).stdout.split()
    times = np.array([float(t.strip(",")) for t in times if t.strip(",") not in ("", "N/A")])
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:v:0", "-vsync",
                          "passthrough", "-vf", "scale=32:18,format=gray", "-f", "rawvideo",
                          "-"], check=True, capture_output=True).stdout
    luma = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 32 * 18).mean(axis=1)
    n = min(len(times), len(luma))
    times, luma = times[:n], luma[:n]
    rise = np.diff(luma, prepend=luma[:1])
    threshold = max(8.0, 0.4 * rise.max()) if n else 0
    flashes, last = [], -1e9
    for t, r in zip(times, rise):
        if r > threshold and t - last > 0.2:
            flashes.append(t)
            last = t
    return np.array(flashes)


def live_offset(log, period, first, last):
    rows = np.genfromtxt(log, delimiter=",", names=True)
    pos, env = rows["audio_pos_s"], rows["onset_envelope"]
    offsets = []
    c = np.ceil(first / period) * period
    while c <= last:
        prev = None
        for p, e in zip(pos, env):
            if p < c - 0.005:
                prev = e
                continue
            if prev is not None and e > prev + 0.2:
                offsets.append(p - c)
                break
            prev = e
        c += period
    return 1000 * float(np.mean(offsets)) if offsets else float("nan")


def main():
    clicks = audio_clicks(sys.argv[1])
    flashes = video_flashes(sys.argv[1])
    if len(clicks) == 0 or len(flashes) == 0:
        print(f"clicks {len(clicks)} flashes {len(flashes)} offset_ms nan matched 0")
        return 1
    # Each click with the first flash from 100 ms before to 250 ms after it; the offset is the
    # mean over the matched clicks (the cross-correlation of the two pulse trains, restricted
    # to one flash per click).
    offsets = []
    for c in clicks:
        near = flashes[(flashes > c - 0.1) & (flashes < c + 0.25)]
        if len(near):
            offsets.append(near[0] - c)
    best = len(offsets)
    offset = 1000 * float(np.mean(offsets)) if offsets else float("nan")
    line = f"clicks {len(clicks)} flashes {len(flashes)} offset_ms {offset:.1f} matched {int(best)}"
    if len(sys.argv) > 4:
        # argv: FILE PRESENT_LOG PERIOD START_S (the recording's start on the audio clock)
        period, start = float(sys.argv[3]), float(sys.argv[4])
        live = live_offset(sys.argv[2], period, start + 0.3, start + clicks.max() - 0.3)
        line += f" live_ms {live:.1f}"
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
