//! The file manifest of a benchmark folder: `{relative path: sha256 hex}` of every file but
//! `benchmark.json` itself (which records it as `files`), and the check of a folder against
//! it, so an edit made after the benchmark was written is named instead of trusted.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::BENCHMARK_JSON;

/// Why a folder's manifest cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot read {path} for the file manifest: {why}")]
pub struct ManifestError {
    /// The file or folder.
    pub path: String,
    /// The I/O error.
    pub why: String,
}

/// The `{relative path: sha256 hex}` of every file under `dir` except `dir/benchmark.json`.
/// Paths use `/` whatever the platform, so a manifest written on one reads on another.
/// Symbolic links are followed to the file they name (a link to a folder is not descended).
///
/// The dataset writer calls this on the finished folder and stores the result as
/// `benchmark.json` → `files`; [`check_manifest`] compares a folder against it.
pub fn manifest(dir: &Path) -> Result<BTreeMap<String, String>, ManifestError> {
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out)?;
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) -> Result<(), ManifestError> {
    let err = |path: &Path| {
        let path = path.display().to_string();
        move |e: std::io::Error| ManifestError {
            path,
            why: e.to_string(),
        }
    };
    for entry in std::fs::read_dir(dir).map_err(err(dir))? {
        let entry = entry.map_err(err(dir))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if relative == BENCHMARK_JSON {
            continue;
        }
        let kind = entry.file_type().map_err(err(&path))?;
        if kind.is_dir() {
            walk(&path, &relative, out)?;
        } else {
            let bytes = std::fs::read(&path).map_err(err(&path))?;
            out.insert(relative, sha256_hex(&bytes));
        }
    }
    Ok(())
}

/// The full sha256 of `bytes`, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One way a folder differs from its recorded manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    /// The file's bytes differ from the recorded ones.
    Changed {
        /// Relative path.
        path: String,
        /// Its sha256 now.
        now: String,
        /// The recorded sha256.
        recorded: String,
    },
    /// A recorded file is gone.
    Missing {
        /// Relative path.
        path: String,
    },
    /// A file the benchmark did not record.
    Extra {
        /// Relative path.
        path: String,
    },
}

impl FileChange {
    /// The file concerned.
    pub fn path(&self) -> &str {
        match self {
            FileChange::Changed { path, .. }
            | FileChange::Missing { path }
            | FileChange::Extra { path } => path,
        }
    }
}

impl std::fmt::Display for FileChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileChange::Changed {
                path,
                now,
                recorded,
            } => write!(
                f,
                "{path} was changed after the benchmark was written (sha256 {}…, recorded {}…); restore it or regenerate the benchmark",
                &now[..now.len().min(16)],
                &recorded[..recorded.len().min(16)]
            ),
            FileChange::Missing { path } => write!(
                f,
                "{path} is missing: the benchmark was written with it; restore it or regenerate the benchmark"
            ),
            FileChange::Extra { path } => write!(
                f,
                "{path} was added after the benchmark was written (benchmark.json does not list it); remove it"
            ),
        }
    }
}

/// Compares the files of `dir` now with the `recorded` manifest, in path order.
pub fn check_manifest(
    dir: &Path,
    recorded: &BTreeMap<String, String>,
) -> Result<Vec<FileChange>, ManifestError> {
    let now = manifest(dir)?;
    let mut changes = Vec::new();
    for (path, hash) in recorded {
        match now.get(path) {
            None => changes.push(FileChange::Missing { path: path.clone() }),
            Some(current) if !current.eq_ignore_ascii_case(hash) => {
                changes.push(FileChange::Changed {
                    path: path.clone(),
                    now: current.clone(),
                    recorded: hash.clone(),
                })
            }
            Some(_) => {}
        }
    }
    for path in now.keys().filter(|p| !recorded.contains_key(*p)) {
        changes.push(FileChange::Extra { path: path.clone() });
    }
    changes.sort_by(|a, b| a.path().cmp(b.path()));
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_names_every_file_but_benchmark_json_and_the_check_names_each_change() {
        let dir = std::env::temp_dir().join(format!("bf-manifest-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("variants/seed-0")).unwrap();
        std::fs::write(dir.join("benchmark.json"), "{}").unwrap();
        std::fs::write(dir.join("script.rhai"), "fn build(seed, scale) {}").unwrap();
        std::fs::write(dir.join("variants/seed-0/scene.json"), "{}").unwrap();
        std::fs::write(dir.join("variants/seed-0/benchmark.json"), "x").unwrap();
        let recorded = manifest(&dir).unwrap();
        let keys: Vec<&str> = recorded.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "script.rhai",
                "variants/seed-0/benchmark.json",
                "variants/seed-0/scene.json"
            ]
        );
        assert_eq!(recorded["variants/seed-0/scene.json"], sha256_hex(b"{}"));
        assert!(check_manifest(&dir, &recorded).unwrap().is_empty());

        std::fs::write(dir.join("script.rhai"), "fn build(seed, scale) { 1 }").unwrap();
        std::fs::remove_file(dir.join("variants/seed-0/scene.json")).unwrap();
        std::fs::write(dir.join("notes.txt"), "hi").unwrap();
        // benchmark.json itself is not part of the manifest.
        std::fs::write(dir.join("benchmark.json"), "{\"x\": 1}").unwrap();
        let changes = check_manifest(&dir, &recorded).unwrap();
        let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].starts_with("notes.txt was added"), "{lines:?}");
        assert!(
            lines[1]
                .starts_with("script.rhai was changed after the benchmark was written (sha256 "),
            "{lines:?}"
        );
        assert!(lines[2].starts_with("variants/seed-0/scene.json is missing"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
