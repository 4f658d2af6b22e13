//! What a config edit changes, key by key, and how each change can be applied: at once
//! (concurrency, the watch interval), to every step started from now on (gates, render,
//! agents, llm: the steps are rebuilt), by queueing (themes), or only by a restart (the data
//! folder). The daemon logs one line per change with [`ConfigChange`]'s words, so an operator
//! tailing the log sees exactly what a save did.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::config::Config;

/// How a changed setting takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeClass {
    /// Applied at once (concurrency, watch interval).
    Live,
    /// Applied to every step started from now on: the steps are rebuilt (gates, render,
    /// agents, llm) and the limits installed.
    NextSteps,
    /// The theme queue: new themes are queued (each once, by content).
    Themes,
    /// Cannot change while the daemon runs; kept as it was until a restart.
    NeedsRestart,
}

/// One changed setting.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigChange {
    /// The key path, e.g. `gates.max_speed_mps`.
    pub key: String,
    /// The old value, as TOML-like text (`unset` when absent).
    pub old: String,
    /// The new value.
    pub new: String,
    /// How it takes effect.
    pub class: ChangeClass,
}

impl std::fmt::Display for ConfigChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.class {
            ChangeClass::NeedsRestart => write!(
                f,
                "needs a restart: {} ({} -> {}); keeping {}",
                self.key, self.old, self.new, self.old
            ),
            ChangeClass::Live => {
                write!(f, "applied now: {} {} -> {}", self.key, self.old, self.new)
            }
            ChangeClass::NextSteps => write!(
                f,
                "applied to every step from now on: {} {} -> {}",
                self.key, self.old, self.new
            ),
            ChangeClass::Themes => {
                write!(f, "theme queue: {} {} -> {}", self.key, self.old, self.new)
            }
        }
    }
}

/// How a key's change takes effect.
pub fn classify(key: &str) -> ChangeClass {
    if key.starts_with("themes[") && key.ends_with("].budget") {
        return ChangeClass::NextSteps;
    }
    let top = key.split(['.', '[']).next().unwrap_or(key);
    match top {
        "concurrency" | "watch_interval_s" => ChangeClass::Live,
        "gates" | "render" | "agents" | "llm" | "limits" | "worth" => ChangeClass::NextSteps,
        "themes" => ChangeClass::Themes,
        _ => ChangeClass::NeedsRestart,
    }
}

/// Every setting that differs between `old` and `new`, one per leaf key, in key order. The
/// theme list is compared as one value per theme index.
pub fn diff(old: &Config, new: &Config) -> Vec<ConfigChange> {
    let mut a = BTreeMap::new();
    let mut b = BTreeMap::new();
    flatten(
        "",
        &serde_json::to_value(old).unwrap_or(Value::Null),
        &mut a,
    );
    flatten(
        "",
        &serde_json::to_value(new).unwrap_or(Value::Null),
        &mut b,
    );
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| ConfigChange {
            key: k.clone(),
            old: a.get(k).map(text).unwrap_or_else(|| "unset".into()),
            new: b.get(k).map(text).unwrap_or_else(|| "unset".into()),
            class: classify(k),
        })
        .collect()
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Null => "unset".into(),
        other => other.to_string(),
    }
}

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) if prefix != "themes" => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(items) if prefix == "themes" => {
            for (i, item) in items.iter().enumerate() {
                // A theme's budget is the steps' (the Simulator's budget check), not the
                // queue's: it is its own key, so changing it rebuilds the steps and queues
                // nothing.
                let mut item = item.clone();
                let budget = item
                    .as_object_mut()
                    .and_then(|t| t.remove("budget"))
                    .filter(|b| !b.is_null());
                out.insert(format!("themes[{i}]"), item);
                if let Some(budget) = budget {
                    out.insert(format!("themes[{i}].budget"), budget);
                }
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// What a reload did.
#[derive(Debug, Clone, PartialEq)]
pub enum ReloadOutcome {
    /// Every change that can be applied was; `refused` lists those that need a restart.
    Applied {
        /// The changes applied.
        applied: Vec<ConfigChange>,
        /// The changes kept out until a restart.
        refused: Vec<ConfigChange>,
    },
    /// The new settings could not be built (e.g. the `[llm]` section names no model for a
    /// role that needs one): nothing changed, the old settings stay.
    RolledBack {
        /// Why.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_changed_leaf_is_listed_with_its_class() {
        let old = Config::with_data_dir("/data/a".into());
        let mut new = old.clone();
        new.concurrency = 5;
        new.gates.max_speed_mps = 3.0;
        new.render.width_px = 640;
        new.agents.coder.attempts = 1;
        new.data_dir = "/data/b".into();
        let changes = diff(&old, &new);
        let by_key: BTreeMap<&str, &ConfigChange> =
            changes.iter().map(|c| (c.key.as_str(), c)).collect();
        assert_eq!(by_key.len(), 5, "{changes:?}");
        assert_eq!(by_key["concurrency"].class, ChangeClass::Live);
        assert_eq!(by_key["gates.max_speed_mps"].class, ChangeClass::NextSteps);
        assert_eq!(by_key["gates.max_speed_mps"].new, "3.0");
        assert_eq!(by_key["render.width_px"].class, ChangeClass::NextSteps);
        assert_eq!(
            by_key["agents.coder.attempts"].class,
            ChangeClass::NextSteps
        );
        assert_eq!(by_key["data_dir"].class, ChangeClass::NeedsRestart);
        assert_eq!(
            by_key["data_dir"].to_string(),
            "needs a restart: data_dir (\"/data/a\" -> \"/data/b\"); keeping \"/data/a\""
        );
        assert!(diff(&old, &old).is_empty());

        // A theme's budget is its own key: changing it rebuilds the steps and queues nothing.
        let theme = crate::config::ThemeConfig {
            prompt: "a ball must cross a gap between two decks".into(),
            count: 1,
            seeds: None,
            scale: None,
            tier: None,
            budget: None,
        };
        let mut old = Config::with_data_dir("/data/a".into());
        old.themes = vec![theme.clone()];
        assert!(diff(&old, &old).is_empty());
        let mut new = old.clone();
        new.themes[0].budget = Some(crate::budget::Budget {
            max_parts: Some(3.0),
            ..Default::default()
        });
        let changes = diff(&old, &new);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].key, "themes[0].budget");
        assert_eq!(changes[0].class, ChangeClass::NextSteps);
        assert_eq!(changes[0].old, "unset");
        assert!(
            changes[0].new.contains("\"max_parts\":3.0"),
            "{}",
            changes[0].new
        );
        // A new theme with a budget is queued and rebuilds the steps.
        let mut grown = new.clone();
        grown.themes.push(crate::config::ThemeConfig {
            prompt: "another theme".into(),
            ..new.themes[0].clone()
        });
        let classes: Vec<(String, ChangeClass)> = diff(&new, &grown)
            .into_iter()
            .map(|c| (c.key, c.class))
            .collect();
        assert_eq!(
            classes,
            [
                ("themes[1]".to_string(), ChangeClass::Themes),
                ("themes[1].budget".to_string(), ChangeClass::NextSteps)
            ]
        );
    }
}
