//! The rules of the world an agent must know, stated once: where energy comes from (gravity,
//! joint motors and springs), which body, joint, motor and spring calls the scene API accepts, what the
//! sizes mean, the units and the limits that matter. Each fact is derived from the code the gates run (the scene types, the
//! gravity constant, [`crate::limits::TABLE`] and the limits in force) and rendered by
//! [`markdown`] into the Planner's and the Coder's prompts (`{{WORLD_RULES}}`), so a prompt
//! and a gate cannot disagree: a new body or joint kind does not compile until it is
//! described here, and `tests/llm_prompts.rs` checks every claim against the sandbox.

use crate::plan::FixtureBody;
use crate::scene::{BodyKind, JointKind, MotorProfile, MotorTarget, GRAVITY_Z_MPS2};

/// One kind of body a script can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyRule {
    /// The scene type's kind.
    pub kind: BodyKind,
    /// The plan's word for it (`fixtures[].body`).
    pub plan_word: &'static str,
    /// The call that makes one, on a scene (`scene.<call>(label, material)`) and on a
    /// solution (`solution.<call>(label, material)`).
    pub call: &'static str,
    /// What it does, in one line.
    pub meaning: &'static str,
}

/// Every body kind of the scene types, in the order the prompts list them.
pub const BODY_KINDS: [BodyKind; 2] = [BodyKind::Fixed, BodyKind::Dynamic];

/// The rule of `kind`. The match is exhaustive on purpose: a new kind in `crate::scene`
/// does not compile until it is described here (and so in every prompt).
pub fn body_rule(kind: BodyKind) -> BodyRule {
    match kind {
        BodyKind::Fixed => BodyRule {
            kind,
            plan_word: plan_word(FixtureBody::Fixed),
            call: "fixed_part",
            meaning: "never moves (infinite mass); floors, walls, decks, posts, ramps",
        },
        BodyKind::Dynamic => BodyRule {
            kind,
            plan_word: plan_word(FixtureBody::Dynamic),
            call: "dynamic_part",
            meaning: "moved by gravity, contacts and joints; starts at rest like everything else",
        },
    }
}

/// The plan's word for a body kind, as the plan reader spells it.
fn plan_word(body: FixtureBody) -> &'static str {
    match body {
        FixtureBody::Fixed => "fixed",
        FixtureBody::Dynamic => "dynamic",
    }
}

/// One kind of joint a script can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JointRule {
    /// The kind's name (`revolute`, `prismatic`).
    pub name: &'static str,
    /// The call that makes one: `scene.<call>(label_a, label_b, anchor_m, axis, lower, upper)`.
    pub call: &'static str,
    /// The unit of its lower and upper limits.
    pub limit_unit: &'static str,
    /// What it does, in one line.
    pub meaning: &'static str,
}

/// The rule of a joint kind; exhaustive like [`body_rule`].
pub fn joint_rule(kind: &JointKind) -> JointRule {
    match kind {
        JointKind::Revolute { .. } => JointRule {
            name: "revolute",
            call: "revolute_joint",
            limit_unit: "deg",
            meaning: "a hinge about an axis through an anchor point; the angle stays within [lower_deg, upper_deg] of the start pose",
        },
        JointKind::Prismatic { .. } => JointRule {
            name: "prismatic",
            call: "prismatic_joint",
            limit_unit: "m",
            meaning: "a slider along an axis; the displacement stays within [lower_m, upper_m] metres of the start pose",
        },
    }
}

/// Every joint kind of the scene types, in the order the prompts list them.
pub fn joint_kinds() -> Vec<JointRule> {
    [
        JointKind::Revolute { limits_deg: None },
        JointKind::Prismatic { limits_m: None },
    ]
    .iter()
    .map(joint_rule)
    .collect()
}

/// One motor call on a joint: a target kind or a time profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MotorRule {
    /// The call on the joint a joint call returns, with its arguments, e.g.
    /// `velocity_motor(speed, max_effort)`.
    pub call: &'static str,
    /// What it does, in one line.
    pub meaning: &'static str,
}

/// The rule of a motor target kind; exhaustive like [`body_rule`].
pub fn motor_target_rule(target: &MotorTarget) -> MotorRule {
    match target {
        MotorTarget::Velocity { .. } => MotorRule {
            call: "velocity_motor(speed, max_effort)",
            meaning: "drives the joint at `speed` (deg/s on a revolute joint, m/s on a prismatic one) with at most `max_effort` (N·m or N)",
        },
        MotorTarget::Position { .. } => MotorRule {
            call: "position_motor(position, max_effort)",
            meaning: "drives the joint to `position` from its start pose (deg or m) with at most `max_effort` (N·m or N)",
        },
    }
}

/// The rule of a motor time profile; exhaustive like [`body_rule`].
pub fn motor_profile_rule(profile: &MotorProfile) -> MotorRule {
    match profile {
        MotorProfile::Constant => MotorRule {
            call: "motor_constant()",
            meaning: "the full target from the start (the default)",
        },
        MotorProfile::Ramp { .. } => MotorRule {
            call: "motor_ramp(duration_s)",
            meaning: "the target grows from 0 to full over `duration_s`",
        },
        MotorProfile::Step { .. } => MotorRule {
            call: "motor_step(at_s)",
            meaning: "the target is 0 until `at_s`, then full",
        },
        MotorProfile::Sine { .. } => MotorRule {
            call: "motor_sine(period_s)",
            meaning: "the target swings as full × sin(2π t / `period_s`)",
        },
    }
}

/// Every motor call, targets then profiles, in the order the prompts list them, with
/// `motor_start(start_s)` last.
pub fn motor_calls() -> Vec<MotorRule> {
    let mut out: Vec<MotorRule> = [
        MotorTarget::Velocity { value: 0.0 },
        MotorTarget::Position { value: 0.0 },
    ]
    .iter()
    .map(motor_target_rule)
    .collect();
    out.extend(
        [
            MotorProfile::Constant,
            MotorProfile::Ramp { duration_s: 1.0 },
            MotorProfile::Step { at_s: 0.0 },
            MotorProfile::Sine { period_s: 1.0 },
        ]
        .iter()
        .map(motor_profile_rule),
    );
    out.push(MotorRule {
        call: "motor_start(start_s)",
        meaning: "the motor is off (the joint free) until `start_s`; profiles count from then",
    });
    out
}

/// The spring calls, on a scene (in `build`) and on a solution (in `solve`), in the order
/// the prompts list them. Both make a [`crate::scene::Spring`]; its limits are the
/// `spring_*` keys of [`AGENT_LIMITS`].
pub const SPRING_CALLS: [MotorRule; 2] = [
    MotorRule {
        call: "spring(label_a, label_b, anchor_a_m, anchor_b_m, stiffness_n_per_m, damping_ns_per_m)",
        meaning: "a spring-damper between two parts, fixed to each at its anchor (world points at the start); its rest length (end to end, anchor to anchor) is the anchors' distance at the start, so it starts unloaded",
    },
    MotorRule {
        call: "spring(label_a, label_b, anchor_a_m, anchor_b_m, stiffness_n_per_m, damping_ns_per_m, rest_length_m)",
        meaning: "the same with its rest length (end to end, anchor to anchor, in metres): anchors closer than it start compressed (it pushes), farther start stretched (it pulls); the energy it holds at the start, ½·k·(length − rest length)², is a source the energy check counts",
    },
];

/// The `[limits]` keys an agent must plan and write within, in the order the prompts list
/// them. Each is looked up in [`crate::limits::TABLE`].
pub const AGENT_LIMITS: [&str; 16] = [
    "plan_fixtures",
    "parts",
    "joints",
    "shapes_per_part",
    "shapes_total",
    "hull_points",
    "script_operations",
    "script_wall_time_s",
    "motor_torque_nm",
    "motor_force_n",
    "motor_speed_degps",
    "motor_speed_mps",
    "motor_time_s",
    "spring_stiffness_n_per_m",
    "spring_damping_ns_per_m",
    "spring_length_m",
];

/// (key, value in force, meaning) of every [`AGENT_LIMITS`] key; None for a key the
/// limits table does not have.
pub fn agent_limits() -> Vec<(&'static str, Option<(f64, &'static str)>)> {
    let in_force = crate::limits::current().values();
    AGENT_LIMITS
        .iter()
        .map(|&key| {
            let spec = crate::limits::TABLE.iter().find(|s| s.key == key);
            let value = in_force.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
            (key, spec.zip(value).map(|(s, v)| (v, s.meaning)))
        })
        .collect()
}

/// What every size key means, as (key, meaning); the same words the scene and plan types
/// document.
pub const SIZE_MEANINGS: [(&str, &str); 5] = [
    (
        "radius_m",
        "a radius, half the diameter: a 40 mm ball (40 mm across) has `radius_m` 0.02",
    ),
    (
        "size_m",
        "the full size (edge lengths along x, y, z), twice the half extents: a 40 mm cube has `size_m` [0.04, 0.04, 0.04]",
    ),
    (
        "length_m",
        "a cylinder's full length end to end along its axis (a capsule's straight middle section only)",
    ),
    (
        "half extents",
        "half the full size along each axis (the radius for a ball); the spawn envelope and every clearance use them",
    ),
    (
        "jitter_m",
        "a half-range: the start varies within `start_m ± jitter_m` per axis",
    ),
];

/// The rules as a Markdown section, for the prompts.
pub fn markdown() -> String {
    let g = -GRAVITY_Z_MPS2;
    let mut out = String::from("## Rules of the world (what the automatic checks enforce)\n\n");
    out.push_str(&format!(
        "- **Units**: SI — metres, kilograms, seconds; angles in degrees (names end in `_deg`). Z is up; gravity is {g} m/s² along −z. Every name with a unit ends in it (`gap_m`, `ramp_angle_deg`).\n"
    ));
    out.push_str(
        "- **Energy**: gravity, joint motors and springs are the only sources. There are no conveyors, kinematic bodies, initial velocities or impulses: every body, the payload included, starts at rest. So without a motor or a spring the payload can only roll, slide or fall downhill from its start, unless another body that falls further lifts it (a counterweight on a lever). To raise or push it, drive a joint with a motor (a lift platform on a prismatic joint, an arm on a revolute one) or release a preloaded spring (a plunger); the energy check counts the motor's work and the elastic energy the springs held at the start and nothing else. A theme that needs another source is a refusal (`needs_capability`).\n",
    );
    out.push_str("- **Bodies** (`fixtures[].body` in a plan; the call in a script, on `scene` in `build` and on `solution` in `solve`):\n");
    for kind in BODY_KINDS {
        let r = body_rule(kind);
        out.push_str(&format!(
            "  - `{}` — `{}(label, material)`: {}\n",
            r.plan_word, r.call, r.meaning
        ));
    }
    out.push_str("  No other kind exists (no kinematic or motorised bodies).\n");
    out.push_str("- **Joints** (`scene.<call>(label_a, label_b, anchor_m, axis, lower, upper)` in `build`; `solution.<call>(..)` in `solve`, joining two solution parts or a solution part and a fixed scene part):\n");
    for r in joint_kinds() {
        out.push_str(&format!(
            "  - `{}` — `{}`, limits in {}: {}\n",
            r.name, r.call, r.limit_unit, r.meaning
        ));
    }
    out.push_str("  No other joint exists (no fixed joints).\n");
    out.push_str("- **Motors** (on the joint a joint call returns: `let j = scene.prismatic_joint(..); j.velocity_motor(0.1, 50.0);`; one motor per joint, the last target call wins):\n");
    for r in motor_calls() {
        out.push_str(&format!("  - `j.{}`: {}\n", r.call, r.meaning));
    }
    out.push_str("- **Springs** (`scene.spring(..)` in `build`; `solution.spring(..)` in `solve`, joining two solution parts or a solution part and a fixed scene part; contacts between the two parts stay on):\n");
    for r in SPRING_CALLS {
        out.push_str(&format!("  - `{}`: {}\n", r.call, r.meaning));
    }
    out.push_str(
        "- **Sizes**: every size key says whether it is a radius, a full size or a half extent:\n",
    );
    for (key, meaning) in SIZE_MEANINGS {
        let key = if key.contains(' ') {
            key.to_string()
        } else {
            format!("`{key}`")
        };
        out.push_str(&format!("  - {key}: {meaning}\n"));
    }
    out.push_str("- **Limits** (a scene or plan beyond one fails):\n");
    for (key, found) in agent_limits() {
        if let Some((value, meaning)) = found {
            // Whole numbers in full ("5000000", not "5e6"): a model reads them literally.
            let shown = if value.fract() == 0.0 && value.abs() < 1e15 {
                format!("{}", value as i64)
            } else {
                crate::limits::fmt_number(value)
            };
            out.push_str(&format!("  - {meaning}: at most {shown}\n"));
        } else {
            // Unreachable while AGENT_LIMITS names table keys (a test holds it); said
            // plainly rather than hidden if it ever is not.
            out.push_str(&format!("  - {key}: see the README's limits table\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_agent_limit_is_a_key_of_the_limits_table() {
        for (key, found) in agent_limits() {
            assert!(found.is_some(), "{key} is not in crate::limits::TABLE");
        }
    }

    #[test]
    fn the_plan_words_are_what_the_plan_reader_reads() {
        for kind in BODY_KINDS {
            let r = body_rule(kind);
            let read: FixtureBody =
                serde_json::from_value(serde_json::json!(r.plan_word)).expect("plan word reads");
            assert_eq!(plan_word(read), r.plan_word);
        }
    }
}
