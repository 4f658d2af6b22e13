//! One set of resource limits for every entry point: the script sandbox, the scene size, the
//! gates and the physics, the LLM answers, the files read and the counts asked for.
//!
//! Each limit has a documented default and a hard maximum; the `[limits]` section of the
//! config may set any of them within `1..=maximum` (README "Limits"). `validate`, `generate`
//! and the daemon all call [`install`] with the limits they run under before any script,
//! gate or request runs, and every check reads them back with [`current`], so the same input
//! meets the same limits whichever way it comes in.

use std::io::Read;
use std::path::Path;
use std::sync::RwLock;

use serde::{Deserialize, Serialize};

/// Every resource limit, in the units its name says.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Most Rhai operations one call of `build` or `solve` may execute, callbacks included.
    pub script_operations: u64,
    /// Deepest nesting of script function calls.
    pub script_call_depth: u64,
    /// Longest script string, in bytes.
    pub script_string_bytes: u64,
    /// Most array elements the script's variables may hold together (nested ones counted).
    pub script_array_elements: u64,
    /// Most object-map entries the script's variables may hold together.
    pub script_map_entries: u64,
    /// Estimated bytes the script's variables may hold together.
    pub script_memory_bytes: u64,
    /// Longest wall-clock time of one `build` or `solve` call, callbacks included, in seconds.
    pub script_wall_time_s: f64,
    /// Most parts (fixtures) one scene or solution may have.
    pub parts: u64,
    /// Most joints and springs one scene may have, together.
    pub joints: u64,
    /// Most shapes one part may have.
    pub shapes_per_part: u64,
    /// Most shapes (mesh pieces) one scene may have in all.
    pub shapes_total: u64,
    /// Most points one convex hull may have.
    pub hull_points: u64,
    /// Most fixtures one plan may list.
    pub plan_fixtures: u64,
    /// Most physics steps one gate may simulate.
    pub physics_steps: u64,
    /// Longest wall-clock time one gate (overlap check, simulation) may take, in seconds.
    pub gate_wall_time_s: f64,
    /// Largest LLM answer body, in bytes (read in pieces and cut off beyond it).
    pub answer_bytes: u64,
    /// Largest script, config or prompt file read, in bytes (checked before reading).
    pub file_bytes: u64,
    /// Most benchmarks one theme (or one `generate --count`) may ask for.
    pub count: u64,
    /// Most seeds one variant check may run.
    pub seeds: u64,
    /// Most bytes kept per failed session under `<data_dir>/failed/<id>/` (its journal and
    /// last report, for debugging).
    pub failed_session_bytes: u64,
    /// Free bytes the data folder's disk must keep: below them the daemon pauses before
    /// writing a benchmark or a simulation's artifacts, and resumes when space returns.
    pub min_free_bytes: u64,
    /// Largest torque a motor on a revolute joint may apply, in N·m.
    pub motor_torque_nm: f64,
    /// Largest force a motor on a prismatic joint may apply, in N.
    pub motor_force_n: f64,
    /// Largest target speed of a motor on a revolute joint, in degrees per second.
    pub motor_speed_degps: f64,
    /// Largest target speed of a motor on a prismatic joint, in metres per second.
    pub motor_speed_mps: f64,
    /// Longest motor time (activation time, ramp duration, step time, sine period), in
    /// seconds.
    pub motor_time_s: f64,
    /// Largest stiffness of a spring, in N/m.
    pub spring_stiffness_n_per_m: f64,
    /// Largest damping of a spring, in N·s/m.
    pub spring_damping_ns_per_m: f64,
    /// Longest spring (its rest length and its anchors' distance at the start), in metres.
    pub spring_length_m: f64,
}

/// One row of the limits table: key, default, hard maximum and what it bounds.
#[derive(Debug, Clone, Copy)]
pub struct LimitSpec {
    /// The key in `[limits]`.
    pub key: &'static str,
    /// The default value.
    pub default: f64,
    /// The hard maximum no config may exceed.
    pub maximum: f64,
    /// What it limits, with its unit.
    pub meaning: &'static str,
}

macro_rules! limit_table {
    ($($key:ident: $default:expr, $max:expr, $meaning:expr;)*) => {
        /// The limits table: every key with its default, hard maximum and meaning.
        pub const TABLE: &[LimitSpec] = &[
            $(LimitSpec { key: stringify!($key), default: $default as f64, maximum: $max as f64, meaning: $meaning },)*
        ];

        impl Default for Limits {
            fn default() -> Self {
                Self { $($key: $default,)* }
            }
        }

        impl Limits {
            /// The most generous limits any config may set (the hard maxima).
            pub fn maxima() -> Self {
                Self { $($key: $max,)* }
            }

            /// Every limit as (key, value).
            pub fn values(&self) -> Vec<(&'static str, f64)> {
                vec![$((stringify!($key), self.$key as f64),)*]
            }
        }
    };
}

limit_table! {
    script_operations: 5_000_000, 100_000_000, "Rhai operations per `build`/`solve` call, callbacks included";
    script_call_depth: 64, 256, "nested script function calls";
    script_string_bytes: 10_000, 1_000_000, "bytes of one script string";
    script_array_elements: 10_000, 1_000_000, "array elements held by the script's variables together";
    script_map_entries: 1_000, 100_000, "object-map entries held by the script's variables together";
    script_memory_bytes: 16_000_000, 512_000_000, "estimated bytes held by the script's variables together";
    script_wall_time_s: 1.0, 30.0, "seconds of wall-clock time per `build`/`solve` call, callbacks included";
    parts: 500, 2_000, "parts (fixtures) per scene or solution";
    joints: 200, 2_000, "joints and springs per scene";
    shapes_per_part: 64, 256, "shapes per part";
    shapes_total: 4_000, 20_000, "shapes (mesh pieces) per scene";
    hull_points: 256, 1_024, "points per convex hull";
    plan_fixtures: 64, 1_000, "fixtures one plan may list";
    physics_steps: 50_000, 500_000, "physics steps per gate";
    gate_wall_time_s: 20.0, 300.0, "seconds of wall-clock time per gate (overlap check, simulation)";
    answer_bytes: 4_000_000, 64_000_000, "bytes of one LLM answer body";
    file_bytes: 1_000_000, 16_000_000, "bytes of a script, config or prompt file";
    count: 10_000, 100_000, "benchmarks one theme or `generate --count` may ask for";
    seeds: 1_024, 10_000, "seeds per variant check";
    failed_session_bytes: 262_144, 16_000_000, "bytes kept per failed session under failed/<id>/ (journal, last report)";
    min_free_bytes: 1_073_741_824u64, 1_099_511_627_776u64, "bytes of free space the data folder's disk must keep; below them the daemon pauses before each benchmark or artifact write";
    motor_torque_nm: 1_000.0, 100_000.0, "N·m of torque one motor on a revolute joint may apply";
    motor_force_n: 10_000.0, 1_000_000.0, "N of force one motor on a prismatic joint may apply";
    motor_speed_degps: 3_600.0, 36_000.0, "deg/s of target speed of a motor on a revolute joint";
    motor_speed_mps: 5.0, 50.0, "m/s of target speed of a motor on a prismatic joint";
    motor_time_s: 60.0, 3_600.0, "seconds of a motor's activation time, ramp, step time or sine period";
    spring_stiffness_n_per_m: 100_000.0, 10_000_000.0, "N/m of stiffness of one spring";
    spring_damping_ns_per_m: 10_000.0, 1_000_000.0, "N·s/m of damping of one spring";
    spring_length_m: 10.0, 1_000.0, "metres of a spring's rest length and of its anchors' distance at the start (both end to end)";
}

impl Limits {
    /// Checks every value against `1..=maximum` (positive and finite for seconds); each
    /// problem is `(key, reason)` with the key as written in `[limits]`.
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        for ((key, value), spec) in self.values().into_iter().zip(TABLE) {
            let ok = value.is_finite() && value > 0.0 && value <= spec.maximum;
            if !ok {
                problems.push((
                    key,
                    format!(
                        "{} is out of range; give a value above 0 and at most {} ({}; default {})",
                        fmt_number(value),
                        spec.maximum,
                        spec.meaning,
                        spec.default
                    ),
                ));
            }
        }
        problems
    }

    /// The script wall-clock limit as a duration.
    pub fn script_wall_time(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.script_wall_time_s.clamp(0.001, 30.0))
    }

    /// The gate wall-clock limit as a duration.
    pub fn gate_wall_time(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.gate_wall_time_s.clamp(0.001, 300.0))
    }

    /// Checks a count of benchmarks asked for (a theme's `count`, `generate --count`).
    pub fn check_count(&self, what: &str, count: u64) -> Result<(), String> {
        if count == 0 || count > self.count {
            return Err(format!(
                "{what} {count} is out of range; ask for between 1 and {} benchmarks (limits.count)",
                self.count
            ));
        }
        Ok(())
    }

    /// Checks a number of seeds asked for (`--seeds`, `gates.seeds`, a theme's seed list).
    pub fn check_seeds(&self, what: &str, seeds: u64) -> Result<(), String> {
        if seeds == 0 || seeds > self.seeds {
            return Err(format!(
                "{what} {seeds} is out of range; give between 1 and {} seeds (limits.seeds)",
                self.seeds
            ));
        }
        Ok(())
    }

    /// Checks the number of fixtures a plan lists.
    pub fn check_plan_fixtures(&self, fixtures: usize) -> Result<(), String> {
        if fixtures as u64 > self.plan_fixtures {
            return Err(format!(
                "the plan lists {fixtures} fixtures, more than the limit of {} (limits.plan_fixtures); merge or drop fixtures",
                self.plan_fixtures
            ));
        }
        Ok(())
    }
}

/// A number for messages: plain when ordinary, scientific when huge or tiny (`1e308`, not
/// 309 digits).
pub fn fmt_number(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-3..1e6).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

static CURRENT: RwLock<Option<Limits>> = RwLock::new(None);

/// Makes `limits` the ones every later script call, gate and LLM request of this process
/// runs under. Every entry point calls it once, before any work: `validate` with the
/// defaults (or its config's), `generate` and the daemon with their config's `[limits]`.
pub fn install(limits: Limits) {
    *CURRENT.write().unwrap_or_else(|p| p.into_inner()) = Some(limits);
}

thread_local! {
    static OVERRIDE: std::cell::Cell<Option<Limits>> = const { std::cell::Cell::new(None) };
}

/// The limits in force on this thread: those of an enclosing [`with_limits`], else the
/// installed ones, else the defaults.
pub fn current() -> Limits {
    OVERRIDE.with(|o| o.get()).unwrap_or_else(|| {
        CURRENT
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .unwrap_or_default()
    })
}

/// Runs `f` with `limits` in force on this thread only (work `f` hands to other threads
/// keeps the installed limits). For tests and callers that must run one job under other
/// limits without changing the process's.
pub fn with_limits<R>(limits: Limits, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Limits>);
    impl Drop for Restore {
        fn drop(&mut self) {
            OVERRIDE.with(|o| o.set(self.0));
        }
    }
    let _restore = Restore(OVERRIDE.with(|o| o.replace(Some(limits))));
    f()
}

/// A file that cannot be read within the file limit.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is larger than `limits.file_bytes`.
    #[error("{path} is larger than the file size limit of {limit} bytes (limits.file_bytes); shorten it")]
    TooLarge {
        /// The file.
        path: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file is not UTF-8 text.
    #[error("{path} is not UTF-8 text")]
    NotText {
        /// The file.
        path: String,
    },
}

/// Reads a text file of at most `limit_bytes`, never holding more than that many bytes plus
/// one in memory (a huge file or a device is refused, not read whole).
pub fn read_text_file(path: &Path, limit_bytes: u64) -> Result<String, FileError> {
    let shown = path.display().to_string();
    let io = |source| FileError::Io {
        path: shown.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limit_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit_bytes {
        return Err(FileError::TooLarge {
            path: shown,
            limit: limit_bytes,
        });
    }
    String::from_utf8(bytes).map_err(|_| FileError::NotText { path: shown })
}

/// The README's limits table (Markdown), generated from [`TABLE`] so the two cannot drift.
pub fn markdown_table() -> String {
    let mut out = String::from("| key | default | hard maximum | limits |\n|---|---|---|---|\n");
    for spec in TABLE {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            spec.key, spec.default, spec.maximum, spec.meaning
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_maxima_pass_and_beyond_fails_naming_the_key() {
        assert!(Limits::default().check().is_empty());
        assert!(Limits::maxima().check().is_empty());
        let l = Limits {
            parts: 2_001,
            script_wall_time_s: f64::INFINITY,
            joints: 0,
            ..Limits::default()
        };
        let keys: Vec<&str> = l.check().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["script_wall_time_s", "parts", "joints"]);
    }

    #[test]
    fn every_default_is_within_its_maximum() {
        for spec in TABLE {
            assert!(
                spec.default > 0.0 && spec.default <= spec.maximum,
                "{}",
                spec.key
            );
        }
    }

    #[test]
    fn readme_table_matches_the_code() {
        let readme = include_str!("../README.md");
        assert!(
            readme.contains(&markdown_table()),
            "README.md's Limits table is out of date; paste:\n{}",
            markdown_table()
        );
    }

    #[test]
    fn a_file_beyond_the_limit_is_refused_without_reading_it_whole() {
        let dir = std::env::temp_dir().join(format!("benchforge-limits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.txt");
        std::fs::write(&path, vec![b'a'; 2048]).unwrap();
        assert!(matches!(
            read_text_file(&path, 1024),
            Err(FileError::TooLarge { limit: 1024, .. })
        ));
        assert_eq!(read_text_file(&path, 2048).unwrap().len(), 2048);
    }
}
