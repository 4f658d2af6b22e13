#!/usr/bin/env python3
"""Loads an MJCF file exported by benchforge in MuJoCo, steps it, and fails on any warning.

Usage: mujoco_check.py FILE.xml [--duration-s 10] [--json]

Exit 0: loaded and stepped cleanly; prints the payload's final position and the wall-clock
time the stepping took (the benchmark compares it with rapier). Exit 1: MuJoCo rejected the
file, raised a warning, or the state went non-finite. Exit 2: mujoco is not installed.
"""
import argparse
import json
import math
import sys
import time

try:
    import mujoco
except ImportError:
    print("mujoco_check: the mujoco Python package is not installed (pip install mujoco)", file=sys.stderr)
    sys.exit(2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--duration-s", type=float, default=10.0)
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()

    try:
        model = mujoco.MjModel.from_xml_path(args.file)
    except Exception as err:  # MuJoCo raises ValueError with the compiler's message
        print(f"mujoco_check: MuJoCo could not load {args.file}: {err}", file=sys.stderr)
        return 1
    data = mujoco.MjData(model)
    steps = max(1, round(args.duration_s / model.opt.timestep))
    start = time.perf_counter()
    for _ in range(steps):
        mujoco.mj_step(model, data)
    elapsed_s = time.perf_counter() - start

    problems = []
    names = sorted(n for n in dir(mujoco.mjtWarning) if n.startswith("mjWARN_"))
    for name in names:
        count = data.warning[int(getattr(mujoco.mjtWarning, name))].number
        if count:
            problems.append(f"{name} raised {count} times")
    if not all(math.isfinite(v) for v in data.qpos):
        problems.append("the state went non-finite")

    payload = model.body("payload").id
    result = {
        "file": args.file,
        "bodies": int(model.nbody) - 1,
        "geoms": int(model.ngeom),
        "joints": int(model.njnt),
        "sites": int(model.nsite),
        "steps": steps,
        "timestep_s": float(model.opt.timestep),
        "wall_s": elapsed_s,
        "payload_final_m": [float(v) for v in data.xpos[payload]],
        "warnings": problems,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.file}: {result['bodies']} bodies, {result['geoms']} geoms, {result['joints']} joints; "
              f"{steps} steps of {model.opt.timestep} s in {elapsed_s:.3f} s wall; payload ends at "
              f"{[round(v, 3) for v in result['payload_final_m']]}")
    if problems:
        print(f"mujoco_check: {args.file}: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
