#!/usr/bin/env python3
"""Simulates benchforge MJCF exports in MuJoCo for the cross-check against rapier.

Usage: crosscheck.py MANIFEST.json

The manifest is {"cases": [{"name": str, "xml": path, "duration_s": float,
"sample_every_s": float}, ...]}. Each case is loaded, stepped for duration_s of simulated
time, and reported on one JSON object printed to stdout:
{"cases": [{"name", "payload_final_m", "payload_path_m": [[t, [x, y, z]], ...],
"in_goal", "first_in_goal_s", "bodies_final_m": {name: [x, y, z]}, "steps", "timestep_s",
"warnings"}]}.
in_goal uses the `goal_zone` site (an axis-aligned box: pos ± size) and the payload body's
position, as rapier's gates do. benchforge's `crosscheck` command and tests/mjcf_export.rs
run this file and compare the numbers with rapier's.

Motors: an export with joint motors carries each motor's time profile as a
`<numeric name="benchforge_motor:ACTUATOR">` in `<custom>` (the fields are listed in a comment
beside it and in `export::mjcf::MOTOR_PROFILE_FIELDS`). MJCF cannot express a time profile, so
before every step this script sets the actuator's control to the profile's target at the
current time, and holds its force range at zero before the motor's start (the joint is free
then, as in rapier).

Exit 0: every case ran. Exit 1: MuJoCo rejected a file. Exit 2: mujoco is not installed or
the manifest is unusable.
"""
import json
import math
import sys

try:
    import mujoco
except ImportError:
    print("crosscheck.py: the mujoco Python package is not installed (pip install mujoco)", file=sys.stderr)
    sys.exit(2)


def warnings_of(data):
    problems = []
    for name in sorted(n for n in dir(mujoco.mjtWarning) if n.startswith("mjWARN_")):
        count = data.warning[int(getattr(mujoco.mjtWarning, name))].number
        if count:
            problems.append(f"{name} raised {count} times")
    if not all(math.isfinite(v) for v in data.qpos):
        problems.append("the state went non-finite")
    return problems


class Motor:
    """One actuator driven by its benchforge time profile."""

    def __init__(self, model, actuator, data):
        self.id = model.actuator(actuator).id
        self.kind, self.target, self.profile, self.time_s, self.start_s, self.effort = data
        self.forcerange = [float(v) for v in model.actuator_forcerange[self.id]]

    def factor(self, t):
        if self.profile == 1:
            return min(t / self.time_s, 1.0)
        if self.profile == 2:
            return 1.0 if t >= self.time_s else 0.0
        if self.profile == 3:
            return math.sin(2.0 * math.pi * t / self.time_s)
        return 1.0

    def drive(self, model, data):
        t = float(data.time)
        if t < self.start_s:
            model.actuator_forcerange[self.id] = [0.0, 0.0]
            data.ctrl[self.id] = 0.0
        else:
            model.actuator_forcerange[self.id] = self.forcerange
            data.ctrl[self.id] = self.target * self.factor(t - self.start_s)


def motors_of(model):
    out = []
    for i in range(model.nnumeric):
        numeric = model.numeric(i)
        if numeric.name.startswith("benchforge_motor:"):
            data = [float(v) for v in numeric.data]
            out.append(Motor(model, numeric.name.split(":", 1)[1], data))
    return out


def run_case(case):
    model = mujoco.MjModel.from_xml_path(case["xml"])
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    payload = model.body("payload").id
    goal = model.site("goal_zone")
    lo = [goal.pos[i] - goal.size[i] for i in range(3)]
    hi = [goal.pos[i] + goal.size[i] for i in range(3)]

    def in_goal(p):
        return all(lo[i] <= p[i] <= hi[i] for i in range(3))

    dt = float(model.opt.timestep)
    steps = max(1, round(case["duration_s"] / dt))
    every = max(1, round(case.get("sample_every_s", 0.1) / dt))
    start = [float(v) for v in data.xpos[payload]]
    path = [[0.0, start]]
    first_in_goal = 0.0 if in_goal(start) else None
    motors = motors_of(model)
    for step in range(1, steps + 1):
        for motor in motors:
            motor.drive(model, data)
        mujoco.mj_step(model, data)
        p = [float(v) for v in data.xpos[payload]]
        if first_in_goal is None and in_goal(p):
            first_in_goal = step * dt
        if step % every == 0 or step == steps:
            path.append([step * dt, p])
    final = [float(v) for v in data.xpos[payload]]
    bodies = {}
    for b in range(1, model.nbody):
        name = model.body(b).name
        if name:
            bodies[name] = [float(v) for v in data.xpos[b]]
    return {
        "bodies_final_m": bodies,
        "name": case["name"],
        "payload_final_m": final,
        "payload_path_m": path,
        "in_goal": in_goal(final),
        "first_in_goal_s": first_in_goal,
        "steps": steps,
        "timestep_s": dt,
        "warnings": warnings_of(data),
    }


def main():
    if len(sys.argv) != 2:
        print("usage: crosscheck.py MANIFEST.json", file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1]) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as err:
        print(f"crosscheck.py: cannot read manifest {sys.argv[1]}: {err}", file=sys.stderr)
        return 2
    results = []
    for case in manifest["cases"]:
        try:
            results.append(run_case(case))
        except Exception as err:  # MuJoCo raises ValueError with the compiler's message
            print(f"crosscheck.py: MuJoCo could not run {case['xml']}: {err}", file=sys.stderr)
            return 1
    print(json.dumps({"cases": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
