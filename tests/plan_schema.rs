//! The richer plan: turned, compound fixtures and joints with motors. The prompt's example
//! mechanism validates; a joint to a missing fixture, a non-unit axis, a motor beyond the
//! limits, a turned fixture without pieces and pieces that do not make the stated bounding
//! box are each refused with one line naming the field and the limit. Procedural plans carry
//! their fixtures' pieces and their joints, as built.

use benchforge::agents::llm::planner::validate_plan;
use benchforge::agents::llm::prompts::{
    RolePrompts, PLANNER_EXAMPLE_MECHANISM, PLANNER_EXAMPLE_PLAN,
};
use benchforge::agents::procedural::ProceduralPlanner;
use benchforge::agents::{PlanRequest, Planner};
use benchforge::plan::{FixturePlan, JointPlan, JointPlanKind, PieceShape, Plan, PlanOutcome};

/// The example plan with the example mechanism (a lever turned 10° made of a plank and a
/// cylinder, on a fulcrum, with a motorized hinge) added.
fn mechanism_plan() -> Plan {
    let mut plan: Plan = serde_json::from_str(PLANNER_EXAMPLE_PLAN).unwrap();
    #[derive(serde::Deserialize)]
    struct Mechanism {
        fixtures: Vec<FixturePlan>,
        joints: Vec<JointPlan>,
    }
    let m: Mechanism = serde_json::from_str(PLANNER_EXAMPLE_MECHANISM).unwrap();
    plan.fixtures.extend(m.fixtures);
    plan.joints = m.joints;
    plan
}

#[test]
fn a_plan_with_a_rotated_compound_fixture_and_a_motorized_hinge_validates() {
    let plan = mechanism_plan();
    let lever = plan
        .fixtures
        .iter()
        .find(|f| f.label == "lever_arm")
        .unwrap();
    assert_eq!(lever.rotation_deg, [0.0, -10.0, 0.0]);
    assert_eq!(lever.pieces.len(), 2);
    assert!(matches!(lever.pieces[1].shape, PieceShape::Cylinder { .. }));
    assert!(plan.joints[0].motor.is_some());
    validate_plan(&plan).unwrap();
    // It survives the store's codec (bincode) and JSON unchanged.
    let bytes = bincode::serde::encode_to_vec(&plan, bincode::config::standard()).unwrap();
    let (back, _): (Plan, usize) =
        bincode::serde::decode_from_slice(&bytes, bincode::config::standard()).unwrap();
    assert_eq!(back, plan);
    // The Planner's prompt shows it.
    let prompt = RolePrompts::builtin().planner;
    assert!(
        prompt.contains("\"lever_arm\""),
        "the mechanism example is in the prompt"
    );
    // And states the tolerance the script is held to, from the constants that hold it.
    assert!(
        prompt.contains(&format!(
            "max({:.0} %, {:.0} cm)",
            benchforge::plan_match::TOLERANCE_FRACTION * 100.0,
            benchforge::plan_match::TOLERANCE_FLOOR_M * 100.0
        )),
        "the prompt states another tolerance"
    );
}

fn refused(plan: &Plan) -> String {
    validate_plan(plan).expect_err("the plan was accepted")
}

#[test]
fn a_joint_to_a_missing_fixture_is_refused_naming_the_field() {
    let mut plan = mechanism_plan();
    plan.joints[0].fixture_b = "lever_arn".into();
    let e = refused(&plan);
    assert!(
        e.contains("joints[0].fixture_b \"lever_arn\" names no planned fixture")
            && e.contains("lever_arm"),
        "{e}"
    );
}

#[test]
fn a_non_unit_axis_is_refused_naming_the_field() {
    let mut plan = mechanism_plan();
    plan.joints[0].axis = [0.0, 2.0, 0.0];
    let e = refused(&plan);
    assert!(
        e.contains("joints[0].axis [0.0, 2.0, 0.0] has length 2.0000") && e.contains("unit vector"),
        "{e}"
    );
}

#[test]
fn a_motor_beyond_the_torque_limit_is_refused_naming_the_field_and_the_limit() {
    let mut plan = mechanism_plan();
    plan.joints[0].motor.as_mut().unwrap().max_effort = 1e6;
    let e = refused(&plan);
    let limit = benchforge::limits::current().motor_torque_nm;
    assert!(
        e.starts_with("joints[0].motor:")
            && e.contains("max torque 1e6 N·m")
            && e.contains(&format!(
                "limit of {} N·m (limits.motor_torque_nm)",
                benchforge::limits::fmt_number(limit)
            )),
        "{e}"
    );
}

#[test]
fn inverted_joint_limits_and_a_joint_of_two_fixed_fixtures_are_refused() {
    let mut plan = mechanism_plan();
    plan.joints[0].kind = JointPlanKind::Revolute {
        limits_deg: Some([30.0, -30.0]),
    };
    let e = refused(&plan);
    assert!(e.contains("joints[0].kind.limits_deg [30, -30] deg"), "{e}");
    let mut plan = mechanism_plan();
    plan.joints[0].fixture_b = "left_deck".into();
    let e = refused(&plan);
    assert!(e.contains("joins two fixed fixtures"), "{e}");
}

#[test]
fn a_turned_fixture_without_pieces_and_pieces_of_another_size_are_refused() {
    let mut plan = mechanism_plan();
    let lever = plan
        .fixtures
        .iter_mut()
        .find(|f| f.label == "lever_arm")
        .unwrap();
    lever.pieces.clear();
    let e = refused(&plan);
    assert!(
        e.contains(
            "fixture \"lever_arm\": rotation_deg is [0.0, -10.0, 0.0] but it lists no pieces"
        ),
        "{e}"
    );
    // A plank given as a half length (0.4 instead of its full 0.8 m): the bounding box the
    // pieces make is named with the axis and both sizes.
    let mut plan = mechanism_plan();
    let lever = plan
        .fixtures
        .iter_mut()
        .find(|f| f.label == "lever_arm")
        .unwrap();
    lever.pieces[0].shape = PieceShape::Box {
        size_m: [0.4, 0.1, 0.02],
    };
    let e = refused(&plan);
    assert!(
        e.contains("fixture \"lever_arm\": full size along x is")
            && e.contains("where its pieces make it, the plan says 0.791 m"),
        "{e}"
    );
    let mut plan = mechanism_plan();
    let lever = plan
        .fixtures
        .iter_mut()
        .find(|f| f.label == "lever_arm")
        .unwrap();
    lever.pieces[1].shape = PieceShape::Cylinder {
        radius_m: -0.03,
        length_m: 0.1,
    };
    let e = refused(&plan);
    assert!(
        e.contains("fixture \"lever_arm\" pieces[1]: radius_m = -0.03 must be positive metres (a radius, half the diameter)"),
        "{e}"
    );
}

/// The procedural hinged-flap plan carries the flap's joint and every fixture's pieces as
/// the nominal script builds them.
#[test]
fn a_procedural_plan_lists_its_joints_and_pieces() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let plan = match rt
        .block_on(ProceduralPlanner.plan(PlanRequest::new("a ball pushes through a hinged flap")))
        .unwrap()
        .value
    {
        PlanOutcome::Planned(p) => p,
        other => panic!("{other:?}"),
    };
    assert!(
        plan.joints
            .iter()
            .any(|j| matches!(j.kind, JointPlanKind::Revolute { .. })
                && (j.fixture_a == "flap" || j.fixture_b == "flap")),
        "{:?}",
        plan.joints
    );
    assert!(plan.fixtures.iter().all(|f| !f.pieces.is_empty()));
    assert!(plan.to_markdown().contains("revolute joint"));
    validate_plan(&plan).unwrap();
}
