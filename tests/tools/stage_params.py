#!/usr/bin/env python3
"""Writes a parameter file (live --params) for stage tests.

  stage_params.py still OUT.json [NAME=VALUE ...]

"still": every post stage at its neutral value (the post chain is the identity but for the
upscale) and no idle drift, so in silence the picture stands still; NAME=VALUE pairs override.
"""
import json
import sys

NEUTRAL = {
    "post.upscale.sharpen": 0.0,
    "post.zoom_feedback.amount": 0.0,
    "post.trails.amount": 0.0,
    "post.kaleido.segments": 0.0,
    "post.color.hue": 0.0,
    "post.color.saturation": 1.0,
    "post.color.contrast": 1.0,
    "post.color.brightness": 0.0,
    "post.flash.amount": 0.0,
    "post.invert.amount": 0.0,
    "post.strobe.amount": 0.0,
    "walk.base_speed": 0.0,
}


def main() -> int:
    if len(sys.argv) < 3 or sys.argv[1] != "still":
        print(__doc__.strip(), file=sys.stderr)
        return 2
    values = dict(NEUTRAL)
    for pair in sys.argv[3:]:
        name, _, value = pair.partition("=")
        values[name] = float(value)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump({name: {"value": v} for name, v in values.items()}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
