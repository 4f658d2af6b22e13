//! The fourteen archetypes. There is no fallback: a theme none of them embodies is refused.

use super::{Archetype, Axis, ParamSpec};
use crate::intent::AttributeKind;
use crate::intent::ElementKind::*;
use crate::intent::Relation::*;
use crate::scene::Material;

const fn p(
    name: &'static str,
    description: &'static str,
    unit: &'static str,
    nominal: f64,
    spread: f64,
    axis: Axis,
) -> ParamSpec {
    ParamSpec {
        name,
        description,
        unit,
        nominal,
        spread,
        axis,
    }
}

const RUN: ParamSpec = p(
    "run_m",
    "horizontal run from the start to the goal bin",
    "m",
    0.6,
    0.15,
    Axis::X,
);
const POS: ParamSpec = p(
    "obstacle_pos",
    "where the obstacle sits between start and bin (fraction)",
    "1",
    0.5,
    0.2,
    Axis::None,
);

const PORTAL: ParamSpec = p(
    "portal_pos",
    "where the portal stands between start and bin (fraction)",
    "1",
    0.45,
    0.2,
    Axis::None,
);

/// What the generic portal is, for the plan and the obstacle check.
const PORTAL_PART: (&str, &str) = (
    "portal",
    "a wall across the direct line from the payload to the goal, with a low opening the path must pass through",
);

/// Places the generic portal (the layout bends the path for it).
const PORTAL_FIXTURE: &str =
    "\n    if \"x_k\" in g { portal(scene, g, \"portal\", \"wood\", 0.06); }\n";

/// Placement shared by archetypes whose bin stands on the floor `run_m` away.
const PLACE_FLOOR: &str = "g.x_end = ph + g.run_m; g.gf = 0.0;";

/// Every archetype of the library.
pub const CATALOG: &[Archetype] = &[
    Archetype {
        id: "gap_crossing",
        title: "Cross the gap between two decks",
        relations: &[(Across, Gap), (Onto, Deck)],
        stated: &[(Gap, AttributeKind::Width, "gap_m")],
        materials: &[(Deck, Material::Wood), (Bin, Material::Wood)],
        has_forbid_zone: true,
        objective: "Bridge a gap between two decks so the payload reaches the far deck without falling into the pit.",
        solution_idea: "a sloped bridge chute from under the payload across the gap into the goal bin on the far deck",
        params: &[PORTAL,
            p("gap_m", "width of the gap between the decks", "m", 0.2, 0.25, Axis::X),
            p("deck_height_m", "height of the goal deck's top", "m", 0.12, 0.2, Axis::Z),
            p("landing_m", "length of goal deck before the bin", "m", 0.1, 0.2, Axis::X),
        ],
        uses_pad: false,
        place: "g.x_p = ph + 0.2 + 0.2 * g.portal_pos; g.x_gl = g.x_p + 0.05; g.x_gr = g.x_gl + g.gap_m; g.x_end = g.x_gr + g.landing_m + 2.0 * g.hx; g.gf = g.deck_height_m;",
        fixtures: r#"
    let ltop = bottom(g, g.x_gl) - g.clear;
    let x0 = g.lo[0] + 0.1;
    let ld = scene.fixed_part("start_deck", "wood");
    ld.box([g.x_gl - x0, 2.0 * g.bw + 0.1, ltop], [(g.x_gl + x0) * 0.5, 0.0, ltop * 0.5]);
    let x1 = g.hi[0] - 0.1;
    let rd = scene.fixed_part("goal_deck", "wood");
    rd.box([x1 - g.x_gr, 2.0 * (g.bw + g.wt) + 0.1, g.gf], [(x1 + g.x_gr) * 0.5, 0.0, g.gf * 0.5]);
    scene.forbid_zone("gap_pit", [g.x_gl + 0.01, 0.0 - g.bw, 0.0], [g.x_gr - 0.01, g.bw, g.gf * 0.6]);
    g.portal_base = ltop;
    portal(scene, g, "portal", "wood", 0.06);
"#,
        base_difficulty: 0.35,
        parts: &[PORTAL_PART, ("start_deck", "the deck the payload starts above"), ("goal_deck", "the far deck carrying the goal bin")],
        obstacles: &["portal"],
        solve: None,
    },
    Archetype {
        id: "deflector_side_bin",
        title: "Deflect a falling payload into a side bin",
        relations: &[(Onto, Deflector)],
        stated: &[(Deflector, AttributeKind::Angle, "path_angle_deg")],
        materials: &[(Bin, Material::Wood)],
        has_forbid_zone: true,
        objective: "Catch a payload falling from rest and deflect it sideways into a goal bin, away from the forbid zone below the drop.",
        solution_idea: "a deflector ramp some way under the spawn that turns the fall into a roll towards the side bin",
        params: &[RUN],
        uses_pad: false,
        place: PLACE_FLOOR,
        fixtures: r#"
    let py = g.hy + g.jy + 0.05;
    scene.forbid_zone("below_spawn", [0.0 - g.ph, 0.0 - py, 0.0], [g.ph, py, bottom(g, g.ph) - g.clear]);
"#,
        base_difficulty: 0.4,
        parts: &[],
        obstacles: &[],
        solve: None,
    },
    Archetype {
        id: "shelf_lift",
        title: "Bring the payload onto a raised shelf",
        relations: &[(Onto, Shelf), (Onto, Ledge)],
        stated: &[(Shelf, AttributeKind::Height, "shelf_height_m"), (Ledge, AttributeKind::Height, "shelf_height_m")],
        materials: &[(Shelf, Material::Wood), (Ledge, Material::Wood), (Bin, Material::Wood)],
        has_forbid_zone: false,
        objective: "Get the payload onto a shelf well above the floor, without letting it end on the floor.",
        solution_idea: "a chute from the start tower down onto the shelf, ending in the bin on the shelf",
        params: &[PORTAL,
            p("shelf_height_m", "height of the shelf's top above the floor", "m", 0.25, 0.15, Axis::Z),
            p("run_m", "horizontal run from the start to the goal bin", "m", 0.45, 0.2, Axis::X),
        ],
        uses_pad: true,
        place: "g.x_end = ph + g.run_m; g.gf = g.shelf_height_m;",
        fixtures: r#"
    let x0 = g.bin_in - 0.08;
    let x1 = g.hi[0] - 0.1;
    let sh = scene.fixed_part("shelf", "wood");
    sh.box([x1 - x0, 2.0 * (g.bw + g.wt) + 0.06, g.gf], [(x0 + x1) * 0.5, 0.0, g.gf * 0.5]);
    if x0 - 0.02 > g.ph + 0.05 {
        scene.forbid_zone("floor_below_shelf", [g.ph + 0.02, 0.0 - g.bw, 0.0], [x0 - 0.02, g.bw, 2.0 * g.hz + 0.01]);
    }
    portal(scene, g, "portal", "wood", 0.06);
"#,
        base_difficulty: 0.45,
        parts: &[PORTAL_PART, ("shelf", "the raised shelf carrying the goal bin")],
        obstacles: &["portal"],
        solve: None,
    },
    Archetype {
        id: "wall_window",
        title: "Pass a window in a wall",
        relations: &[(Through, Window), (Through, Wall), (Past, Wall)],
        stated: &[],
        materials: &[(Wall, Material::Concrete), (Window, Material::Concrete), (Bin, Material::Wood)],
        has_forbid_zone: false,
        objective: "Guide the payload through the opening in a wall that stands between the start and the goal.",
        solution_idea: "a chute threaded through the window, from under the payload into the bin behind the wall",
        params: &[RUN, p("portal_pos", "where the wall stands between start and bin (fraction)", "1", 0.45, 0.2, Axis::None), p("wall_rise_m", "how far the wall's top rises above the payload's start", "m", 0.1, 0.3, Axis::Z)],
        uses_pad: true,
        place: PLACE_FLOOR,
        fixtures: r#"
    portal(scene, g, "wall", "concrete", g.hz + g.wall_rise_m);
"#,
        base_difficulty: 0.5,
        parts: &[("wall", "the wall with the window the payload must pass")],
        obstacles: &["wall"],
        solve: None,
    },
    Archetype {
        id: "shielded_lower_bin",
        title: "Drop into a lower bin past a shield",
        relations: &[(Under, Shield), (Past, Shield)],
        stated: &[],
        materials: &[(Shield, Material::Aluminium), (Bin, Material::Wood)],
        has_forbid_zone: true,
        objective: "Bring the payload down into a low bin whose approach is covered by a shield, without ending on the shield.",
        solution_idea: "a chute that runs under the shield into the low bin",
        params: &[RUN, p("shield_len_m", "length of the shield over the approach", "m", 0.18, 0.2, Axis::X)],
        uses_pad: true,
        place: "g.x_end = ph + g.run_m; g.gf = 0.0; g.x_p = g.x_end - 2.0 * g.hx - 0.02 - g.shield_len_m + 0.015;",
        fixtures: r#"
    let x1 = g.bin_in - 0.01;
    let x0 = g.x_p - 0.5 * g.portal_th;
    let sb = top(g, x0) + ride(g);
    let sw = g.bw + g.wt;
    let sh = scene.fixed_part("shield", "aluminium");
    sh.box([x1 - x0, 2.0 * sw, 0.01], [(x0 + x1) * 0.5, 0.0, sb + 0.005]);
    scene.forbid_zone("on_shield", [x0, 0.0 - sw, sb + 0.011], [x1, sw, sb + 0.031 + 2.0 * g.hz]);
"#,
        base_difficulty: 0.45,
        parts: &[("shield", "the plate covering the approach to the bin")],
        obstacles: &[],
        solve: None,
    },
    Archetype {
        id: "sideways_move",
        title: "Move the payload sideways over a distance",
        relations: &[],
        stated: &[],
        materials: &[(Bin, Material::Wood)],
        has_forbid_zone: false,
        objective: "Transport the payload a set distance sideways and stop it in the goal bin.",
        solution_idea: "a long, gently sloped chute from the start tower to the far bin",
        params: &[PORTAL, p("distance_m", "horizontal distance from start to goal", "m", 0.8, 0.1, Axis::X)],
        uses_pad: true,
        place: "g.x_end = mx(g.distance_m - g.hx - 0.005, ph + 0.2); g.gf = 0.0; g.far_gap_m = 0.01;\n    if \"net_drop_m\" in g {\n        let run = g.x_end - (0.002 - ph);\n        let a = atan((g.net_drop_m - 0.018 - g.drop_m - g.clear) / run);\n        a = atan((g.net_drop_m - 0.015 / cos(a) - 0.003 - g.drop_m - g.clear) / run);\n        g.path_angle_deg = a * 57.29577951308232;\n        g.remove(\"portal_pos\");\n    }",
        fixtures: PORTAL_FIXTURE,
        base_difficulty: 0.3,
        parts: &[PORTAL_PART],
        obstacles: &["portal"],
        solve: None,
    },
    Archetype {
        id: "slope_climb",
        title: "Get up a slope onto a plateau",
        relations: &[(Onto, Plateau), (Past, Slope)],
        stated: &[(Plateau, AttributeKind::Height, "plateau_height_m")],
        materials: &[(Slope, Material::Wood), (Plateau, Material::Wood), (Bin, Material::Wood)],
        has_forbid_zone: false,
        objective: "Get the payload up past a slope onto the plateau at its top.",
        solution_idea: "a chute from the start tower over the slope onto the plateau's bin",
        params: &[PORTAL,
            RUN,
            p("plateau_height_m", "height of the plateau at the top of the slope", "m", 0.18, 0.2, Axis::Z),
            p("slope_length_m", "horizontal length of the slope", "m", 0.3, 0.2, Axis::X),
        ],
        uses_pad: true,
        place: "g.x_end = ph + g.run_m; g.gf = g.plateau_height_m;",
        fixtures: r#"
    let xp = g.bin_in - 0.08;
    let xs0 = mx(xp - g.slope_length_m, g.x_after);
    let w = g.bw + g.wt + 0.03;
    let sl = scene.fixed_part("slope", "wood");
    sl.hull([[xs0, 0.0 - w, 0.0], [xp, 0.0 - w, 0.0], [xp, 0.0 - w, g.gf], [xs0, w, 0.0], [xp, w, 0.0], [xp, w, g.gf]]);
    let x1 = g.hi[0] - 0.1;
    let pl = scene.fixed_part("plateau", "wood");
    pl.box([x1 - xp, 2.0 * w, g.gf], [(xp + x1) * 0.5, 0.0, g.gf * 0.5]);
    portal(scene, g, "portal", "wood", 0.06);
"#,
        base_difficulty: 0.4,
        parts: &[PORTAL_PART, ("slope", "the wedge rising to the plateau"), ("plateau", "the plateau carrying the goal bin")],
        obstacles: &["portal"],
        solve: None,
    },
    Archetype {
        id: "staggered_corridor",
        title: "Go through a corridor",
        relations: &[(Through, Corridor)],
        stated: &[],
        materials: &[(Corridor, Material::Wood), (Bin, Material::Wood)],
        has_forbid_zone: false,
        objective: "Guide the payload along a corridor of staggered walls without touching the walls' outside.",
        solution_idea: "a chute running down the corridor between the staggered walls",
        params: &[PORTAL, RUN, p("corridor_extra_height_m", "how far the corridor walls rise above the path", "m", 0.06, 0.25, Axis::Z)],
        uses_pad: true,
        place: PLACE_FLOOR,
        fixtures: r#"
    let x0 = g.x_after;
    let x1 = g.bin_in - 0.03;
    let xm = (x0 + x1) * 0.5;
    let yw = g.cw + g.clear + 0.02;
    let h = top(g, x0) + ride(g) + g.corridor_extra_height_m;
    let left = scene.fixed_part("corridor_left", "wood");
    left.box([xm + 0.05 - x0, 0.02, h], [(xm + 0.05 + x0) * 0.5, yw, h * 0.5]);
    left.box([0.02, 0.1, h], [x0 + 0.01, yw + 0.06, h * 0.5]);
    let right = scene.fixed_part("corridor_right", "wood");
    right.box([x1 - xm + 0.05, 0.02, h], [(x1 + xm - 0.05) * 0.5, 0.0 - yw, h * 0.5]);
    right.box([0.02, 0.1, h], [x1 - 0.01, 0.0 - yw - 0.06, h * 0.5]);
    portal(scene, g, "portal", "wood", 0.06);
"#,
        base_difficulty: 0.45,
        parts: &[PORTAL_PART, ("corridor_left", "the first, left-hand corridor wall"), ("corridor_right", "the second, right-hand corridor wall")],
        obstacles: &["portal"],
        solve: None,
    },
    Archetype {
        id: "speed_bump",
        title: "Cross a speed bump",
        relations: &[(Over, SpeedBump), (Past, SpeedBump)],
        stated: &[],
        materials: &[(SpeedBump, Material::Rubber), (Bin, Material::Wood)],
        has_forbid_zone: false,
        objective: "Get the payload over a bump lying across its path.",
        solution_idea: "a chute passing over the bump into the bin",
        params: &[PORTAL, RUN, p("bump_radius_m", "radius of the bump", "m", 0.04, 0.25, Axis::None)],
        uses_pad: true,
        place: PLACE_FLOOR,
        fixtures: r#"
    let xb = (g.x_after + g.bin_in) * 0.5;
    let rb = mx(mn(g.bump_radius_m, (bottom(g, xb + g.bump_radius_m) - g.clear) * 0.5), 0.004);
    let bump = scene.fixed_part("speed_bump", "rubber");
    bump.cylinder(rb, 2.0 * (g.bw + g.wt), [xb, 0.0, rb], [90.0, 0.0, 0.0]);
    portal(scene, g, "portal", "wood", 0.06);
"#,
        base_difficulty: 0.3,
        parts: &[PORTAL_PART, ("speed_bump", "the bump across the path")],
        obstacles: &["portal"],
        solve: None,
    },
    Archetype {
        id: "low_gate",
        title: "Pass under a low gate",
        relations: &[(Under, LowGate), (Past, LowGate)],
        stated: &[],
        materials: &[(LowGate, Material::Steel), (Bin, Material::Wood)],
        has_forbid_zone: false,
        objective: "Keep the payload low enough to pass under a gate bar, never over it.",
        solution_idea: "a chute that passes under the gate bar into the bin",
        params: &[RUN, p("portal_pos", "where the gate stands between start and bin (fraction)", "1", 0.45, 0.2, Axis::None)],
        uses_pad: true,
        place: PLACE_FLOOR,
        fixtures: r#"
    portal(scene, g, "low_gate", "steel", 0.06);
"#,
        base_difficulty: 0.4,
        parts: &[("low_gate", "the steel gate whose low opening the payload must pass under; it is closed above")],
        obstacles: &["low_gate"],
        solve: None,
    },
    Archetype {
        id: "post_ring",
        title: "Thread a ring on a post",
        relations: &[(Through, Ring), (Past, Post)],
        stated: &[],
        materials: &[(Ring, Material::Aluminium), (Post, Material::Aluminium), (Bin, Material::Wood)],
        has_forbid_zone: false,
        objective: "Thread the payload through a ring standing on a post.",
        solution_idea: "a chute passing through the ring into the bin",
        params: &[PORTAL, RUN, POS],
        uses_pad: true,
        place: PLACE_FLOOR,
        fixtures: r#"
    let xr = g.x_after + g.obstacle_pos * (g.bin_in - g.x_after - 0.1);
    let bar = 0.012;
    let rb = bottom(g, xr + 0.01) - g.clear;
    let rt = top(g, xr - 0.01) + ride(g);
    let hw = g.cw + g.clear + 0.006;
    let ring = scene.fixed_part("ring", "aluminium");
    ring.box([0.02, 2.0 * hw + 2.0 * bar, bar], [xr, 0.0, rb - bar * 0.5]);
    ring.box([0.02, 2.0 * hw + 2.0 * bar, bar], [xr, 0.0, rt + bar * 0.5]);
    ring.box([0.02, bar, rt - rb], [xr, hw + bar * 0.5, (rt + rb) * 0.5]);
    ring.box([0.02, bar, rt - rb], [xr, 0.0 - hw - bar * 0.5, (rt + rb) * 0.5]);
    if rb - bar > 0.01 {
        let post = scene.fixed_part("ring_post", "aluminium");
        post.box([0.02, 0.02, rb - bar], [xr, 0.0, (rb - bar) * 0.5]);
    }
    portal(scene, g, "portal", "wood", 0.06);
"#,
        base_difficulty: 0.5,
        parts: &[PORTAL_PART, ("ring", "the ring the payload must pass through"), ("ring_post", "the post holding the ring")],
        obstacles: &["portal"],
        solve: None,
    },
    Archetype {
        id: "hinged_flap",
        title: "Push through a hinged flap",
        relations: &[(Through, Flap), (Past, Flap)],
        stated: &[],
        materials: &[(Flap, Material::Wood), (Bin, Material::Wood)],
        has_forbid_zone: false,
        objective: "Bring the payload through a hinged flap (a revolute joint) hanging across its path.",
        solution_idea: "a chute under the flap; the rolling payload swings the flap open and passes into the bin",
        params: &[PORTAL, RUN, POS],
        uses_pad: true,
        place: PLACE_FLOOR,
        fixtures: r#"
    let xf = g.x_after + g.obstacle_pos * (g.bin_in - g.x_after - 0.1);
    let ft = 0.006;
    let fb = top(g, xf - ft) + g.rh + g.clear + 0.004;
    let fl = 2.0 * g.hz + 0.03;
    let fz = fb + fl;
    let bar = scene.fixed_part("hinge_bar", "steel");
    bar.cylinder(0.006, 2.0 * g.cw + 0.06, [xf, 0.0, fz + 0.006], [90.0, 0.0, 0.0]);
    let flap = scene.dynamic_part("flap", "wood");
    flap.box([ft, 2.0 * g.cw, fl], [xf, 0.0, fb + fl * 0.5]);
    scene.revolute_joint("hinge_bar", "flap", [xf, 0.0, fz], [0.0, 1.0, 0.0], FLAP_LOWER, FLAP_UPPER);
    portal(scene, g, "portal", "wood", 0.06);
"#,
        base_difficulty: 0.55,
        parts: &[PORTAL_PART, ("hinge_bar", "the fixed bar the flap hangs from"), ("flap", "the hinged flap (revolute joint) across the path")],
        obstacles: &["portal"],
        solve: None,
    },
    Archetype {
        id: "ledge_pusher",
        title: "Push the payload off a ledge into a bin below",
        relations: &[(Off, Ledge), (Off, Shelf)],
        stated: &[(Ledge, AttributeKind::Height, "ledge_height_m"), (Shelf, AttributeKind::Height, "ledge_height_m")],
        materials: &[(Ledge, Material::Wood), (Shelf, Material::Wood), (Bin, Material::Wood)],
        has_forbid_zone: false,
        objective: "Move a payload resting on a flat ledge over its edge so it falls into the bin below: nothing on the ledge slopes, so the solution must supply the push (a motor).",
        solution_idea: "a pusher: a plate behind the payload on a horizontal slider held by the ledge, driven by a position motor until the payload's centre is past the edge",
        params: &[
            p("ledge_height_m", "height of the ledge's top above the floor", "m", 0.15, 0.2, Axis::Z),
            p("push_m", "distance from the payload's front to the ledge's edge", "m", 0.06, 0.25, Axis::X),
        ],
        uses_pad: false,
        // The payload rests on the ledge; the bin stands on the floor against the ledge's
        // face, long enough for the payload to topple into it whichever way it falls.
        place: "g.path_angle_deg = 10.0; g.drop_m = 0.0; g.start_z = g.ledge_height_m + g.hz + 0.001; g.x_edge = g.jx + g.hx + g.push_m; g.gf = 0.0; g.x_end = g.x_edge + 0.015 + 2.0 * g.hx; g.far_gap_m = 0.05 + 2.0 * mx(g.hx, g.hz);",
        fixtures: r#"
    let x0 = g.lo[0] + 0.05;
    let w = g.bw + g.wt + 0.03;
    let ledge = scene.fixed_part("ledge", "wood");
    ledge.box([g.x_edge - x0, 2.0 * w, g.ledge_height_m], [(g.x_edge + x0) * 0.5, 0.0, g.ledge_height_m * 0.5]);
"#,
        base_difficulty: 0.45,
        parts: &[("ledge", "the flat ledge the payload rests on, its edge towards the goal bin")],
        obstacles: &[],
        solve: Some(PUSHER_SOLVE),
    },
    Archetype {
        id: "motor_lift",
        title: "Lift the payload onto a higher shelf",
        relations: &[(Onto, Shelf), (Onto, Ledge)],
        stated: &[],
        materials: &[(Shelf, Material::Wood), (Ledge, Material::Wood), (Bin, Material::Wood)],
        has_forbid_zone: false,
        objective: "Raise a ball resting on two rails onto a shelf higher than its start: gravity cannot, so the solution must supply the energy (a motor).",
        solution_idea: "a lift: a platform between the start rails on a vertical slider, raised by a position motor until the ball rolls off it onto the shelf and into the goal bin",
        params: &[
            p("rise_m", "how far the payload's centre rises from its start to its rest on the shelf", "m", 0.25, 0.2, Axis::Z),
            p("landing_m", "length of the shelf's top between its front edge and the goal bin", "m", 0.08, 0.25, Axis::X),
        ],
        uses_pad: false,
        // The ball rests in the groove between two rails, its centre sqrt(r² − (gap/2)²) above
        // their tops; the shelf's front face stands just past the ball, its top `rise_m`
        // below where the ball's centre must end.
        place: "g.path_angle_deg = 10.0; g.drop_m = 0.0; g.rail_top = mx(0.03, 0.8 * g.hz); g.gap = 1.1 * g.hz; g.start_z = g.rail_top + sqrt(g.hz * g.hz - 0.25 * g.gap * g.gap) + 0.001; g.x_f = g.jx + g.hz + 0.012; g.gf = g.start_z - 0.001 + g.rise_m - g.hz; g.x_end = g.x_f + g.landing_m + 2.0 * g.hx + 0.01; g.bz_top = g.gf + 0.04;",
        fixtures: r#"
    let rw = mx(0.01, 0.3 * g.hz);
    let x0 = g.x_hi - 0.03;
    let x1 = g.x_f - 0.003;
    let rails = scene.fixed_part("start_rails", "steel");
    for side in [-1.0, 1.0] {
        rails.box([x1 - x0, rw, g.rail_top], [(x0 + x1) * 0.5, side * (0.5 * g.gap + 0.5 * rw), 0.5 * g.rail_top]);
    }
    let x2 = g.bin_far + g.wt + 0.02;
    let w = g.bw + g.wt + 0.03;
    let sh = scene.fixed_part("shelf", "wood");
    sh.box([x2 - g.x_f, 2.0 * w, g.gf], [(g.x_f + x2) * 0.5, 0.0, g.gf * 0.5]);
"#,
        base_difficulty: 0.5,
        parts: &[("start_rails", "two steel rails the ball rests between at its start, in front of the shelf"), ("shelf", "the shelf, higher than the ball, carrying the goal bin")],
        obstacles: &[],
        solve: Some(LIFT_SOLVE),
    },
];

/// The pusher: a plate behind the payload (clear of it wherever its jitter puts it) on a
/// horizontal slider held by the ledge, from a quarter to five quarters of the payload's half
/// height above the ledge's top. A velocity motor moves it at 0.12 m/s (from 0.3 s) up to the slider's limit, where
/// its front is past the edge, so the payload has left the ledge and falls into the bin. The motor is the energy source: the energy gate counts its work.
const PUSHER_SOLVE: &str = r#"fn solve(seed, scale) {
    let g = layout(seed, scale);
    let solution = new_solution();
    let pt = 0.01;
    let back = 0.0 - g.jx - g.hx;
    let front = back - 0.003;
    let xp = front - pt * 0.5;
    // From a quarter to five quarters of the payload's half height above the ledge: low
    // enough to push a ball at its centre, clear of the ledge.
    let h = g.hz;
    let zp = g.ledge_height_m + 0.25 * g.hz + h * 0.5;
    let pusher = solution.dynamic_part("pusher", "abs");
    pusher.box([pt, 2.0 * (g.hy + g.jy) + 0.02, h], [xp, 0.0, zp]);
    // Until the plate's front is past the edge, so the payload has left the ledge whole
    // (pressed against the plate, a payload just past the edge would hang there by friction).
    let travel = g.x_edge + 0.5 * g.hx + 0.005 - front;
    // A constant speed up to the slider's limit, where the plate stops dead and the payload
    // goes on alone.
    let slider = solution.prismatic_joint("ledge", "pusher", [xp, 0.0, zp], [1.0, 0.0, 0.0], 0.0, travel);
    // The heaviest payload of its bounding box (every shape's volume is at most that).
    let payload_kg = PAYLOAD_DENSITY * 8.0 * g.hx * g.hy * g.hz;
    slider.velocity_motor(0.12, mn(5000.0, 4.0 * payload_kg * 9.81 + 5.0));
    slider.motor_start(0.3);
    solution
}
"#;

/// The lift: a platform between the start rails on a vertical slider from the floor. Two
/// bars along it cradle the ball, and it leans 3° towards the shelf, so the lifted ball rolls
/// against the shelf's front face. A position motor raises it (from 0.5 s, at about 0.2 m/s)
/// until the ball's bottom clears the shelf's top; the ball then rolls off onto the shelf and
/// into the bin. The motor is the energy source: the energy gate counts its work.
const LIFT_SOLVE: &str = r#"fn solve(seed, scale) {
    let g = layout(seed, scale);
    let solution = new_solution();
    let r = g.hz;
    let lean = 3.0;
    let sl = sin(lean * 0.017453292519943295);
    // The platform runs between the rails, clear of each.
    let side_clear = mx(0.003, 0.08 * r);
    let pw = g.gap - 2.0 * side_clear;
    let bar = mx(0.003, 0.12 * r);
    let yb = 0.5 * pw - 0.5 * bar;
    let xa = 0.0 - g.jx - r - 0.01;
    let xb = g.x_f - 0.003;
    let len = xb - xa;
    let xm = (xa + xb) * 0.5;
    // The bars' tops start clear under the resting ball at its higher (back) end.
    let sag = r - sqrt(r * r - yb * yb);
    let zc = g.start_z - 0.001;
    let bars_mid = zc - (r - sag) - 0.003 - sl * len * 0.5;
    let pt = mx(0.006, 0.15 * r);
    let plate_mid = bars_mid - bar - pt * 0.5;
    let rot = [0.0, lean, 0.0];
    let lift = solution.dynamic_part("lift", "abs");
    lift.box([len, pw, pt], [xm, 0.0, plate_mid], rot);
    lift.box([len, bar, bar], [xm, 0.0 - yb, bars_mid - bar * 0.5], rot);
    lift.box([len, bar, bar], [xm, yb, bars_mid - bar * 0.5], rot);
    // Up until the ball's bottom, cradled at the bars' front end, is clear of the shelf top.
    let travel = g.gf + sag + mx(0.005, 0.1 * r) - (bars_mid - sl * len * 0.5);
    let slider = solution.prismatic_joint("floor", "lift", [xm, 0.0, plate_mid], [0.0, 0.0, 1.0], 0.0, travel + 0.005);
    let ball_kg = PAYLOAD_DENSITY * 4.1887902047863905 * r * r * r;
    let lift_kg = 1040.0 * len * (pw * pt + 2.0 * bar * bar);
    slider.position_motor(travel, mn(5000.0, 10.0 * (ball_kg + lift_kg) * 9.81 + 10.0));
    slider.motor_ramp(mx(1.5, travel / 0.2));
    slider.motor_start(0.5);
    solution
}
"#;
