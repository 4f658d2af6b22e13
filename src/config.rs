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

/// The three agent roles. A role's table may leave out any key (`attempts` too): it keeps
/// that role's default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "AgentsTables")]
pub struct AgentsConfig {
    /// The Planner.
    pub planner: RoleConfig,
    /// The Coder.
    pub coder: RoleConfig,
    /// The Reviewer.
    pub reviewer: RoleConfig,
}

/// `[agents]` as written: every key optional.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentsTables {
    #[serde(default)]
    planner: Option<RoleTable>,
    #[serde(default)]
    coder: Option<RoleTable>,
    #[serde(default)]
    reviewer: Option<RoleTable>,
}

/// One `[agents.<role>]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleTable {
    #[serde(default)]
    backend: Option<Backend>,
    #[serde(default)]
    attempts: Option<u32>,
    #[serde(default)]
    model: Option<String>,
}

impl From<AgentsTables> for AgentsConfig {
    fn from(t: AgentsTables) -> Self {
        let fill = |table: Option<RoleTable>, default: RoleConfig| match table {
            None => default,
            Some(r) => RoleConfig {
                backend: r.backend.unwrap_or(default.backend),
                attempts: r.attempts.unwrap_or(default.attempts),
                model: r.model.or(default.model),
            },
        };
        let d = AgentsConfig::default();
        Self {
            planner: fill(t.planner, d.planner),
            coder: fill(t.coder, d.coder),
            reviewer: fill(t.reviewer, d.reviewer),
        }
    }
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

/// Settings of the gates; a key left out keeps its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
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

impl GatesConfig {
    /// The physics settings the gates run with: these values over the simulator's defaults.
    /// The one conversion every entry point uses (`validate --config`, the Simulator step).
    pub fn physics(&self) -> crate::physics::PhysicsSettings {
        crate::physics::PhysicsSettings {
            duration_s: self.passive_time_s,
            max_speed_mps: self.max_speed_mps,
            penetration_tolerance_m: self.penetration_tolerance_m,
            ..crate::physics::PhysicsSettings::default()
        }
    }
}

/// Render settings; a key left out keeps its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RenderConfig {
    /// Image width in pixels.
    pub width_px: u32,
    /// Image height in pixels.
    pub height_px: u32,
    /// Views rendered per seed: 24 (every standard view) or fewer, spread over azimuths and
    /// elevations (see `ViewAngle::spread`), for large datasets.
    pub views_per_seed: u32,
}

impl Default for RenderConfig {
    /// 512×384 px, large enough that a small payload is more than a few pixels; 24 views.
    fn default() -> Self {
        Self {
            width_px: 512,
            height_px: 384,
            views_per_seed: 24,
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
    /// Optional difficulty tier the theme asks for: 1, 2 or 3 (or easy, medium, hard); a
    /// benchmark measuring as another tier is refused by the worth checks. Written as a
    /// number (`tier = 2`) or a word (`tier = "medium"`).
    #[serde(default, deserialize_with = "tier_label")]
    pub tier: Option<String>,
    /// Optional budget for the solution (`budget = { max_parts = 12, max_mass_kg = 0.5,
    /// max_motor_power_w = 20, max_cost_usd = 15.0 }`, any subset): the reference solution
    /// must stay within it on every seed, and every cap left out is derived from the
    /// reference (see [`crate::budget`]). Read from the config when a session is simulated
    /// (looked up by the theme's prompt), never stored with the session.
    #[serde(default)]
    pub budget: Option<crate::budget::Budget>,
}

/// A theme's `tier` as its label, from a TOML integer or string.
fn tier_label<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Tier {
        Number(i64),
        Word(String),
    }
    Ok(Option::<Tier>::deserialize(d)?.map(|t| match t {
        Tier::Number(n) => n.to_string(),
        Tier::Word(w) => w,
    }))
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
    /// Resource limits (README "Limits"); every entry point applies them through
    /// [`crate::limits::install`].
    #[serde(default)]
    pub limits: crate::limits::Limits,
    /// The baseline battery and worth checks run on every candidate that passed the gates
    /// (README "Baseline solvers and difficulty").
    #[serde(default)]
    pub worth: crate::baselines::WorthSettings,
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
            limits: crate::limits::Limits::default(),
            worth: crate::baselines::WorthSettings::default(),
            themes: Vec::new(),
        }
    }

    /// Reads and validates the config at `path`; the first problem (see
    /// [`Config::load_all`] for all of them).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Self::load_all(path).map_err(|errors| errors.first())
    }

    /// Reads and validates the config at `path`, reporting every problem. `run`,
    /// `generate`, the config watcher and `check-config` all load through here, so they
    /// apply exactly the same checks. The file is refused unread beyond the hard maximum of
    /// `limits.file_bytes`.
    pub fn load_all(path: &Path) -> Result<Config, ConfigErrors> {
        let shown = crate::logging::escape_control(&path.display().to_string()).into_owned();
        let text = crate::limits::read_text_file(path, crate::limits::Limits::maxima().file_bytes)
            .map_err(|e| {
                ConfigErrors(vec![ConfigError {
                    file: shown.clone(),
                    line: 1,
                    reason: format!(
                        "cannot read the config: {}",
                        crate::logging::escape_control(&e.to_string())
                    ),
                }])
            })?;
        let mut config = Config::parse_all(&text, &shown)?;
        if text.len() as u64 > config.limits.file_bytes {
            return Err(ConfigErrors(vec![ConfigError {
                file: shown,
                line: 1,
                reason: format!(
                    "the config is {} bytes, more than limits.file_bytes = {}",
                    text.len(),
                    config.limits.file_bytes
                ),
            }]));
        }
        if config.data_dir.is_relative() {
            let base = path.parent().unwrap_or(Path::new("."));
            config.data_dir = base.join(&config.data_dir);
        }
        Ok(config)
    }

    /// Parses and validates config `text`; `file` names it in errors. The first problem.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        Self::parse_all(text, file).map_err(|errors| errors.first())
    }

    /// Parses and validates config `text`, reporting every problem: each unknown key (with
    /// the nearest valid key), then, when the file parses, every value out of its range.
    pub fn parse_all(text: &str, file: &str) -> Result<Config, ConfigErrors> {
        let err = |line: usize, reason: String| ConfigError {
            file: file.to_string(),
            line,
            reason,
        };
        let mut errors = Vec::new();
        let mut work = text.to_string();
        // Each unknown key is reported, blanked out and the text parsed again, so one run
        // reports them all; any other syntax error ends the parse.
        let mut parsed = None;
        for _ in 0..MAX_REPORTED_UNKNOWN_KEYS {
            match toml::from_str::<Config>(&work) {
                Ok(config) => {
                    parsed = Some(config);
                    break;
                }
                Err(e) => {
                    let line = e
                        .span()
                        .map(|span| line_of_offset(&work, span.start))
                        .unwrap_or(1);
                    let message = e.message().trim().to_string();
                    match unknown_key_reason(&message) {
                        Some(reason) => {
                            errors.push(err(line, reason));
                            work = blank_out(&work, line);
                        }
                        None => {
                            let message = crate::logging::escape_control(&message);
                            let reason = match key_on_line(&work, line) {
                                Some(key) => format!("{key}: {message}"),
                                None => message.into_owned(),
                            };
                            errors.push(err(line, reason));
                            break;
                        }
                    }
                }
            }
        }
        let Some(config) = parsed else {
            return Err(ConfigErrors(errors));
        };
        errors.extend(config.problems(text, file));
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(ConfigErrors(errors))
        }
    }

    /// Every value out of its documented range, with its line: `key: reason`.
    fn problems(&self, text: &str, file: &str) -> Vec<ConfigError> {
        let mut out = Vec::new();
        let mut push = |section: &str, key: &str, reason: String| {
            let full = if section.is_empty() {
                key.to_string()
            } else {
                format!("{section}.{key}")
            };
            out.push(ConfigError {
                file: file.to_string(),
                line: line_of_key(text, section, key),
                reason: format!("{full}: {reason}"),
            });
        };
        let limits = &self.limits;
        for (key, reason) in limits.check() {
            push("limits", key, reason);
        }
        if let Err(reason) = self.worth.check() {
            // The reason names the key: "worth setting <key> must be ...".
            let key = reason
                .split_whitespace()
                .nth(2)
                .unwrap_or("enforce")
                .to_string();
            push("worth", &key, reason);
        }
        if self.data_dir.as_os_str().is_empty() {
            push(
                "",
                "data_dir",
                "is empty: name a folder for the store, dataset and logs".into(),
            );
        }
        if self.concurrency == 0 || self.concurrency > MAX_CONCURRENCY {
            push(
                "",
                "concurrency",
                format!(
                    "{} is out of range; give 1 to {MAX_CONCURRENCY} sessions",
                    self.concurrency
                ),
            );
        }
        if !in_range(self.watch_interval_s, 0.05, 3_600.0) {
            push(
                "",
                "watch_interval_s",
                format!(
                    "{} is out of range; give 0.05 to 3600 seconds",
                    crate::limits::fmt_number(self.watch_interval_s)
                ),
            );
        }
        if let Err(reason) = limits.check_seeds("", u64::from(self.gates.seeds)) {
            push("gates", "seeds", reason.trim_start().to_string());
        }
        for (key, value, lo, hi, unit) in [
            (
                "passive_time_s",
                self.gates.passive_time_s,
                0.01,
                600.0,
                "seconds",
            ),
            (
                "max_speed_mps",
                self.gates.max_speed_mps,
                0.01,
                1_000.0,
                "m/s",
            ),
            (
                "penetration_tolerance_m",
                self.gates.penetration_tolerance_m,
                0.0,
                0.1,
                "metres",
            ),
        ] {
            if !in_range(value, lo, hi) {
                push(
                    "gates",
                    key,
                    format!(
                        "{} is out of range; give {lo} to {hi} {unit}",
                        crate::limits::fmt_number(value)
                    ),
                );
            }
        }
        for (key, value) in [
            ("width_px", self.render.width_px),
            ("height_px", self.render.height_px),
        ] {
            if !(16..=4096).contains(&value) {
                push(
                    "render",
                    key,
                    format!("{value} is out of range; give 16 to 4096 pixels"),
                );
            }
        }
        let most = crate::render::ViewAngle::standard().len() as u32;
        if !(1..=most).contains(&self.render.views_per_seed) {
            push(
                "render",
                "views_per_seed",
                format!(
                    "{} is out of range; give 1 to {most} views",
                    self.render.views_per_seed
                ),
            );
        }
        for (name, role) in [
            ("planner", &self.agents.planner),
            ("coder", &self.agents.coder),
            ("reviewer", &self.agents.reviewer),
        ] {
            let section = format!("agents.{name}");
            if role.attempts == 0 || role.attempts > MAX_ATTEMPTS {
                push(
                    &section,
                    "attempts",
                    format!(
                        "{} is out of range; give 1 to {MAX_ATTEMPTS}",
                        role.attempts
                    ),
                );
            }
            if matches!(&role.model, Some(m) if m.trim().is_empty()) {
                push(
                    &section,
                    "model",
                    "is empty: name a model or drop the key".into(),
                );
            }
            if role.backend == Backend::Llm && self.llm.is_none() {
                push(
                    &section,
                    "backend",
                    "\"llm\" needs an [llm] section with base_url and model".into(),
                );
            }
        }
        if let Some(llm) = &self.llm {
            for (key, reason) in llm.problems() {
                let (section, leaf) = key.rsplit_once('.').unwrap_or(("llm", key.as_str()));
                push(section, leaf, reason);
            }
        }
        out.extend(theme_problems(&self.themes, limits, text, file));
        out
    }

    /// The stage machine's limits from the agents' attempts.
    pub fn attempt_limits(&self) -> AttemptLimits {
        AttemptLimits {
            plan_attempts: self.agents.planner.attempts,
            code_attempts: self.agents.coder.attempts,
            review_rounds: self.agents.reviewer.attempts,
            ..AttemptLimits::default()
        }
    }

    /// Each theme's stated budget, by its prompt as stored (trimmed): what the Simulator
    /// checks a session's reference solution against (`pipeline::AgentSteps`).
    pub fn theme_budgets(&self) -> Vec<(String, crate::budget::Budget)> {
        self.themes
            .iter()
            .filter_map(|t| Some((t.prompt.trim().to_string(), t.budget.clone()?)))
            .collect()
    }

    /// The theme queue as store specs (origin `config`).
    pub fn theme_specs(&self) -> Vec<ThemeSpec> {
        self.themes
            .iter()
            .map(|t| self.theme_spec(t, "config"))
            .collect()
    }

    /// The theme queue as the store reconciles it: each theme's spec, and whether its seeds
    /// are explicit (then part of its identity, see `store::WantedTheme`).
    pub fn wanted_themes(&self) -> Vec<crate::store::WantedTheme> {
        self.themes
            .iter()
            .map(|t| crate::store::WantedTheme {
                spec: self.theme_spec(t, "config"),
                explicit_seeds: t.seeds.is_some(),
            })
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

/// Most sessions in flight (`concurrency`).
pub const MAX_CONCURRENCY: u32 = 256;
/// Most attempts of one agent role (`agents.<role>.attempts`).
pub const MAX_ATTEMPTS: u32 = 100;
/// Longest theme prompt, in characters.
pub const MAX_THEME_CHARS: usize = 2_000;
/// Most unknown keys one load reports before giving up.
const MAX_REPORTED_UNKNOWN_KEYS: usize = 32;

/// Every problem of a config, one per line.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    /// The first problem (there is always one).
    pub fn first(self) -> ConfigError {
        self.0.into_iter().next().unwrap_or(ConfigError {
            file: String::new(),
            line: 1,
            reason: "invalid config".into(),
        })
    }
}

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl std::error::Error for ConfigErrors {}

/// True for a finite `x` within `lo..=hi` (false for NaN).
fn in_range(x: f64, lo: f64, hi: f64) -> bool {
    x.is_finite() && x >= lo && x <= hi
}

/// serde's "unknown field `k`, expected one of `a`, `b`" as "`k` is not a known key; did you
/// mean `a`?".
fn unknown_key_reason(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    // A key written inside a valid one (`timeout_s` in `request_timeout_s`) is the likeliest
    // meaning; otherwise the smallest edit distance.
    let nearest = expected.iter().min_by_key(|candidate| {
        (
            !(candidate.contains(key) || key.contains(**candidate)),
            crate::script::edit_distance(key, candidate),
        )
    });
    let key = crate::logging::escape_control(key);
    Some(match nearest {
        Some(near) => format!(
            "{key}: unknown key; the nearest valid key is `{near}` (valid here: {})",
            expected.join(", ")
        ),
        None => format!("{key}: unknown key; this section takes no keys"),
    })
}

/// The key written on line `line` (1-based) as `key = value`, if any.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let (key, _) = text.lines().nth(line.checked_sub(1)?)?.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && !key.starts_with('[') && key.len() <= 64)
        .then(|| crate::logging::escape_control(key).into_owned())
}

/// `text` with line `line` (1-based) emptied, and, when it opens a table, the table's lines
/// too: what is left parses without the unknown key.
fn blank_out(text: &str, line: usize) -> String {
    let mut in_table = false;
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            let header = l.trim_start().starts_with('[');
            if i + 1 == line {
                in_table = header;
                return "";
            }
            if in_table && !header {
                return "";
            }
            in_table = false;
            l
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The line of `key` inside table `section` ("" for the top level, "llm.planner" for
/// `[llm.planner]`); the table's header line, else 1, when the key is not written out.
fn line_of_key(text: &str, section: &str, key: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let header = format!("[{section}]");
    let start = if section.is_empty() {
        Some(0)
    } else {
        lines.iter().position(|l| l.trim() == header)
    };
    let Some(start) = start else {
        return 1;
    };
    for (i, l) in lines
        .iter()
        .enumerate()
        .skip(if section.is_empty() { 0 } else { start + 1 })
    {
        let l = l.trim_start();
        if l.starts_with('[') {
            break;
        }
        if let Some(rest) = l.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                return i + 1;
            }
        }
    }
    if section.is_empty() {
        1
    } else {
        start + 1
    }
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Every problem of a theme list (`[[themes]]` of a config, or an `eval` theme file `file`
/// whose text is `text`), each with the line of its `[[themes]]` header.
pub fn theme_problems(
    themes: &[ThemeConfig],
    limits: &crate::limits::Limits,
    text: &str,
    file: &str,
) -> Vec<ConfigError> {
    let mut out = Vec::new();
    for (i, theme) in themes.iter().enumerate() {
        let line = theme_line(text, i);
        let mut theme_err = |reason: String| {
            out.push(ConfigError {
                file: file.to_string(),
                line,
                reason,
            })
        };
        if theme.prompt.trim().is_empty() {
            theme_err(format!(
                "themes[{i}].prompt: is empty: describe the benchmark in words"
            ));
        }
        if theme.prompt.chars().count() > MAX_THEME_CHARS {
            theme_err(format!(
                "themes[{i}].prompt: is {} characters; keep it to {MAX_THEME_CHARS}",
                theme.prompt.chars().count()
            ));
        }
        if let Err(reason) =
            limits.check_count(&format!("themes[{i}].count ="), u64::from(theme.count))
        {
            theme_err(reason);
        }
        if let Some(seeds) = &theme.seeds {
            if seeds.is_empty() {
                theme_err(format!(
                    "themes[{i}].seeds: is empty: list at least one seed or drop the key"
                ));
            } else if let Err(reason) =
                limits.check_seeds(&format!("themes[{i}].seeds: lists"), seeds.len() as u64)
            {
                theme_err(reason);
            }
        }
        if let Some(Err(e)) = theme.tier.as_deref().map(crate::baselines::requested_tier) {
            theme_err(format!("themes[{i}].tier: {e}, or drop the key"));
        }
        if let Some(budget) = &theme.budget {
            for problem in budget.problems(&format!("themes[{i}].budget.")) {
                theme_err(problem);
            }
        }
        if let Some(scale) = &theme.scale {
            for (axis, [lo, hi]) in [("x", scale.x), ("y", scale.y), ("z", scale.z)] {
                if !(lo > 0.0 && lo <= hi && hi <= 10.0) {
                    theme_err(format!(
                        "themes[{i}].scale.{axis} = [{lo}, {hi}] must satisfy 0 < min <= max <= 10"
                    ));
                }
            }
        }
    }
    out
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
        // A role table may leave out any key; it keeps that role's default.
        let partial = Config::parse(
            "data_dir = \"d\"\n[agents.coder]\nbackend = \"llm\"\n[llm]\nbase_url = \"http://127.0.0.1:1/v1\"\nmodel = \"m\"\n",
            "partial.toml",
        )
        .unwrap();
        assert_eq!(partial.agents.coder.backend, Backend::Llm);
        assert_eq!(partial.agents.coder.attempts, 4);
        assert_eq!(partial.agents.reviewer.attempts, 3);
        let typo = Config::parse(
            "data_dir = \"d\"\n[agents.coder]\natempts = 2\n",
            "typo.toml",
        );
        assert!(typo.unwrap_err().to_string().contains("atempts"));
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

    #[test]
    fn every_unknown_key_is_reported_with_the_nearest_valid_key() {
        let text = format!("{GOOD}\n[llm]\nbase_url = \"http://127.0.0.1:1/v1\"\nmodel = \"m\"\ntimeout_s = 120.0\n\n[limitz]\nparts = 3\n");
        let errors = Config::parse_all(&text, "t.toml").unwrap_err().0;
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].reason.starts_with(
                "timeout_s: unknown key; the nearest valid key is `request_timeout_s`"
            ),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].reason.contains("nearest valid key is `limits`"),
            "{}",
            errors[1]
        );
        assert_eq!(
            text.lines().nth(errors[0].line - 1),
            Some("timeout_s = 120.0")
        );
    }

    #[test]
    fn values_that_would_overflow_or_panic_at_run_time_are_refused_with_their_key() {
        let text = format!(
            "{GOOD}\n[llm]\nbase_url = \"http://127.0.0.1:1/v1\"\nmodel = \"m\"\nbackoff_max_s = 1e300\nrequest_timeout_s = 1e300\nmax_concurrent_requests = 9223372036854775807\n\n[llm.caps]\nmax_tokens = 9223372036854775807\n\n[limits]\nparts = 0\n"
        );
        let errors = Config::parse_all(&text, "t.toml").unwrap_err().0;
        let reasons: Vec<&str> = errors.iter().map(|e| e.reason.as_str()).collect();
        for key in [
            "limits.parts:",
            "llm.request_timeout_s:",
            "llm.backoff_max_s:",
            "llm.max_concurrent_requests:",
            "llm.caps.max_tokens:",
        ] {
            assert!(
                reasons.iter().any(|r| r.starts_with(key)),
                "{key} in {reasons:?}"
            );
        }
        let line_of = |key: &str| {
            errors
                .iter()
                .find(|e| e.reason.starts_with(key))
                .unwrap()
                .line
        };
        assert_eq!(
            text.lines().nth(line_of("llm.backoff_max_s:") - 1),
            Some("backoff_max_s = 1e300")
        );
        assert_eq!(
            text.lines().nth(line_of("limits.parts:") - 1),
            Some("parts = 0")
        );
    }
}
