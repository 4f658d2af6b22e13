//! Config edits by intent. A config theme's identity is its prompt (plus its seeds, when the
//! config lists them explicitly), not its whole content: editing `count` adds or cancels only
//! the difference, editing `tier`, `scale` or the implied seeds applies to the sessions not
//! yet admitted, and a theme gone from the config has its not-yet-planned sessions cancelled.
//!
//! Nothing stored changes shape: a theme keeps its first record (and key); new sessions are
//! added to it with the next index (ids are never reused: `ThemeRecord::sessions` lists every
//! id ever issued), and a cancelled session's record is removed with its index entry and
//! count, in the same transaction.

use super::{decode, encode, tx_abort, Store, StoreError, ThemeRecord, Trees, TxResult};
use crate::fault::{self, FaultPoint};
use crate::session::{now_unix_ms, Session, StageKind, ThemeSpec};

/// A theme as the config wants it.
#[derive(Debug, Clone, PartialEq)]
pub struct WantedTheme {
    /// The theme, seeds filled in.
    pub spec: ThemeSpec,
    /// True when the config lists the seeds; then they are part of the theme's identity.
    pub explicit_seeds: bool,
}

/// What reconciling one theme did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThemeReconcile {
    /// The theme's record key.
    pub key: String,
    /// The prompt.
    pub prompt: String,
    /// True when the theme was not in the store before.
    pub new_theme: bool,
    /// True when the theme is gone from the config.
    pub removed: bool,
    /// Sessions added.
    pub added: Vec<String>,
    /// Sessions cancelled (removed before their plan).
    pub cancelled: Vec<String>,
    /// Queued sessions given the edited spec (tier, scale, seeds).
    pub respecified: usize,
    /// Sessions a lower count would cancel, but already past planning: they finish.
    pub kept_past_planning: usize,
}

impl ThemeReconcile {
    /// True when nothing changed.
    pub fn is_noop(&self) -> bool {
        !self.new_theme
            && self.added.is_empty()
            && self.cancelled.is_empty()
            && self.respecified == 0
            && self.kept_past_planning == 0
    }
}

impl Trees<'_> {
    /// Removes a session's record, its index entry, its count and its usage.
    fn remove(&self, session: &Session) -> TxResult<()> {
        self.sessions.remove(session.id.as_bytes())?;
        self.by_stage.remove(super::stage_key(
            session.stage.kind(),
            session.created_unix_ms,
            &session.id,
        ))?;
        self.add_count(session.stage.kind(), -1)?;
        self.add_usage(session.usage, -1.0)
    }
}

/// The spec a theme's sessions carry: everything of `wanted` but its count.
fn same_but_count(a: &ThemeSpec, b: &ThemeSpec) -> bool {
    a.seeds == b.seeds && a.scale == b.scale && a.tier == b.tier && a.prompt == b.prompt
}

impl Store {
    /// Brings the config's themes (`origin` `config`) to what `wanted` says, by intent (see
    /// the module doc), in one transaction, flushed. Themes of other origins (`generate`
    /// runs) are never touched. Returns one entry per theme that exists afterwards or was
    /// removed.
    pub fn reconcile_themes(
        &self,
        wanted: &[WantedTheme],
    ) -> Result<Vec<ThemeReconcile>, StoreError> {
        self.reopen_if_stale()?;
        let h = self.h()?;
        let mut records: Vec<(String, ThemeRecord)> = Vec::new();
        for item in h.themes.iter() {
            let (key, bytes) = item.map_err(|e| self.sled_err(e))?;
            let key = String::from_utf8_lossy(&key).into_owned();
            let record: ThemeRecord = decode(&key, &bytes)?;
            if record.spec.origin == "config" {
                records.push((key, record));
            }
        }
        // Oldest first, so a theme's first record is the one that grows.
        records.sort_by_key(|(_, r)| r.queued_unix_ms);
        // Which records each wanted theme claims: explicit seeds first (prompt and seeds),
        // then the others (prompt alone); a record is claimed once.
        let mut claimed: Vec<Vec<usize>> = vec![Vec::new(); wanted.len()];
        let mut taken = vec![false; records.len()];
        for explicit in [true, false] {
            for (w, want) in wanted.iter().enumerate() {
                if want.explicit_seeds != explicit {
                    continue;
                }
                for (r, (_, record)) in records.iter().enumerate() {
                    if !taken[r]
                        && record.spec.prompt == want.spec.prompt
                        && (!explicit || record.spec.seeds == want.spec.seeds)
                    {
                        taken[r] = true;
                        claimed[w].push(r);
                    }
                }
            }
        }
        // Plan every change, reading sessions outside the transaction (the Persister is the
        // only writer, so nothing moves meanwhile).
        let mut plans: Vec<Plan> = Vec::new();
        let mut new_records: Vec<(String, ThemeRecord)> = Vec::new();
        let mut updated_records: Vec<(String, ThemeRecord)> = Vec::new();
        let mut seen_new: Vec<String> = Vec::new();
        for (w, want) in wanted.iter().enumerate() {
            let spec = &want.spec;
            if claimed[w].is_empty() {
                let key = spec.key();
                if seen_new.contains(&key) {
                    continue; // The same theme twice in the config: queued once.
                }
                seen_new.push(key.clone());
                fault::hit(FaultPoint::QueueThemeBeforeWrite).map_err(StoreError::Injected)?;
                let sessions: Vec<Session> =
                    (0..spec.count).map(|i| Session::new(spec, i)).collect();
                let record = ThemeRecord {
                    spec: spec.clone(),
                    sessions: sessions.iter().map(|s| s.id.clone()).collect(),
                    queued_unix_ms: now_unix_ms(),
                };
                new_records.push((key.clone(), record));
                plans.push((
                    ThemeReconcile {
                        key,
                        prompt: spec.prompt.clone(),
                        new_theme: true,
                        added: sessions.iter().map(|s| s.id.clone()).collect(),
                        ..ThemeReconcile::default()
                    },
                    sessions,
                    Vec::new(),
                    Vec::new(),
                ));
                continue;
            }
            let mut live: Vec<Session> = Vec::new();
            for &r in &claimed[w] {
                for id in &records[r].1.sessions {
                    match self.session(id) {
                        Ok(s) => live.push(s),
                        Err(StoreError::UnknownSession(_)) => {} // cancelled earlier
                        Err(e) => return Err(e),
                    }
                }
            }
            let (primary_key, mut primary) = records[claimed[w][0]].clone();
            let mut outcome = ThemeReconcile {
                key: primary_key.clone(),
                prompt: spec.prompt.clone(),
                ..ThemeReconcile::default()
            };
            let (mut add, mut cancel, mut respec) = (Vec::new(), Vec::new(), Vec::new());
            let have = live.len() as u64;
            let want_n = u64::from(spec.count);
            if want_n > have {
                for i in 0..(want_n - have) {
                    let index = primary.sessions.len() as u32 + i as u32;
                    let mut s = Session::new(spec, index);
                    s.theme_key = primary_key.clone();
                    s.id = format!("{primary_key}-{index:03}");
                    add.push(s);
                }
                primary.sessions.extend(add.iter().map(|s| s.id.clone()));
            } else if have > want_n {
                let excess = (have - want_n) as usize;
                cancel = cancellable(&live, excess);
                outcome.kept_past_planning = excess - cancel.len();
            }
            for s in &live {
                if s.stage.kind() == StageKind::Queued
                    && !same_but_count(&s.theme, spec)
                    && !cancel.iter().any(|c| c.id == s.id)
                {
                    let mut next = s.clone();
                    next.theme = ThemeSpec {
                        count: s.theme.count,
                        ..spec.clone()
                    };
                    next.revision += 1;
                    next.updated_unix_ms = now_unix_ms();
                    respec.push((s.clone(), next));
                }
            }
            outcome.added = add.iter().map(|s| s.id.clone()).collect();
            outcome.cancelled = cancel.iter().map(|s| s.id.clone()).collect();
            outcome.respecified = respec.len();
            if !outcome.is_noop() || primary.spec != *spec {
                primary.spec = spec.clone();
                updated_records.push((primary_key, primary));
            }
            let (olds, news): (Vec<Session>, Vec<Session>) = respec.into_iter().unzip();
            let mut replace = olds;
            replace.extend(news);
            plans.push((outcome, add, cancel, replace));
        }
        // Themes gone from the config: their not-yet-planned sessions are cancelled.
        for (r, (key, record)) in records.iter().enumerate() {
            if taken[r] {
                continue;
            }
            let mut live = Vec::new();
            for id in &record.sessions {
                if let Ok(s) = self.session(id) {
                    live.push(s);
                }
            }
            let cancel = cancellable(&live, live.len());
            if cancel.is_empty() {
                continue;
            }
            plans.push((
                ThemeReconcile {
                    key: key.clone(),
                    prompt: record.spec.prompt.clone(),
                    removed: true,
                    cancelled: cancel.iter().map(|s| s.id.clone()).collect(),
                    ..ThemeReconcile::default()
                },
                Vec::new(),
                cancel,
                Vec::new(),
            ));
        }
        let theme_bytes: Vec<(String, Vec<u8>)> = new_records
            .iter()
            .chain(updated_records.iter())
            .map(|(k, r)| Ok((k.clone(), encode(k, r)?)))
            .collect::<Result<_, StoreError>>()?;
        self.transaction_with_themes(|themes, trees| {
            for (k, bytes) in &theme_bytes {
                themes.insert(k.as_bytes(), bytes.clone())?;
            }
            for (_, add, cancel, replace) in &plans {
                for s in add {
                    trees.insert_new(s)?;
                }
                for s in cancel {
                    trees.remove(s)?;
                }
                let half = replace.len() / 2;
                for (old, new) in replace[..half].iter().zip(&replace[half..]) {
                    let current = trees
                        .sessions
                        .get(old.id.as_bytes())?
                        .ok_or_else(|| tx_abort(StoreError::UnknownSession(old.id.clone())))?;
                    let current: Session = decode(&old.id, &current).map_err(tx_abort)?;
                    trees.replace(&current, new)?;
                }
            }
            Ok(())
        })?;
        self.flush()?;
        Ok(plans.into_iter().map(|(o, ..)| o).collect())
    }
}

/// One theme's planned change: its outcome, the sessions to add, to cancel, and to replace
/// (the old records, then as many new ones).
type Plan = (ThemeReconcile, Vec<Session>, Vec<Session>, Vec<Session>);

/// Up to `n` sessions that may be cancelled: queued ones first, then those waiting for
/// their plan, newest (highest index) first.
fn cancellable(live: &[Session], n: usize) -> Vec<Session> {
    let mut out: Vec<Session> = Vec::new();
    for kind in [StageKind::Queued, StageKind::Planning] {
        let mut at: Vec<&Session> = live.iter().filter(|s| s.stage.kind() == kind).collect();
        at.sort_by_key(|s| std::cmp::Reverse(s.index));
        out.extend(at.into_iter().cloned());
    }
    out.truncate(n);
    out
}
