//! The in-process Simulator of a session: the real gates (`validate`) and the real renderer,
//! behind the [`Simulator`](crate::agents::run::Simulator) trait the session runner uses.

use crate::agents::run::Simulator;
use crate::agents::{RoleVisibility, ScriptDraft, ViewRender};
use crate::physics::PhysicsSettings;
use crate::render::{render_views, BodyPoses, RenderOptions, RenderedView};
use crate::report::ValidationReport;
use crate::script::SceneScript;
use crate::validate::{validate_script, ValidateOptions};
use crate::variant::PayloadSpawn;

/// Runs every gate with the real physics and renders seed 0 for the Reviewer.
#[derive(Debug, Clone, Default)]
pub struct GateSimulator {
    /// Physics settings of gates 4–6.
    pub physics: PhysicsSettings,
    /// Render options; `None` turns rendering off.
    pub render: Option<RenderOptions>,
}

impl GateSimulator {
    /// Gates only, no renders (fast: what most tests want).
    pub fn gates_only() -> Self {
        Self::default()
    }

    /// Gates and small renders of the 24 standard views.
    pub fn with_renders(width_px: u32, height_px: u32) -> Self {
        Self {
            physics: PhysicsSettings::default(),
            render: Some(RenderOptions {
                width_px,
                height_px,
                ..RenderOptions::default()
            }),
        }
    }
}

/// Converts one rendered view into the Reviewer's input.
pub fn view_render(seed: u64, view: &RenderedView, total_px: u32) -> ViewRender {
    ViewRender {
        name: view.name.clone(),
        seed,
        png: view.png.clone(),
        visibility: RoleVisibility {
            payload_px: view.pixels.payload,
            goal_px: view.pixels.goal_zone,
            forbid_px: view.pixels.forbid_zones,
            fixtures_px: view.pixels.fixtures,
            build_px: 0,
            total_px,
        },
    }
}

impl Simulator for GateSimulator {
    fn validate(&self, script: &ScriptDraft, seeds: u64) -> Result<ValidationReport, String> {
        let options = ValidateOptions {
            seeds,
            scale_ranges: script.scale_ranges,
            parallel: true,
            physics: self.physics.clone(),
        };
        validate_script(&script.source, &options).map_err(|e| e.to_string())
    }

    fn render(&self, script: &ScriptDraft, report: &ValidationReport) -> Vec<ViewRender> {
        let Some(options) = &self.render else {
            return Vec::new();
        };
        let Some(seed) = report.seeds.first() else {
            return Vec::new();
        };
        let Ok(compiled) = SceneScript::compile(&script.source) else {
            return Vec::new();
        };
        let Ok(scene) = compiled.build(seed.seed, seed.scale) else {
            return Vec::new();
        };
        let spawn = PayloadSpawn::sample(&scene.payload, seed.seed);
        match render_views(&scene, &spawn, &BodyPoses::new(), options) {
            Ok(views) => views
                .iter()
                .map(|v| view_render(seed.seed, v, options.width_px * options.height_px))
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "rendering for the review failed");
                Vec::new()
            }
        }
    }
}
