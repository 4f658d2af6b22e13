//! "What to write instead" for calls that do not exist: common mistakes first, then the
//! closest name of the real API.

/// Words that name features the sandbox removes on purpose.
pub(crate) const FORBIDDEN_WORDS: &[&str] = &["import", "export", "eval", "timestamp"];

/// The scene API: each name with how it is called.
pub(crate) const API: &[(&str, &str)] = &[
    ("generator", "`let rng = generator(seed);`"),
    ("uniform", "`rng.uniform(min, max)`"),
    ("integer", "`rng.integer(min, max)`"),
    ("pick", "`rng.pick(array)`"),
    ("new_scene", "`let scene = new_scene(min_m, max_m);`"),
    ("new_solution", "`let solution = new_solution();`"),
    ("goal_zone", "`scene.goal_zone(min_m, max_m)`"),
    ("build_zone", "`scene.build_zone(min_m, max_m)`"),
    ("forbid_zone", "`scene.forbid_zone(name, min_m, max_m)`"),
    ("fixed_part", "`let p = scene.fixed_part(label, material);`"),
    ("dynamic_part", "`let p = scene.dynamic_part(label, material);`"),
    (
        "box",
        "`p.box(size_m, center_m)` or `p.box(size_m, center_m, rotation_deg)`",
    ),
    ("sphere", "`p.sphere(radius_m, center_m)`"),
    (
        "cylinder",
        "`p.cylinder(radius_m, length_m, center_m)` or `p.cylinder(radius_m, length_m, center_m, rotation_deg)`",
    ),
    (
        "capsule",
        "`p.capsule(radius_m, length_m, center_m)` or `p.capsule(radius_m, length_m, center_m, rotation_deg)`",
    ),
    ("hull", "`p.hull(points_m)`"),
    (
        "revolute_joint",
        "`scene.revolute_joint(label_a, label_b, anchor_m, axis, lower_deg, upper_deg)`",
    ),
    (
        "prismatic_joint",
        "`scene.prismatic_joint(label_a, label_b, anchor_m, axis, lower_m, upper_m)`",
    ),
    (
        "velocity_motor",
        "`j.velocity_motor(speed, max_effort)` on the joint a joint call returns (deg/s and N·m on a revolute joint, m/s and N on a prismatic one)",
    ),
    (
        "position_motor",
        "`j.position_motor(position, max_effort)` on the joint a joint call returns (deg and N·m on a revolute joint, m and N on a prismatic one)",
    ),
    ("motor_constant", "`j.motor_constant()` after `j.velocity_motor(..)` or `j.position_motor(..)`"),
    ("motor_ramp", "`j.motor_ramp(duration_s)` after `j.velocity_motor(..)` or `j.position_motor(..)`"),
    ("motor_step", "`j.motor_step(at_s)` after `j.velocity_motor(..)` or `j.position_motor(..)`"),
    ("motor_sine", "`j.motor_sine(period_s)` after `j.velocity_motor(..)` or `j.position_motor(..)`"),
    ("motor_start", "`j.motor_start(start_s)` after `j.velocity_motor(..)` or `j.position_motor(..)`"),
    (
        "spring",
        "`scene.spring(label_a, label_b, anchor_a_m, anchor_b_m, stiffness_n_per_m, damping_ns_per_m)` or with `rest_length_m` last",
    ),
    (
        "payload_sphere",
        "`scene.payload_sphere(radius_m, material, start_m)`",
    ),
    ("payload_box", "`scene.payload_box(size_m, material, start_m)`"),
    (
        "payload_cylinder",
        "`scene.payload_cylinder(radius_m, length_m, material, start_m)`",
    ),
    ("payload_jitter", "`scene.payload_jitter(jitter_m)`"),
    (
        "payload_size_range",
        "`scene.payload_size_range(min_factor, max_factor)`",
    ),
];

/// The calls a solution (in `solve`) has; every other scene call belongs to `build`.
const SOLUTION_CALLS: [&str; 5] = [
    "fixed_part",
    "dynamic_part",
    "revolute_joint",
    "prismatic_joint",
    "spring",
];

const PART_HINT: &str =
    "shapes belong to parts: write `let p = scene.fixed_part(\"deck\", \"wood\"); p.box(size_m, center_m)`";

/// Known wrong names and what to write instead.
const MISTAKES: &[(&str, &str)] = &[
    ("add_box", PART_HINT),
    ("add_sphere", "shapes belong to parts: write `let p = scene.fixed_part(\"ball_rest\", \"wood\"); p.sphere(radius_m, center_m)`"),
    ("add_cylinder", "shapes belong to parts: write `let p = scene.fixed_part(\"post\", \"steel\"); p.cylinder(radius_m, length_m, center_m)`"),
    ("add_capsule", "shapes belong to parts: write `let p = scene.fixed_part(\"rail\", \"steel\"); p.capsule(radius_m, length_m, center_m)`"),
    ("add_hull", "shapes belong to parts: write `let p = scene.fixed_part(\"wedge\", \"wood\"); p.hull(points_m)`"),
    ("add_shape", PART_HINT),
    ("add_fixture", "write `let p = scene.fixed_part(label, material);` (or `scene.dynamic_part`) and add shapes with `p.box(size_m, center_m)`"),
    ("add_part", "write `let p = scene.fixed_part(label, material);` (or `scene.dynamic_part`) and add shapes with `p.box(size_m, center_m)`"),
    ("part", "write `let p = scene.fixed_part(label, material);` or `scene.dynamic_part(label, material)`"),
    ("fixture", "write `let p = scene.fixed_part(label, material);` or `scene.dynamic_part(label, material)`"),
    ("static_part", "write `let p = scene.fixed_part(label, material);`"),
    ("add_payload", "write `scene.payload_sphere(radius_m, material, start_m)` (or `payload_box`, `payload_cylinder`)"),
    ("payload", "write `scene.payload_sphere(radius_m, material, start_m)` (or `payload_box`, `payload_cylinder`)"),
    ("set_payload", "write `scene.payload_sphere(radius_m, material, start_m)` (or `payload_box`, `payload_cylinder`)"),
    ("goal", "write `scene.goal_zone(min_m, max_m)`"),
    ("set_goal", "write `scene.goal_zone(min_m, max_m)`"),
    ("add_goal", "write `scene.goal_zone(min_m, max_m)`"),
    ("set_goal_zone", "write `scene.goal_zone(min_m, max_m)`"),
    ("set_build_zone", "write `scene.build_zone(min_m, max_m)`"),
    ("add_forbid_zone", "write `scene.forbid_zone(name, min_m, max_m)`"),
    ("forbidden_zone", "write `scene.forbid_zone(name, min_m, max_m)`"),
    ("add_joint", "write `scene.revolute_joint(label_a, label_b, anchor_m, axis, lower_deg, upper_deg)` or `scene.prismatic_joint(...)`"),
    ("motor", "write `let j = scene.revolute_joint(..);` then `j.velocity_motor(speed, max_effort)` or `j.position_motor(position, max_effort)`"),
    ("add_motor", "write `let j = scene.revolute_joint(..);` then `j.velocity_motor(speed, max_effort)` or `j.position_motor(position, max_effort)`"),
    ("set_motor", "write `let j = scene.revolute_joint(..);` then `j.velocity_motor(speed, max_effort)` or `j.position_motor(position, max_effort)`"),
    ("spring_joint", "write `scene.spring(label_a, label_b, anchor_a_m, anchor_b_m, stiffness_n_per_m, damping_ns_per_m)` (add `rest_length_m` last to preload it)"),
    ("add_spring", "write `scene.spring(label_a, label_b, anchor_a_m, anchor_b_m, stiffness_n_per_m, damping_ns_per_m)` (add `rest_length_m` last to preload it)"),
    ("cube", "write `p.box(size_m, center_m)` with the full size"),
    ("ball", "write `p.sphere(radius_m, center_m)`"),
    ("convex_hull", "write `p.hull(points_m)`"),
    ("scene", "write `let scene = new_scene(min_m, max_m);`"),
    ("Scene", "write `let scene = new_scene(min_m, max_m);`"),
    ("new_part", "write `let p = scene.fixed_part(label, material);`"),
    ("solution", "write `let solution = new_solution();`"),
    ("rand", "randomness comes only from the seeded generator: `let rng = generator(seed); rng.uniform(min, max)`"),
    ("random", "randomness comes only from the seeded generator: `let rng = generator(seed); rng.uniform(min, max)`"),
    ("rand_float", "randomness comes only from the seeded generator: `let rng = generator(seed); rng.uniform(min, max)`"),
    ("rand_int", "randomness comes only from the seeded generator: `let rng = generator(seed); rng.integer(min, max)`"),
    ("range", "write `rng.uniform(min, max)` for a float or `rng.integer(min, max)` for an integer"),
    ("choice", "write `rng.pick(array)`"),
    ("choose", "write `rng.pick(array)`"),
    ("timestamp", "time is not available: scenes must be reproducible from the seed; use `generator(seed)`"),
    ("now", "time is not available: scenes must be reproducible from the seed; use `generator(seed)`"),
    ("time", "time is not available: scenes must be reproducible from the seed; use `generator(seed)`"),
    ("eval", "`eval` is not available in scene scripts; write the code directly"),
    ("open", "files are not available in scene scripts"),
    ("read_file", "files are not available in scene scripts"),
    ("http_get", "the network is not available in scene scripts"),
    ("sleep", "`sleep` is not available in scene scripts: a script never waits; build the scene directly"),
    ("exit", "`exit` is not available in scene scripts: end `fn build` with the scene"),
    ("parse_json", "`parse_json` is not available in scene scripts: write the values directly"),
    ("get_fn_metadata_list", "reflection is not available in scene scripts"),
];

/// The message for a call Rhai could not resolve, from its signature, e.g.
/// `add_box (Scene, array, array)`.
pub(crate) fn unknown_function(signature: &str) -> String {
    let name = signature
        .split([' ', '('])
        .next()
        .unwrap_or(signature)
        .trim();
    let arguments = signature
        .find('(')
        .map(|i| signature[i..].trim().to_string())
        .unwrap_or_default();
    let receiver = receiver_word(&arguments);
    let on_solution = receiver == Some("solution");
    if on_solution && !SOLUTION_CALLS.contains(&name) && API.iter().any(|(api, _)| *api == name) {
        return format!(
            "solution.{name} does not exist: `{name}` belongs to the scene in `build`; in `solve` a solution has {}",
            SOLUTION_CALLS.map(|c| format!("`solution.{c}(..)`")).join(", ")
        );
    }
    // Inside `solve` the object in scope is `solution`: name it, not `scene`.
    let in_scope = |text: &str| {
        if on_solution {
            text.replace("scene.", "solution.")
        } else {
            text.to_string()
        }
    };
    if let Some((_, usage)) = API.iter().find(|(api, _)| *api == name) {
        return format!(
            "`{name}` was called with the wrong arguments {arguments}; write {} \
             (numbers, and arrays [x, y, z] in metres)",
            in_scope(usage)
        );
    }
    let shown = match receiver {
        Some(r) => format!("{r}.{name}"),
        None => name.to_string(),
    };
    if let Some((_, hint)) = MISTAKES.iter().find(|(wrong, _)| *wrong == name) {
        return format!("{shown} does not exist; {}", in_scope(hint));
    }
    if let Some((api, usage)) = closest(name) {
        return format!(
            "{shown} does not exist; did you mean `{api}`? write {}",
            in_scope(usage)
        );
    }
    format!(
        "{shown} {arguments} does not exist in the scene API; see the API reference \
         (new_scene, fixed_part, dynamic_part, box, sphere, cylinder, capsule, hull, goal_zone, \
         build_zone, forbid_zone, payload_sphere, payload_box, payload_cylinder, generator)"
    )
}

/// "scene" or "p" when the first argument is one of our handle types.
fn receiver_word(arguments: &str) -> Option<&'static str> {
    let first = arguments
        .trim_start_matches('(')
        .split([',', ')'])
        .next()?
        .trim();
    match first {
        "Scene" => Some("scene"),
        "Part" => Some("p"),
        "Generator" => Some("rng"),
        "Solution" => Some("solution"),
        "Joint" => Some("j"),
        _ => None,
    }
}

/// The API name closest to `name`, if it is close enough to be a typo.
fn closest(name: &str) -> Option<(&'static str, &'static str)> {
    let lower = name.to_ascii_lowercase();
    API.iter()
        .map(|(api, usage)| (edit_distance(&lower, api), *api, *usage))
        .filter(|(d, api, _)| *d <= 2.max(api.len() / 4))
        .min_by_key(|(d, ..)| *d)
        .map(|(_, api, usage)| (api, usage))
}

/// Levenshtein distance between `a` and `b`, in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_box_points_to_parts() {
        let m = unknown_function("add_box (Scene, array, array)");
        assert!(m.starts_with("scene.add_box does not exist"), "{m}");
        assert!(m.contains("fixed_part"), "{m}");
    }

    #[test]
    fn inside_solve_the_hints_name_the_solution() {
        let m = unknown_function("revolute_joint (Solution, string, string)");
        assert!(m.contains("`solution.revolute_joint(label_a"), "{m}");
        assert!(!m.contains("scene."), "{m}");
        let m = unknown_function("add_joint (Solution, string, string)");
        assert!(
            m.starts_with("solution.add_joint does not exist; write `solution.revolute_joint("),
            "{m}"
        );
        let m = unknown_function("goal_zone (Solution, array, array)");
        assert!(m.contains("belongs to the scene in `build`"), "{m}");
        assert!(m.contains("`solution.prismatic_joint(..)`"), "{m}");
        let m = unknown_function("velocity_motor (Joint, f64)");
        assert!(m.contains("j.velocity_motor(speed, max_effort)"), "{m}");
    }

    #[test]
    fn typo_gets_closest_name_and_wrong_arity_gets_usage() {
        assert!(unknown_function("goal_zon (Scene, array, array)").contains("`goal_zone`"));
        let m = unknown_function("box (Part, array)");
        assert!(m.contains("p.box(size_m, center_m)"), "{m}");
    }
}
