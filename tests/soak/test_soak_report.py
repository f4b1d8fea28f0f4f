"""The soak's judge on made-up runs: it passes a clean one and fails each fault by name (a
crash, memory growth, a gap on an idle machine, a stall, lost MIDI); gaps in busy seconds are
reported, not judged."""

import csv
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import soak_report  # noqa: E402

T0 = 1_000_000.0
HEALTH = ["time_s", "unix_s", "presents", "period_p50_ms", "period_p99_ms", "period_max_ms",
          "gaps_over_100ms", "control_presents", "control_p99_ms", "control_max_ms",
          "frames_generated", "frames_shown", "generator_ms", "hops", "audio_overruns",
          "midi_received", "midi_malformed", "generator_errors", "rss_kib"]


def make_run(tmp_path, seconds=300, rss=lambda t: 300_000, gap=lambda t: 30.0,
             others=lambda t: 0.05, sent=1000, received=1000):
    d = str(tmp_path)
    with open(os.path.join(d, "samples.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(soak_report.SAMPLE_COLUMNS)
        for t in range(1, seconds + 1):
            w.writerow([T0 + t, rss(t), rss(t), 40, 1.2, 0.1, others(t), 0.0, 1.0])
    with open(os.path.join(d, "health.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEALTH)
        for t in range(3, seconds + 1):
            m = gap(t)
            w.writerow([t - 2, T0 + t + 0.5, 48, 20.0, 30.0, m, int(m > 100), 29, 40.0, 45.0,
                        t * 90, t * 48, 5.0, t * 93, 0, t * 3, 0, 0, rss(t)])
    with open(os.path.join(d, "app.log"), "w") as f:
        f.write("MIDI (JACK) in: 'soak nanoKONTROL2:out', out: 'soak nanoKONTROL2 leds:in'\n"
                f"MIDI: {received} messages, 0 malformed (ignored), 0 unmapped\n"
                "output: 14000 presents, frame period p50 20.50 ms p99 38.00 ms max 90.0 ms, "
                "0 over 100 ms\n")
    with open(os.path.join(d, "controller.log"), "w") as f:
        f.write(f"ready\nbound\nsent {sent} messages, received 500 LED messages\n")
    return d


def verdict(d, seconds=300, status=0, early=0):
    lines, failures, _ = soak_report.judge(d, seconds, status, early, 0, T0, T0 + seconds + 1)
    return failures


def test_clean_run_passes(tmp_path):
    assert verdict(make_run(tmp_path)) == []


def test_crash_fails(tmp_path):
    failures = verdict(make_run(tmp_path), status=139, early=1)
    assert any("ended" in f for f in failures), failures
    failures = verdict(make_run(tmp_path), status=134)
    assert any("status 134, SIGABRT" in f for f in failures), failures


def test_memory_growth_after_warm_up_fails(tmp_path):
    # Warm-up of a 300 s run: 30 s. Growth before it is free; 6 % after it fails, 4 % passes.
    assert verdict(make_run(tmp_path, rss=lambda t: 200_000 + 1000 * min(t, 30))) == []
    failures = verdict(make_run(tmp_path, rss=lambda t: 300_000 + 60 * t))
    assert any("RSS grew" in f for f in failures), failures
    assert verdict(make_run(tmp_path, rss=lambda t: 300_000 + 40 * t)) == []


def test_gap_on_an_idle_machine_fails_and_on_a_busy_one_is_reported(tmp_path):
    gap = lambda t: 150.0 if t == 200 else 30.0  # noqa: E731
    failures = verdict(make_run(tmp_path, gap=gap))
    assert any("frame gap 150.0 ms at t=200" in f for f in failures), failures
    busy = lambda t: 1.5 if 190 <= t <= 210 else 0.05  # noqa: E731
    assert verdict(make_run(tmp_path, gap=gap, others=busy)) == []
    lines, _, _ = soak_report.judge(make_run(tmp_path, gap=gap, others=busy), 300, 0, 0, 0, T0,
                                    T0 + 301)
    assert any("1 in busy seconds, not judged" in line for line in lines), lines


def test_gaps_during_warm_up_are_not_judged(tmp_path):
    assert verdict(make_run(tmp_path, gap=lambda t: 400.0 if t < 20 else 30.0)) == []


def test_a_long_stall_fails_however_busy(tmp_path):
    failures = verdict(make_run(tmp_path, gap=lambda t: 6000.0 if t == 100 else 30.0,
                                others=lambda t: 2.0))
    assert any("stalled for 6.0 s" in f for f in failures), failures


def test_lost_midi_fails(tmp_path):
    failures = verdict(make_run(tmp_path, sent=1000, received=990))
    assert any("received 990 of 1000" in f for f in failures), failures


def test_the_warm_up_lasts_until_ganspace_is_ready(tmp_path):
    d = make_run(tmp_path, gap=lambda t: 400.0 if t == 40 else 30.0)
    assert any("frame gap" in f for f in verdict(d))
    _, failures, _ = soak_report.judge(d, 300, 0, 0, 0, T0, T0 + 301, ganspace_unix=T0 + 50)
    assert failures == []


def test_shutdown_after_the_stop_is_not_judged(tmp_path):
    # The app frees memory and may stall while it quits: neither counts.
    d = make_run(tmp_path, rss=lambda t: 150_000 if t > 290 else 300_000,
                 gap=lambda t: 900.0 if t > 292 else 30.0)
    lines, failures, _ = soak_report.judge(d, 300, 0, 0, 0, T0, T0 + 301, stop_unix=T0 + 290)
    assert failures == [], failures
    assert any("end 293.0 MiB; growth +0.00 % (max), +0.00 % (end)" in line for line in lines), lines
