//! Solution scripts for scoring: a script that defines only `fn solve(seed, scale)` (no
//! `build`), run on the same engine, API, sandbox and limits as a reference solution, plus one
//! extra function, `scene_view()`, that returns a read-only copy of the variant being solved.
//!
//! `scene_view()` answers only while [`solve_with_view`] runs `solve`; anywhere else (e.g. in a
//! scene script's `build`) it is an error, so benchmark scripts cannot come to depend on it.
//! The view is an object map (a copy: changing it changes nothing):
//!
//! - `seed`, `scale` (`[x, y, z]`, unitless)
//! - `bounds`, `goal_zone`, `build_zone`: zones `#{ min_m, max_m, center_m, size_m }`
//! - `forbid_zones`: map of zone name → zone
//! - `fixtures`: map of label → `#{ body, material, position_m, rotation_deg, min_m, max_m,
//!   center_m, size_m, shapes }` (`min_m`..`max_m` is the world bounding box; `shapes` lists
//!   `#{ kind, center_m, rotation_deg, ... }` in world coordinates with the shape's own sizes:
//!   `size_m` for a box (full size), `radius_m` and `length_m` for cylinders and capsules)
//! - `payload`: `#{ kind, material, start_m, size_factor, min_m, max_m, center_m, size_m, ... }`
//!   at this seed's actual spawn (start and size), with its shape's sizes as above
//! - `joints`: array of `#{ part_a, part_b, kind, anchor_m, axis }`

use std::cell::RefCell;

use rhai::{Array, Dynamic, Engine, Map};

use super::error::misuse;
use super::{SceneScript, ScriptError, MAX_SOURCE_BYTES};
use crate::scene::{rotation, Aabb, BodyKind, JointKind, Scene, Shape, Vec3};
use crate::variant::PayloadSpawn;

thread_local! {
    /// The view of the variant whose `solve` runs on this thread, if any.
    static VIEW: RefCell<Option<Map>> = const { RefCell::new(None) };
}

/// Registers `scene_view()` on the engine.
pub(crate) fn register(engine: &mut Engine) {
    engine.register_fn("scene_view", || -> super::error::ApiResult<Map> {
        match VIEW.with(|v| v.borrow().clone()) {
            Some(view) => Ok(view),
            None => misuse(
                "scene_view() is only available inside `fn solve` of a solution being scored (benchforge score)",
            ),
        }
    });
}

/// Compiles a solution script: it must define `fn solve(seed, scale)`; `fn build` is optional
/// (a benchmark's own `script.rhai` is a valid solution script too).
pub fn compile_solution(source: &str) -> Result<SceneScript, ScriptError> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(ScriptError::LimitExceeded {
            limit: super::Limit::SourceSize,
            line: None,
            detail: format!("the script is {} bytes; shorten it", source.len()),
        });
    }
    let ast = super::engine(&crate::limits::current())
        .compile(source)
        .map_err(super::error::from_parse_error)?;
    let solve: Vec<usize> = ast
        .iter_functions()
        .filter(|f| f.name == "solve")
        .map(|f| f.params.len())
        .collect();
    if !solve.contains(&2) {
        return Err(ScriptError::ApiMisuse {
            line: None,
            message: match solve.first() {
                Some(n) => format!(
                    "`fn solve` takes {n} parameter(s); it must be `fn solve(seed, scale)` and return the solution"
                ),
                None => "the solution script defines no `fn solve(seed, scale)`; define it, build parts with `new_solution()` and return the solution".into(),
            },
        });
    }
    Ok(SceneScript {
        ast,
        has_solve: true,
    })
}

/// Runs `solve(seed, scale)` of a compiled solution with `scene_view()` answering the view of
/// `scene` at `spawn`, and returns the solution.
pub fn solve_with_view(
    script: &SceneScript,
    seed: u64,
    scale: Vec3,
    scene: &Scene,
    spawn: &PayloadSpawn,
) -> Result<crate::scene::Solution, ScriptError> {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            VIEW.with(|v| *v.borrow_mut() = None);
        }
    }
    VIEW.with(|v| *v.borrow_mut() = Some(view_of(scene, spawn, seed, scale)));
    let _reset = Reset;
    Ok(script.solve(seed, scale)?.unwrap_or_default())
}

fn vec3(v: Vec3) -> Dynamic {
    Dynamic::from_array(v.iter().map(|x| Dynamic::from_float(*x)).collect())
}

fn zone(b: &Aabb) -> Map {
    let mut m = Map::new();
    m.insert("min_m".into(), vec3(b.min_m));
    m.insert("max_m".into(), vec3(b.max_m));
    m.insert("center_m".into(), vec3(b.center_m()));
    m.insert("size_m".into(), vec3(b.size_m()));
    m
}

/// The shape's kind and own sizes into `m`.
fn shape_fields(m: &mut Map, shape: &Shape) {
    m.insert("kind".into(), shape.kind_name().into());
    match shape {
        Shape::Box { size_m } => {
            m.insert("size_m".into(), vec3(*size_m));
        }
        Shape::Sphere { radius_m } => {
            m.insert("radius_m".into(), Dynamic::from_float(*radius_m));
        }
        Shape::Cylinder { radius_m, length_m } | Shape::Capsule { radius_m, length_m } => {
            m.insert("radius_m".into(), Dynamic::from_float(*radius_m));
            m.insert("length_m".into(), Dynamic::from_float(*length_m));
        }
        Shape::ConvexHull { points_m } => {
            m.insert(
                "points".into(),
                Dynamic::from_int(points_m.len() as rhai::INT),
            );
        }
    }
}

fn add(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// The read-only view of one variant as a Rhai object map (see the module docs).
pub fn view_of(scene: &Scene, spawn: &PayloadSpawn, seed: u64, scale: Vec3) -> Map {
    let mut view = Map::new();
    view.insert("seed".into(), Dynamic::from_int(seed as rhai::INT));
    view.insert("scale".into(), vec3(scale));
    view.insert("bounds".into(), zone(&scene.bounds).into());
    view.insert("goal_zone".into(), zone(&scene.goal_zone).into());
    view.insert("build_zone".into(), zone(&scene.build_zone).into());
    let forbid: Map = scene
        .forbid_zones
        .iter()
        .map(|f| (f.name.as_str().into(), zone(&f.zone).into()))
        .collect();
    view.insert("forbid_zones".into(), forbid.into());

    let mut fixtures = Map::new();
    for f in &scene.fixtures {
        let mut m = zone(&crate::gates::fixture_world_aabb(f));
        m.insert(
            "body".into(),
            match f.body {
                BodyKind::Fixed => "fixed",
                BodyKind::Dynamic => "dynamic",
            }
            .into(),
        );
        m.insert("material".into(), f.material.name().into());
        m.insert("position_m".into(), vec3(f.pose.position_m));
        m.insert("rotation_deg".into(), vec3(f.pose.rotation_deg));
        let shapes: Array = f
            .parts
            .iter()
            .map(|p| {
                let mut s = Map::new();
                shape_fields(&mut s, &p.shape);
                let center = add(
                    f.pose.position_m,
                    rotation::rotate(f.pose.rotation_deg, p.local_pose.position_m),
                );
                s.insert("center_m".into(), vec3(center));
                s.insert("rotation_deg".into(), vec3(p.local_pose.rotation_deg));
                s.into()
            })
            .collect();
        m.insert("shapes".into(), shapes.into());
        fixtures.insert(f.label.as_str().into(), m.into());
    }
    view.insert("fixtures".into(), fixtures.into());

    let shape = scene.payload.shape.scaled(spawn.size_factor);
    let mut payload = zone(&Aabb::from_center_half_extents(
        spawn.start_m,
        shape.local_half_extents_m(),
    ));
    shape_fields(&mut payload, &shape);
    payload.insert("material".into(), scene.payload.material.name().into());
    payload.insert("start_m".into(), vec3(spawn.start_m));
    payload.insert("size_factor".into(), Dynamic::from_float(spawn.size_factor));
    view.insert("payload".into(), payload.into());

    let joints: Array = scene
        .joints
        .iter()
        .map(|j| {
            let mut m = Map::new();
            m.insert("part_a".into(), j.fixture_a.as_str().into());
            m.insert("part_b".into(), j.fixture_b.as_str().into());
            m.insert(
                "kind".into(),
                match j.kind {
                    JointKind::Revolute { .. } => "revolute",
                    JointKind::Prismatic { .. } => "prismatic",
                }
                .into(),
            );
            m.insert("anchor_m".into(), vec3(j.anchor_m));
            m.insert("axis".into(), vec3(j.axis));
            m.into()
        })
        .collect();
    view.insert("joints".into(), joints.into());
    view
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::{Material, Payload};

    fn scene() -> Scene {
        Scene {
            bounds: Aabb::new([-1.0, -1.0, 0.0], [1.0, 1.0, 1.0]),
            fixtures: vec![],
            joints: vec![],
            springs: vec![],
            payload: Payload {
                shape: Shape::Sphere { radius_m: 0.05 },
                size_factor_range: [1.0, 1.0],
                material: Material::Steel,
                start_m: [0.0, 0.0, 0.5],
                jitter_m: [0.0; 3],
            },
            goal_zone: Aabb::new([0.4, -0.2, 0.0], [0.8, 0.2, 0.3]),
            forbid_zones: vec![],
            build_zone: Aabb::new([-0.9, -0.9, 0.0], [0.9, 0.9, 0.9]),
        }
    }

    #[test]
    fn scene_view_answers_only_inside_a_scored_solve() {
        let source = r#"
fn build(seed, scale) {
    let v = scene_view();
    new_scene([0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
}
fn solve(seed, scale) {
    let v = scene_view();
    let s = new_solution();
    let p = s.fixed_part("probe", "wood");
    p.box([0.1, 0.1, 0.1], [v.goal_zone.center_m[0], 0.0, v.payload.radius_m + 0.05]);
    s
}
"#;
        let script = SceneScript::compile(source).unwrap();
        let err = script.build(0, [1.0; 3]).unwrap_err();
        assert!(
            err.to_string().contains("scene_view() is only available"),
            "{err}"
        );
        let solution = compile_solution(source).unwrap();
        let spawn = PayloadSpawn {
            size_factor: 1.0,
            start_m: [0.0, 0.0, 0.5],
        };
        let parts = solve_with_view(&solution, 0, [1.0; 3], &scene(), &spawn).unwrap();
        assert_eq!(parts.len(), 1);
        let at = parts[0].pose.position_m;
        assert!(
            (at[0] - 0.6).abs() < 1e-12 && (at[2] - 0.1).abs() < 1e-12,
            "{at:?}"
        );
        // The view is gone again once `solve` returned.
        assert!(script.build(0, [1.0; 3]).is_err());
        let err = compile_solution("fn build(seed, scale) { 1 }").unwrap_err();
        assert!(err.to_string().contains("fn solve(seed, scale)"), "{err}");
    }
}
