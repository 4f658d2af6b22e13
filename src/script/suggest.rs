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
    if let Some((_, usage)) = API.iter().find(|(api, _)| *api == name) {
        return format!(
            "`{name}` was called with the wrong arguments {arguments}; write {usage} \
             (numbers, and arrays [x, y, z] in metres)"
        );
    }
    let shown = match receiver {
        Some(r) => format!("{r}.{name}"),
        None => name.to_string(),
    };
    if let Some((_, hint)) = MISTAKES.iter().find(|(wrong, _)| *wrong == name) {
        return format!("{shown} does not exist; {hint}");
    }
    if let Some((api, usage)) = closest(name) {
        return format!("{shown} does not exist; did you mean `{api}`? write {usage}");
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
    fn typo_gets_closest_name_and_wrong_arity_gets_usage() {
        assert!(unknown_function("goal_zon (Scene, array, array)").contains("`goal_zone`"));
        let m = unknown_function("box (Part, array)");
        assert!(m.contains("p.box(size_m, center_m)"), "{m}");
    }
}
