//! The daemon's TOML config: every setting plus the theme queue. Loading validates the whole
//! file and reports the first problem with file, line and reason; [`ConfigWatcher`] re-reads
//! the file when it changes and keeps the last good config when an edit is broken.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::session::AttemptLimits;
use crate::store::ThemeSpec;
use crate::variant::ScaleRanges;

/// A config that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {reason}")]
pub struct ConfigError {
    /// The config file.
    pub file: String,
    /// 1-based line of the problem (1 when it concerns the whole file).
    pub line: usize,
    /// What is wrong and what to do.
    pub reason: String,
}

/// Which implementation an agent role uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// Built in, no network.
    #[default]
    Procedural,
    /// An OpenAI-compatible chat endpoint (see `[llm]`).
    Llm,
}

/// One agent role's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    /// procedural or llm.
    #[serde(default)]
    pub backend: Backend,
    /// Tries of this role per session (plans, scripts per plan, review rounds).
    pub attempts: u32,
    /// Model override for the llm backend.
    #[serde(default)]
    pub model: Option<String>,
}

/// The three agent roles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentsConfig {
    /// The Planner.
    #[serde(default = "default_planner")]
    pub planner: RoleConfig,
    /// The Coder.
    #[serde(default = "default_coder")]
    pub coder: RoleConfig,
    /// The Reviewer.
    #[serde(default = "default_reviewer")]
    pub reviewer: RoleConfig,
}

fn default_planner() -> RoleConfig {
    AgentsConfig::default().planner
}

fn default_coder() -> RoleConfig {
    AgentsConfig::default().coder
}

fn default_reviewer() -> RoleConfig {
    AgentsConfig::default().reviewer
}

impl Default for AgentsConfig {
    fn default() -> Self {
        let role = |attempts| RoleConfig {
            backend: Backend::Procedural,
            attempts,
            model: None,
        };
        Self {
            planner: role(2),
            coder: role(4),
            reviewer: role(3),
        }
    }
}

/// Settings of the gates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatesConfig {
    /// Seeds each variant check runs on (seeds 0..N) unless a theme lists its own.
    pub seeds: u32,
    /// Simulated time of the passive run, in seconds.
    pub passive_time_s: f64,
    /// Highest linear speed any body may reach, in m/s.
    pub max_speed_mps: f64,
    /// Allowed fixture interpenetration, in metres.
    pub penetration_tolerance_m: f64,
}

impl Default for GatesConfig {
    fn default() -> Self {
        Self {
            seeds: 8,
            passive_time_s: 10.0,
            max_speed_mps: 100.0,
            penetration_tolerance_m: 0.002,
        }
    }
}

/// Render settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderConfig {
    /// Image width in pixels.
    pub width_px: u32,
    /// Image height in pixels.
    pub height_px: u32,
}

impl Default for RenderConfig {
    fn default() -> Self {
        Self {
            width_px: 256,
            height_px: 192,
        }
    }
}

/// Settings of the OpenAI-compatible endpoint (used by roles whose backend is `llm`): the
/// `[llm]` section, defined and validated by the LLM layer.
pub use crate::llm::LlmConfig;

/// One `[[themes]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeConfig {
    /// The free-text theme.
    pub prompt: String,
    /// How many benchmarks to make.
    #[serde(default = "one")]
    pub count: u32,
    /// Explicit seeds (default: 0..gates.seeds).
    #[serde(default)]
    pub seeds: Option<Vec<u64>>,
    /// Per-axis scale ranges overriding the plan's.
    #[serde(default)]
    pub scale: Option<ScaleRanges>,
    /// Optional difficulty tier label.
    #[serde(default)]
    pub tier: Option<String>,
}

fn one() -> u32 {
    1
}

/// The whole config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the store, the dataset and the logs go (relative paths are relative to the
    /// config file's folder).
    pub data_dir: PathBuf,
    /// Sessions in flight at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    /// How often the config file is checked for changes, in seconds.
    #[serde(default = "default_watch_interval_s")]
    pub watch_interval_s: f64,
    /// Gate settings.
    #[serde(default)]
    pub gates: GatesConfig,
    /// Render settings.
    #[serde(default)]
    pub render: RenderConfig,
    /// Agent roles.
    #[serde(default)]
    pub agents: AgentsConfig,
    /// The LLM endpoint, needed when a role uses the llm backend.
    #[serde(default)]
    pub llm: Option<LlmConfig>,
    /// The theme queue.
    #[serde(default)]
    pub themes: Vec<ThemeConfig>,
}

fn default_concurrency() -> u32 {
    2
}

fn default_watch_interval_s() -> f64 {
    2.0
}

impl Config {
    /// A config with every default and no themes, storing under `data_dir`.
    pub fn with_data_dir(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            concurrency: default_concurrency(),
            watch_interval_s: default_watch_interval_s(),
            gates: GatesConfig::default(),
            render: RenderConfig::default(),
            agents: AgentsConfig::default(),
            llm: None,
            themes: Vec::new(),
        }
    }

    /// Reads and validates the config at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: 1,
            reason: format!("cannot read the config: {e}"),
        })?;
        let mut config = Config::parse(&text, &path.display().to_string())?;
        if config.data_dir.is_relative() {
            let base = path.parent().unwrap_or(Path::new("."));
            config.data_dir = base.join(&config.data_dir);
        }
        Ok(config)
    }

    /// Parses and validates config `text`; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError {
            file: file.to_string(),
            line: e
                .span()
                .map(|span| line_of_offset(text, span.start))
                .unwrap_or(1),
            reason: e.message().trim().to_string(),
        })?;
        config.validate(text, file)?;
        Ok(config)
    }

    fn validate(&self, text: &str, file: &str) -> Result<(), ConfigError> {
        let err = |line: usize, reason: String| ConfigError {
            file: file.to_string(),
            line,
            reason,
        };
        let key_line = |key: &str| find_key_line(text, key, 0);
        if self.concurrency == 0 || self.concurrency > 256 {
            return Err(err(
                key_line("concurrency"),
                format!(
                    "concurrency = {} must be between 1 and 256",
                    self.concurrency
                ),
            ));
        }
        if !is_positive(self.watch_interval_s) {
            return Err(err(
                key_line("watch_interval_s"),
                "watch_interval_s must be above 0 seconds".into(),
            ));
        }
        if self.gates.seeds == 0 || self.gates.seeds > 1024 {
            return Err(err(
                key_line("seeds"),
                format!(
                    "gates.seeds = {} must be between 1 and 1024",
                    self.gates.seeds
                ),
            ));
        }
        if !is_positive(self.gates.passive_time_s) || !is_positive(self.gates.max_speed_mps) {
            return Err(err(
                key_line("passive_time_s"),
                "gates.passive_time_s and gates.max_speed_mps must be above 0".into(),
            ));
        }
        if self.render.width_px < 16 || self.render.height_px < 16 || self.render.width_px > 4096 {
            return Err(err(
                key_line("width_px"),
                "render.width_px and render.height_px must be between 16 and 4096 pixels".into(),
            ));
        }
        for (name, role) in [
            ("planner", &self.agents.planner),
            ("coder", &self.agents.coder),
            ("reviewer", &self.agents.reviewer),
        ] {
            if role.attempts == 0 {
                return Err(err(
                    find_key_line(text, &format!("[agents.{name}]"), 0),
                    format!("agents.{name}.attempts must be at least 1"),
                ));
            }
            if role.backend == Backend::Llm && self.llm.is_none() {
                return Err(err(
                    find_key_line(text, &format!("[agents.{name}]"), 0),
                    format!("agents.{name} uses the llm backend but there is no [llm] section with base_url and model"),
                ));
            }
        }
        if let Some(llm) = &self.llm {
            llm.validate()
                .map_err(|reason| err(find_key_line(text, "[llm", 0), reason))?;
        }
        for (i, theme) in self.themes.iter().enumerate() {
            let line = theme_line(text, i);
            if theme.prompt.trim().is_empty() {
                return Err(err(
                    line,
                    format!("themes[{i}].prompt is empty: describe the benchmark in words"),
                ));
            }
            if theme.count == 0 || theme.count > 10_000 {
                return Err(err(
                    line,
                    format!(
                        "themes[{i}].count = {} must be between 1 and 10000",
                        theme.count
                    ),
                ));
            }
            if let Some(seeds) = &theme.seeds {
                if seeds.is_empty() {
                    return Err(err(
                        line,
                        format!(
                            "themes[{i}].seeds is empty: list at least one seed or drop the key"
                        ),
                    ));
                }
            }
            if let Some(scale) = &theme.scale {
                for (axis, [lo, hi]) in [("x", scale.x), ("y", scale.y), ("z", scale.z)] {
                    if !(lo > 0.0 && lo <= hi && hi <= 10.0) {
                        return Err(err(
                            line,
                            format!("themes[{i}].scale.{axis} = [{lo}, {hi}] must satisfy 0 < min <= max <= 10"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The stage machine's limits from the agents' attempts.
    pub fn limits(&self) -> AttemptLimits {
        AttemptLimits {
            plan_attempts: self.agents.planner.attempts,
            code_attempts: self.agents.coder.attempts,
            review_rounds: self.agents.reviewer.attempts,
            ..AttemptLimits::default()
        }
    }

    /// The theme queue as store specs (origin `config`).
    pub fn theme_specs(&self) -> Vec<ThemeSpec> {
        self.themes
            .iter()
            .map(|t| self.theme_spec(t, "config"))
            .collect()
    }

    /// One theme as a store spec, seeds filled from the gate settings when absent.
    pub fn theme_spec(&self, theme: &ThemeConfig, origin: &str) -> ThemeSpec {
        ThemeSpec {
            prompt: theme.prompt.trim().to_string(),
            count: theme.count,
            seeds: theme
                .seeds
                .clone()
                .unwrap_or_else(|| (0..self.gates.seeds as u64).collect()),
            scale: theme.scale,
            tier: theme.tier.clone(),
            origin: origin.to_string(),
        }
    }
}

/// True for a finite number above zero (false for NaN).
fn is_positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn find_key_line(text: &str, key: &str, from_line: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(from_line)
        .find(|(_, l)| {
            let l = l.trim_start();
            l.starts_with(key)
                && (key.starts_with('[') || l[key.len()..].trim_start().starts_with('='))
        })
        .map(|(i, _)| i + 1)
        .unwrap_or(1)
}

fn theme_line(text: &str, index: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[themes]]"))
        .nth(index)
        .map(|(i, _)| i + 1)
        .unwrap_or(1)
}

/// What a watcher poll found.
#[derive(Debug)]
pub enum WatchEvent {
    /// The file changed and the new content is valid.
    Changed(Box<Config>),
    /// The file changed but is invalid; the last good config stays in force.
    Invalid(ConfigError),
}

/// Polls a config file for changes (mtime and content), so it works on every file system and
/// with editors that replace the file.
pub struct ConfigWatcher {
    path: PathBuf,
    last_seen: Option<(Option<SystemTime>, String)>,
}

impl ConfigWatcher {
    /// Watches `path`, whose current content counts as already seen.
    pub fn new(path: &Path) -> Self {
        let mut watcher = Self {
            path: path.to_path_buf(),
            last_seen: None,
        };
        watcher.last_seen = watcher.read();
        watcher
    }

    fn read(&self) -> Option<(Option<SystemTime>, String)> {
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        let text = std::fs::read_to_string(&self.path).ok()?;
        Some((modified, text))
    }

    /// Checks the file once: `None` when unchanged (or unreadable mid-write).
    pub fn poll(&mut self) -> Option<WatchEvent> {
        let current = self.read()?;
        if self.last_seen.as_ref().map(|(_, t)| t) == Some(&current.1) {
            return None;
        }
        self.last_seen = Some(current);
        Some(match Config::load(&self.path) {
            Ok(config) => WatchEvent::Changed(Box::new(config)),
            Err(e) => WatchEvent::Invalid(e),
        })
    }

    /// The polling interval for `config`.
    pub fn interval(config: &Config) -> Duration {
        Duration::from_secs_f64(config.watch_interval_s.clamp(0.05, 3600.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
data_dir = "data"
concurrency = 3

[gates]
seeds = 4
passive_time_s = 3.0
max_speed_mps = 100.0
penetration_tolerance_m = 0.002

[[themes]]
prompt = "a ball must cross a gap between two decks"
count = 2

[[themes]]
prompt = "lift a 90 mm ABS ball onto a shelf 250 mm higher"
seeds = [1, 2, 3]
scale = { x = [0.8, 1.2], y = [1.0, 1.0], z = [0.9, 1.1] }
"#;

    #[test]
    fn a_good_config_parses_with_defaults_and_seeds() {
        let c = Config::parse(GOOD, "t.toml").unwrap();
        assert_eq!(c.concurrency, 3);
        assert_eq!(c.agents.coder.attempts, 4);
        let specs = c.theme_specs();
        assert_eq!(specs[0].seeds, vec![0, 1, 2, 3]);
        assert_eq!(specs[0].count, 2);
        assert_eq!(specs[1].seeds, vec![1, 2, 3]);
        assert_eq!(specs[1].scale.unwrap().y, [1.0, 1.0]);
        assert_ne!(specs[0].key(), specs[1].key());
    }

    #[test]
    fn errors_name_file_line_and_reason() {
        let typo = GOOD.replace("count = 2", "cuont = 2");
        let e = Config::parse(&typo, "t.toml").unwrap_err();
        assert_eq!(e.line, 13, "{e}");
        assert!(e.reason.contains("cuont"), "{e}");
        assert!(e.to_string().starts_with("t.toml:13:"), "{e}");

        let syntax = GOOD.replace("concurrency = 3", "concurrency = ");
        let e = Config::parse(&syntax, "t.toml").unwrap_err();
        assert_eq!(e.line, 3, "{e}");

        let zero = GOOD.replace("count = 2", "count = 0");
        let e = Config::parse(&zero, "t.toml").unwrap_err();
        assert_eq!(e.line, 11, "{e}");
        assert!(e.reason.contains("themes[0].count"), "{e}");

        let scale = GOOD.replace("z = [0.9, 1.1]", "z = [1.5, 1.1]");
        let e = Config::parse(&scale, "t.toml").unwrap_err();
        assert_eq!(e.line, 15, "{e}");
        assert!(e.reason.contains("scale.z"), "{e}");

        let llm = format!("{GOOD}\n[agents.planner]\nbackend = \"llm\"\nattempts = 2\n[agents.coder]\nattempts = 2\n[agents.reviewer]\nattempts = 2\n");
        let e = Config::parse(&llm, "t.toml").unwrap_err();
        assert!(e.reason.contains("[llm]"), "{e}");
    }
}
