//! Solution budgets (issue #15): what a benchmark allows a solution to use, the parts
//! catalogue that prices it, what a solution uses, and the check of the one against the
//! other.
//!
//! - A [`Budget`] caps four quantities ([`Quantity`]): the part count, the total mass in kg,
//!   the total motor power in W and the cost in US dollars. A cap left out is not checked.
//! - The [`Catalogue`] prices a solution: a fixed price per part and per shape, a price per kg
//!   of each [`Material`], and a price per motor by the band its maximum torque (hinge, N·m)
//!   or force (slider, N) falls in. Its defaults are the tables [`MATERIAL_USD_PER_KG`],
//!   [`HINGE_MOTOR_BANDS`] and [`SLIDER_MOTOR_BANDS`], declared once here.
//! - [`BudgetUse`] is what one [`Solution`] uses on one variant: its parts are the rigid
//!   bodies it adds (`Solution::parts`, each of one or more shapes); its mass is what the
//!   physics world gives each of those bodies (rapier's density × volume of every collider,
//!   fixed parts included, see `physics::world`); its motor power is the sum over the
//!   solution's motors of each one's peak mechanical power measured in the run
//!   (`SimulationOutcome::motor_peak_power`); its cost is the catalogue's price of it all.
//!   Springs are not priced.
//! - [`Budget::overruns`] compares a use with a budget. The Simulator checks the reference
//!   solution on every seed with [`check_reference`] (a failed check is the `budget` check,
//!   `pipeline::BUDGET_GATE`, whose findings the Coder gets back; the report is
//!   [`BUDGET_FILE`] among the artifacts and is recorded in `benchmark.json`), and
//!   `score` checks an agent's solution with the same two functions.
//! - Where a budget comes from: a theme may state one (`budget = { .. }` in its `[[themes]]`
//!   entry, `config::ThemeConfig::budget`); every cap it leaves out is derived from the
//!   reference solution ([`Budget::derive`]: [`DERIVED_HEADROOM`] × the most the reference
//!   used on any seed, rounded up), so every benchmark carries a budget.
//!
//! No actix here.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::physics::{BodyRole, PhysicsSettings, SceneWorld, SimulationOutcome};
use crate::report::{Finding, ValidationReport};
use crate::scene::{JointKind, Material, Solution};
use crate::script::SceneScript;

/// How much more than the reference solution a derived cap allows: 1.5 × the most the
/// reference used on any seed, rounded up to the quantity's step (1 part, 0.001 kg, 0.1 W,
/// 0.01 USD).
pub const DERIVED_HEADROOM: f64 = 1.5;

/// The file the Simulator writes among a passing candidate's artifacts: the [`BudgetReport`]
/// as JSON.
pub const BUDGET_FILE: &str = "budget.json";

/// The rule id of an over-budget finding.
pub const OVER_BUDGET_RULE: &str = "over_budget";

/// Caps on a solution's resources; a cap left out (`None`) is not checked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Budget {
    /// Most solution parts (rigid bodies the solution adds), a whole number.
    pub max_parts: Option<f64>,
    /// Most total mass of the solution's parts, in kilograms.
    pub max_mass_kg: Option<f64>,
    /// Most total motor power of the solution's motors, in watts (the sum of each motor's
    /// peak mechanical power in the run).
    pub max_motor_power_w: Option<f64>,
    /// Most total cost of the solution from the catalogue, in US dollars.
    pub max_cost_usd: Option<f64>,
}

/// One budgeted quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// The number of solution parts.
    Parts,
    /// The total mass, in kg.
    MassKg,
    /// The total motor power, in W.
    MotorPowerW,
    /// The total cost, in USD.
    CostUsd,
}

impl Quantity {
    /// Every quantity, in the order budgets list them.
    pub const ALL: [Quantity; 4] = [
        Quantity::Parts,
        Quantity::MassKg,
        Quantity::MotorPowerW,
        Quantity::CostUsd,
    ];

    /// The budget's key for the cap, e.g. `max_mass_kg`.
    pub fn cap_key(self) -> &'static str {
        match self {
            Quantity::Parts => "max_parts",
            Quantity::MassKg => "max_mass_kg",
            Quantity::MotorPowerW => "max_motor_power_w",
            Quantity::CostUsd => "max_cost_usd",
        }
    }

    /// The use's key, e.g. `mass_kg` (also the score's resource name).
    pub fn use_key(self) -> &'static str {
        match self {
            Quantity::Parts => "parts",
            Quantity::MassKg => "mass_kg",
            Quantity::MotorPowerW => "motor_power_w",
            Quantity::CostUsd => "cost_usd",
        }
    }

    /// The quantity in words, e.g. "total mass".
    pub fn words(self) -> &'static str {
        match self {
            Quantity::Parts => "part count",
            Quantity::MassKg => "total mass",
            Quantity::MotorPowerW => "total motor power",
            Quantity::CostUsd => "cost",
        }
    }

    /// The unit, e.g. "kg".
    pub fn unit(self) -> &'static str {
        match self {
            Quantity::Parts => "parts",
            Quantity::MassKg => "kg",
            Quantity::MotorPowerW => "W",
            Quantity::CostUsd => "USD",
        }
    }

    /// The step a derived cap is rounded up to.
    pub fn step(self) -> f64 {
        match self {
            Quantity::Parts => 1.0,
            Quantity::MassKg => 0.001,
            Quantity::MotorPowerW => 0.1,
            Quantity::CostUsd => 0.01,
        }
    }

    /// A value of this quantity with its unit: a whole number of parts, cents of a dollar,
    /// four significant digits of a mass or a power.
    pub fn show(self, v: f64) -> String {
        match self {
            Quantity::Parts if v == 1.0 => "1 part".to_string(),
            Quantity::Parts => format!("{v:.0} parts"),
            Quantity::MassKg => format!("{} kg", significant(v)),
            Quantity::MotorPowerW => format!("{} W", significant(v)),
            Quantity::CostUsd => format!("{v:.2} USD"),
        }
    }

    /// What to do about an overrun.
    fn advice(self) -> &'static str {
        match self {
            Quantity::Parts => "use fewer parts",
            Quantity::MassKg => "use fewer or smaller parts, or a lighter material",
            Quantity::MotorPowerW => {
                "use a slower motor target or a lower max torque/force, or fewer motors"
            }
            Quantity::CostUsd => {
                "use fewer or smaller parts, a cheaper material or weaker motors (see the parts catalogue in the README)"
            }
        }
    }
}

impl Budget {
    /// The cap on `q`, when there is one.
    pub fn cap(&self, q: Quantity) -> Option<f64> {
        match q {
            Quantity::Parts => self.max_parts,
            Quantity::MassKg => self.max_mass_kg,
            Quantity::MotorPowerW => self.max_motor_power_w,
            Quantity::CostUsd => self.max_cost_usd,
        }
    }

    fn cap_mut(&mut self, q: Quantity) -> &mut Option<f64> {
        match q {
            Quantity::Parts => &mut self.max_parts,
            Quantity::MassKg => &mut self.max_mass_kg,
            Quantity::MotorPowerW => &mut self.max_motor_power_w,
            Quantity::CostUsd => &mut self.max_cost_usd,
        }
    }

    /// This budget's caps, and `other`'s where this one leaves a cap out.
    pub fn or(&self, other: &Budget) -> Budget {
        let mut out = self.clone();
        for q in Quantity::ALL {
            if out.cap(q).is_none() {
                *out.cap_mut(q) = other.cap(q);
            }
        }
        out
    }

    /// True when no cap is set.
    pub fn is_empty(&self) -> bool {
        Quantity::ALL.iter().all(|q| self.cap(*q).is_none())
    }

    /// One line per cap that makes no sense (not finite, negative, or a part count that is
    /// not whole), each starting with `prefix` and the key, e.g.
    /// `themes[0].budget.max_mass_kg = -1: must be a number of kilograms ≥ 0`.
    pub fn problems(&self, prefix: &str) -> Vec<String> {
        let mut out = Vec::new();
        for q in Quantity::ALL {
            let Some(v) = self.cap(q) else { continue };
            let key = format!("{prefix}{} = {v}", q.cap_key());
            let what = match q {
                Quantity::Parts => "a whole number of parts ≥ 0",
                Quantity::MassKg => "a number of kilograms ≥ 0",
                Quantity::MotorPowerW => "a number of watts ≥ 0",
                Quantity::CostUsd => "a price in US dollars ≥ 0",
            };
            let whole = q != Quantity::Parts || v.fract() == 0.0;
            if !(v.is_finite() && v >= 0.0 && whole) {
                out.push(format!("{key}: must be {what}, or drop the key"));
            }
        }
        out
    }

    /// The budget derived from the most a reference solution used on any seed: for each
    /// quantity [`DERIVED_HEADROOM`] × the most, rounded up to its [`Quantity::step`]. A
    /// reference without motors leaves motor power uncapped (an agent's motors still count
    /// against the cost cap, priced by the catalogue); a motor power that was not measured
    /// leaves it uncapped too.
    pub fn derive(most: &BudgetUse) -> Budget {
        let mut out = Budget::default();
        for q in Quantity::ALL {
            let Some(used) = most.get(q) else { continue };
            if q == Quantity::MotorPowerW && most.motors == 0 {
                continue;
            }
            let step = q.step();
            // The small slack keeps an exact multiple from rounding up a step further.
            let cap = ((used * DERIVED_HEADROOM / step) - 1e-9).ceil().max(0.0) * step;
            *out.cap_mut(q) = Some(round_to(cap, step));
        }
        out
    }

    /// Every quantity `used` is over its cap, in [`Quantity::ALL`] order. A quantity that was
    /// not measured (motor power of a run that did not happen) is not checked.
    pub fn overruns(&self, used: &BudgetUse) -> Vec<Overrun> {
        Quantity::ALL
            .into_iter()
            .filter_map(|q| {
                let limit = self.cap(q)?;
                let used = used.get(q)?;
                // A cap is met up to a rounding error of the sum that made the use.
                (used > limit + 1e-9 * limit.abs().max(1.0)).then_some(Overrun {
                    quantity: q,
                    used,
                    limit,
                })
            })
            .collect()
    }
}

/// `v` with four significant digits, trailing zeros dropped (0.05 → "0.05", 0.81234 →
/// "0.8123", 1234.5 → "1235").
fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let places = (3 - v.abs().log10().floor() as i32).clamp(0, 9) as usize;
    let text = format!("{v:.places$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

fn round_to(v: f64, step: f64) -> f64 {
    // Decimal places of the step, so 0.1 × 3 prints as 0.3.
    let places = (-step.log10()).ceil().max(0.0) as i32;
    let k = 10f64.powi(places);
    (v * k).round() / k
}

/// One quantity over its cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overrun {
    /// Which quantity.
    pub quantity: Quantity,
    /// How much was used, in the quantity's unit.
    pub used: f64,
    /// The cap, in the same unit.
    pub limit: f64,
}

impl Overrun {
    /// "total mass 0.812 kg is over the budget's max_mass_kg of 0.500 kg".
    pub fn describe(&self) -> String {
        let q = self.quantity;
        format!(
            "{} {} is over the budget's {} of {}",
            q.words(),
            q.show(self.used),
            q.cap_key(),
            q.show(self.limit)
        )
    }
}

/// What one solution uses on one variant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BudgetUse {
    /// Solution parts: the rigid bodies the solution adds (`Solution::parts`).
    pub parts: u32,
    /// Shapes over all parts (priced by the catalogue, not capped).
    pub shapes: u32,
    /// Motors on the solution's joints.
    pub motors: u32,
    /// Total mass of the parts, in kg (density × volume of every shape, fixed parts too).
    pub mass_kg: f64,
    /// Sum of each solution motor's peak mechanical power in the run, in W; 0 without
    /// motors, `None` when there are motors but the run did not happen.
    pub motor_power_w: Option<f64>,
    /// The catalogue's price of the parts, their material and the motors, in USD.
    pub cost_usd: f64,
}

impl BudgetUse {
    /// The use of quantity `q` (`None`: not measured).
    pub fn get(&self, q: Quantity) -> Option<f64> {
        match q {
            Quantity::Parts => Some(f64::from(self.parts)),
            Quantity::MassKg => Some(self.mass_kg),
            Quantity::MotorPowerW => self.motor_power_w,
            Quantity::CostUsd => Some(self.cost_usd),
        }
    }

    /// What `solution` uses, built into `world` (from `physics::build_world_with_solution`
    /// with this solution), priced by `catalogue`. The motor power is 0 without motors and
    /// not yet measured with them: see [`BudgetUse::measured`].
    pub fn of_world(world: &SceneWorld, solution: &Solution, catalogue: &Catalogue) -> BudgetUse {
        // Mass per body from its colliders (rapier's density × volume).
        let mut mass_by_body = vec![0.0f64; world.bodies.len()];
        for (handle, owner) in world.colliders_in_order() {
            mass_by_body[owner.body] += f64::from(world.world.colliders[handle].mass());
        }
        // The solution's bodies come in `parts` order.
        let solution_bodies = world
            .bodies
            .iter()
            .enumerate()
            .filter(|(_, b)| b.role == BodyRole::Solution)
            .map(|(i, _)| i);
        let mut mass_kg = 0.0;
        let mut cost_usd = 0.0;
        for (part, body) in solution.parts.iter().zip(solution_bodies) {
            let m = mass_by_body[body];
            mass_kg += m;
            cost_usd += catalogue.per_part_usd
                + catalogue.per_shape_usd * part.parts.len() as f64
                + catalogue.usd_per_kg(part.material) * m;
        }
        let mut motors = 0;
        for joint in &solution.joints {
            if let Some(motor) = joint.motor {
                motors += 1;
                cost_usd += catalogue.motor_usd(&joint.kind, motor.max_effort);
            }
        }
        BudgetUse {
            parts: solution.parts.len() as u32,
            shapes: solution.parts.iter().map(|p| p.parts.len() as u32).sum(),
            motors,
            mass_kg,
            motor_power_w: (motors == 0).then_some(0.0),
            cost_usd,
        }
    }

    /// This use with the motor power measured in `outcome`, the run of the same world: the
    /// sum of the peak power of each of the solution's motors.
    pub fn measured(mut self, outcome: &SimulationOutcome) -> BudgetUse {
        self.motor_power_w = Some(
            outcome
                .motor_peak_power
                .iter()
                .filter(|m| m.of_solution)
                .map(|m| m.peak_w)
                .sum(),
        );
        self
    }

    /// The most of each quantity over `uses` (a quantity not measured on one of them counts
    /// as not measured).
    pub fn most(uses: &[BudgetUse]) -> BudgetUse {
        let max = |f: &dyn Fn(&BudgetUse) -> f64| uses.iter().map(f).fold(0.0, f64::max);
        BudgetUse {
            parts: uses.iter().map(|u| u.parts).max().unwrap_or(0),
            shapes: uses.iter().map(|u| u.shapes).max().unwrap_or(0),
            motors: uses.iter().map(|u| u.motors).max().unwrap_or(0),
            mass_kg: max(&|u| u.mass_kg),
            motor_power_w: uses
                .iter()
                .map(|u| u.motor_power_w)
                .try_fold(0.0, |acc: f64, p| p.map(|p| acc.max(p))),
            cost_usd: max(&|u| u.cost_usd),
        }
    }
}

/// Material prices in US dollars per kilogram, one row per material: the catalogue's
/// default.
pub const MATERIAL_USD_PER_KG: [(Material, f64); 8] = [
    (Material::Abs, 3.0),
    (Material::Steel, 1.5),
    (Material::Aluminium, 4.0),
    (Material::Wood, 1.2),
    (Material::Rubber, 3.5),
    (Material::Hdpe, 2.5),
    (Material::Glass, 2.0),
    (Material::Concrete, 0.2),
];

/// Hinge (revolute) motor prices by maximum torque: `(max_torque_nm, usd)`, a motor costs the
/// first band whose torque is at least its `max_effort`. The last band covers the default
/// `limits.motor_torque_nm`.
pub const HINGE_MOTOR_BANDS: [(f64, f64); 6] = [
    (0.5, 6.0),
    (2.0, 12.0),
    (10.0, 25.0),
    (50.0, 60.0),
    (200.0, 150.0),
    (1_000.0, 400.0),
];

/// Slider (prismatic) motor prices by maximum force: `(max_force_n, usd)`, a motor costs the
/// first band whose force is at least its `max_effort`. The last band covers the default
/// `limits.motor_force_n`.
pub const SLIDER_MOTOR_BANDS: [(f64, f64); 6] = [
    (10.0, 8.0),
    (50.0, 15.0),
    (200.0, 30.0),
    (1_000.0, 70.0),
    (5_000.0, 180.0),
    (10_000.0, 350.0),
];

/// The parts catalogue: what a solution costs. The default is the tables above.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Catalogue {
    /// Fixed cost of each part (rigid body), in US dollars.
    pub per_part_usd: f64,
    /// Fixed cost of each shape of a part, in US dollars.
    pub per_shape_usd: f64,
    /// Material price per kilogram, in US dollars, by material name.
    pub usd_per_kg: BTreeMap<String, f64>,
    /// Hinge motor prices by maximum torque, ascending.
    pub hinge_motors: Vec<HingeMotorPrice>,
    /// Slider motor prices by maximum force, ascending.
    pub slider_motors: Vec<SliderMotorPrice>,
}

/// The price of hinge motors up to a maximum torque.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HingeMotorPrice {
    /// The band's largest maximum torque, in N·m.
    pub max_torque_nm: f64,
    /// The price of one motor of the band, in US dollars.
    pub usd: f64,
}

/// The price of slider motors up to a maximum force.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SliderMotorPrice {
    /// The band's largest maximum force, in N.
    pub max_force_n: f64,
    /// The price of one motor of the band, in US dollars.
    pub usd: f64,
}

impl Default for Catalogue {
    fn default() -> Self {
        Self {
            per_part_usd: 2.0,
            per_shape_usd: 0.5,
            usd_per_kg: MATERIAL_USD_PER_KG
                .iter()
                .map(|(m, usd)| (m.name().to_string(), *usd))
                .collect(),
            hinge_motors: HINGE_MOTOR_BANDS
                .iter()
                .map(|&(max_torque_nm, usd)| HingeMotorPrice { max_torque_nm, usd })
                .collect(),
            slider_motors: SLIDER_MOTOR_BANDS
                .iter()
                .map(|&(max_force_n, usd)| SliderMotorPrice { max_force_n, usd })
                .collect(),
        }
    }
}

impl Catalogue {
    /// The price per kilogram of a material (0 when the catalogue leaves it out).
    pub fn usd_per_kg(&self, material: Material) -> f64 {
        self.usd_per_kg.get(material.name()).copied().unwrap_or(0.0)
    }

    /// The price of one motor of a joint of `kind` with maximum torque or force `max_effort`
    /// (N·m on a hinge, N on a slider): the first band that covers it; beyond the last band,
    /// the last band's price scaled by how far beyond it is; 0 without bands.
    pub fn motor_usd(&self, kind: &JointKind, max_effort: f64) -> f64 {
        let bands: Vec<(f64, f64)> = match kind {
            JointKind::Revolute { .. } => self
                .hinge_motors
                .iter()
                .map(|b| (b.max_torque_nm, b.usd))
                .collect(),
            JointKind::Prismatic { .. } => self
                .slider_motors
                .iter()
                .map(|b| (b.max_force_n, b.usd))
                .collect(),
        };
        match bands.iter().find(|(up_to, _)| max_effort <= *up_to) {
            Some((_, usd)) => *usd,
            None => bands
                .last()
                .map(|(up_to, usd)| usd * max_effort / up_to.max(f64::MIN_POSITIVE))
                .unwrap_or(0.0),
        }
    }

    /// One line per price that makes no sense, each starting with `prefix` and the key.
    pub fn problems(&self, prefix: &str) -> Vec<String> {
        let mut out = Vec::new();
        let price = |v: f64| v.is_finite() && v >= 0.0;
        for (name, v) in [
            ("per_part_usd", self.per_part_usd),
            ("per_shape_usd", self.per_shape_usd),
        ] {
            if !price(v) {
                out.push(format!(
                    "{prefix}{name} = {v}: must be a price ≥ 0 in US dollars"
                ));
            }
        }
        for (name, v) in &self.usd_per_kg {
            if Material::from_name(name).is_none() {
                out.push(format!(
                    "{prefix}usd_per_kg has unknown material \"{name}\"; known: {}",
                    Material::names_list()
                ));
            } else if !price(*v) {
                out.push(format!(
                    "{prefix}usd_per_kg.{name} = {v}: must be a price ≥ 0 in US dollars per kg"
                ));
            }
        }
        let bands = [
            (
                "hinge_motors",
                "max_torque_nm",
                self.hinge_motors
                    .iter()
                    .map(|b| (b.max_torque_nm, b.usd))
                    .collect::<Vec<_>>(),
            ),
            (
                "slider_motors",
                "max_force_n",
                self.slider_motors
                    .iter()
                    .map(|b| (b.max_force_n, b.usd))
                    .collect(),
            ),
        ];
        for (list, effort, bands) in bands {
            let mut previous = 0.0;
            for (i, (up_to, usd)) in bands.into_iter().enumerate() {
                if !(up_to.is_finite() && up_to > previous) {
                    out.push(format!(
                        "{prefix}{list}[{i}].{effort} = {up_to}: must be above 0 and above the band before it (bands go up)"
                    ));
                }
                if !price(usd) {
                    out.push(format!(
                        "{prefix}{list}[{i}].usd = {usd}: must be a price ≥ 0 in US dollars"
                    ));
                }
                previous = up_to;
            }
        }
        out
    }
}

/// A stated budget in words for an agent writing the reference solution: each cap with what
/// it counts, and the default catalogue's prices (the Coder's request, `agents::CodeRequest`).
pub fn for_agents(budget: &Budget) -> String {
    let c = Catalogue::default();
    let mut text = String::from(
        "The theme states a budget for the solution: the reference solution (`solve`) must stay within it on every seed, or the Simulator refuses the script (check `budget`).\n",
    );
    for q in Quantity::ALL {
        let Some(cap) = budget.cap(q) else { continue };
        let counts = match q {
            Quantity::Parts => "each part the solution adds (`fixed_part`, `dynamic_part`) is one, whatever its shapes",
            Quantity::MassKg => "every shape's volume × its material's density, fixed parts included",
            Quantity::MotorPowerW => "the sum over the solution's motors of each one's peak mechanical power in the run (torque × angular speed, force × speed)",
            Quantity::CostUsd => "priced by the parts catalogue below",
        };
        text.push_str(&format!(
            "- {}: at most {} ({counts})\n",
            q.words(),
            q.show(cap)
        ));
    }
    if budget.max_cost_usd.is_some() {
        let materials: Vec<String> = MATERIAL_USD_PER_KG
            .iter()
            .map(|(m, usd)| format!("{} {usd}", m.name()))
            .collect();
        let bands = |b: &[(f64, f64)], unit: &str| {
            b.iter()
                .map(|(up_to, usd)| format!("≤ {up_to} {unit} {usd}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        text.push_str(&format!(
            "Parts catalogue (USD): {} per part, {} per shape; per kg of material: {}; a hinge motor by its max torque: {}; a slider motor by its max force: {}.\n",
            c.per_part_usd,
            c.per_shape_usd,
            materials.join(", "),
            bands(&HINGE_MOTOR_BANDS, "N·m"),
            bands(&SLIDER_MOTOR_BANDS, "N")
        ));
    }
    text
}

/// Where each cap of a benchmark's budget came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapSource {
    /// The theme stated it (`[[themes]]` → `budget`).
    Theme,
    /// Derived from the reference solution ([`Budget::derive`]).
    Derived,
    /// Not capped (a derived motor power when the reference uses no motor).
    None,
}

/// What one seed's reference solution used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedUse {
    /// The seed.
    pub seed: u64,
    /// What the reference solution used on it.
    #[serde(flatten)]
    pub used: BudgetUse,
}

/// The budget check of a candidate's reference solution: the budget in force, where each
/// cap came from, what the reference used on every seed and the findings. The Simulator
/// writes it as [`BUDGET_FILE`]; the dataset writer records it in `benchmark.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetReport {
    /// The caps in force.
    pub budget: Budget,
    /// Where each cap came from, by cap key (`max_parts`, ...).
    pub source: BTreeMap<String, CapSource>,
    /// The headroom of derived caps ([`DERIVED_HEADROOM`]).
    pub derived_headroom: f64,
    /// What the reference used on each checked seed.
    pub reference: Vec<SeedUse>,
    /// The most of each quantity over the seeds.
    pub reference_most: BudgetUse,
    /// The catalogue the costs were priced with.
    pub catalogue: Catalogue,
    /// One finding per quantity the reference is over its cap on some seed.
    pub findings: Vec<Finding>,
}

impl BudgetReport {
    /// True when the reference solution is within the budget on every seed.
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Checks the reference solution of `script` on every seed of `report` (each rebuilt as the
/// gates built it: `variant::variant_seed(seed_stream, seed)` at the report's scale) against
/// `stated` (a theme's budget) with every cap it leaves out derived from the reference. The
/// motor power is measured by running gate 6's simulation with `physics`, only on seeds whose
/// reference has motors. An error is a seed that no longer builds, in one line.
pub fn check_reference(
    script: &SceneScript,
    report: &ValidationReport,
    seed_stream: u64,
    physics: &PhysicsSettings,
    stated: Option<&Budget>,
    catalogue: &Catalogue,
) -> Result<BudgetReport, String> {
    let uses: Vec<Result<SeedUse, String>> = report
        .seeds
        .par_iter()
        .map(|checked| {
            let seed = checked.seed;
            let built_with = crate::variant::variant_seed(seed_stream, seed);
            let scene = script
                .build(built_with, checked.scale)
                .map_err(|e| format!("seed {seed}: {e}"))?;
            let solution = script
                .solve(built_with, checked.scale)
                .map_err(|e| format!("seed {seed}: solve: {e}"))?
                .unwrap_or_default();
            let spawn = checked.payload_spawn.unwrap_or_else(|| {
                crate::variant::PayloadSpawn::sample(&scene.payload, built_with)
            });
            let used = solution_use(&scene, &spawn, &solution, physics, catalogue)
                .map_err(|e| format!("seed {seed}: {e}"))?;
            Ok(SeedUse { seed, used })
        })
        .collect();
    let reference = uses.into_iter().collect::<Result<Vec<_>, _>>()?;
    let all: Vec<BudgetUse> = reference.iter().map(|s| s.used.clone()).collect();
    let most = BudgetUse::most(&all);
    let stated = stated.cloned().unwrap_or_default();
    let budget = stated.or(&Budget::derive(&most));
    let source = Quantity::ALL
        .iter()
        .map(|q| {
            let from = if stated.cap(*q).is_some() {
                CapSource::Theme
            } else if budget.cap(*q).is_some() {
                CapSource::Derived
            } else {
                CapSource::None
            };
            (q.cap_key().to_string(), from)
        })
        .collect();
    let findings = reference_findings(&budget, &reference);
    Ok(BudgetReport {
        budget,
        source,
        derived_headroom: DERIVED_HEADROOM,
        reference,
        reference_most: most,
        catalogue: catalogue.clone(),
        findings,
    })
}

/// What `solution` uses on one variant: its world's parts, mass and cost, and — when it has
/// motors — their power measured in gate 6's run.
pub fn solution_use(
    scene: &crate::scene::Scene,
    spawn: &crate::variant::PayloadSpawn,
    solution: &Solution,
    physics: &PhysicsSettings,
    catalogue: &Catalogue,
) -> Result<BudgetUse, String> {
    let world = crate::physics::build_world_with_solution(scene, spawn, solution)
        .map_err(|e| format!("the solution cannot be built: {e}"))?;
    let used = BudgetUse::of_world(&world, solution, catalogue);
    if used.motor_power_w.is_some() {
        return Ok(used);
    }
    let check =
        crate::gates::solvable::check_solvable_with_solution(scene, spawn, solution, physics, None);
    match check.outcome {
        Some(outcome) => Ok(used.measured(&outcome)),
        None => Err(format!(
            "the solution's motor power cannot be measured: its run did not happen ({})",
            check
                .gate
                .findings
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// One finding per quantity over its cap on some seed: the worst seed's use, the cap and
/// where it came from, how many seeds are over, and what to do.
fn reference_findings(budget: &Budget, reference: &[SeedUse]) -> Vec<Finding> {
    let mut out = Vec::new();
    for q in Quantity::ALL {
        let over: Vec<(u64, Overrun)> = reference
            .iter()
            .filter_map(|s| {
                budget
                    .overruns(&s.used)
                    .into_iter()
                    .find(|o| o.quantity == q)
                    .map(|o| (s.seed, o))
            })
            .collect();
        let Some((seed, worst)) = over
            .iter()
            .max_by(|a, b| a.1.used.total_cmp(&b.1.used))
            .cloned()
        else {
            continue;
        };
        out.push(Finding::new(
            OVER_BUDGET_RULE,
            format!(
                "the reference solution's {} (seed {seed}; {} of {} seeds over); {}",
                worst.describe(),
                over.len(),
                reference.len(),
                q.advice()
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_budget_is_one_and_a_half_times_the_most_rounded_up() {
        let most = BudgetUse {
            parts: 1,
            shapes: 1,
            motors: 1,
            mass_kg: 0.2,
            motor_power_w: Some(3.0),
            cost_usd: 10.0,
        };
        let b = Budget::derive(&most);
        assert_eq!(b.max_parts, Some(2.0));
        assert_eq!(b.max_mass_kg, Some(0.3));
        assert_eq!(b.max_motor_power_w, Some(4.5));
        assert_eq!(b.max_cost_usd, Some(15.0));
        assert!(b.overruns(&most).is_empty());
        let passive = BudgetUse {
            motors: 0,
            motor_power_w: Some(0.0),
            ..most
        };
        assert_eq!(Budget::derive(&passive).max_motor_power_w, None);
    }

    #[test]
    fn a_motor_costs_the_first_band_that_covers_it() {
        let c = Catalogue::default();
        let hinge = JointKind::Revolute { limits_deg: None };
        let slider = JointKind::Prismatic { limits_m: None };
        assert_eq!(c.motor_usd(&hinge, 0.5), 6.0);
        assert_eq!(c.motor_usd(&hinge, 0.51), 12.0);
        assert_eq!(c.motor_usd(&slider, 1_000.0), 70.0);
        assert_eq!(c.motor_usd(&slider, 20_000.0), 700.0);
        assert!(c.problems("catalogue.").is_empty());
    }

    #[test]
    fn an_agent_is_told_each_stated_cap_with_its_unit_and_the_prices() {
        let text = for_agents(&Budget {
            max_parts: Some(12.0),
            max_cost_usd: Some(15.0),
            ..Budget::default()
        });
        assert!(text.contains("- part count: at most 12 parts ("), "{text}");
        assert!(text.contains("- cost: at most 15.00 USD ("), "{text}");
        assert!(!text.contains("total mass"), "{text}");
        assert!(
            text.contains("steel 1.5") && text.contains("≤ 0.5 N·m 6"),
            "{text}"
        );
    }

    #[test]
    fn each_bad_cap_is_one_line_naming_its_key_and_unit() {
        let b = Budget {
            max_parts: Some(2.5),
            max_mass_kg: Some(-1.0),
            max_motor_power_w: Some(f64::NAN),
            max_cost_usd: Some(3.0),
        };
        let lines = b.problems("budget.");
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].starts_with("budget.max_parts = 2.5: must be a whole number"));
        assert!(lines[1].contains("max_mass_kg = -1: must be a number of kilograms"));
        assert!(lines[2].contains("max_motor_power_w = NaN: must be a number of watts"));
    }
}
