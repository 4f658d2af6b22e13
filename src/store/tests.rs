use super::*;
use crate::session::Stage;
use crate::variant::ScaleRanges;

pub(crate) fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "benchforge-store-{name}-{}-{}",
        std::process::id(),
        now_unix_ms()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn theme(prompt: &str, count: u32) -> ThemeSpec {
    ThemeSpec {
        prompt: prompt.into(),
        count,
        seeds: vec![0, 1],
        scale: Some(ScaleRanges::default()),
        tier: None,
        origin: "config".into(),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dst = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &dst);
        } else {
            std::fs::copy(entry.path(), dst).unwrap();
        }
    }
}

#[test]
fn a_session_round_trips_with_its_version_byte() {
    let mut s = Session::new(&theme("gap", 1), 0);
    s.stage = Stage::Failed { reason: "x".into() };
    s.feedback.push("simulator: overlap".into());
    let bytes = encode("k", &s).unwrap();
    assert_eq!(u32::from(bytes[0]), FORMAT_VERSION);
    let back: Session = decode("k", &bytes).unwrap();
    assert_eq!(back, s);
    // A record of another version is refused by name, never misread.
    let mut other = bytes.clone();
    other[0] = 1;
    let e = decode::<Session>("k", &other).unwrap_err().to_string();
    assert!(e.contains("format version 1"), "{e}");
}

#[test]
fn queuing_a_theme_twice_creates_its_sessions_once_and_survives_reopen() {
    let dir = temp_dir("queue");
    {
        let store = Store::open(&dir).unwrap();
        let first = store.queue_theme(&theme("gap", 3)).unwrap();
        assert!(first.newly_queued);
        assert_eq!(first.sessions.len(), 3);
        let again = store.queue_theme(&theme("gap", 3)).unwrap();
        assert!(!again.newly_queued);
        assert_eq!(again.sessions, first.sessions);
    }
    let store = Store::open(&dir).unwrap();
    assert_eq!(store.sessions().unwrap().len(), 3);
    assert_eq!(store.waiting_at(StageKind::Queued).unwrap().len(), 3);
    assert_eq!(store.count_at(StageKind::Queued).unwrap(), 3);
    assert!(store.queue_theme(&theme("gap", 2)).unwrap().newly_queued);
    assert_eq!(store.sessions().unwrap().len(), 5);
    store.check_consistency().unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn commit_moves_the_index_entry_and_the_counts_and_refuses_stale_results() {
    let dir = temp_dir("commit");
    let store = Store::open(&dir).unwrap();
    let out = store.queue_theme(&theme("wall", 2)).unwrap();
    let s = store.session(&out.sessions[0]).unwrap();
    let mut next = s.clone();
    next.stage = Stage::Planning;
    next.usage.input_tokens = 40;
    let stored = store.commit(&next).unwrap();
    assert_eq!(stored.revision, 1);
    let mut stale = s.clone();
    stale.stage = Stage::Coding { attempt: 1 };
    assert!(matches!(
        store.commit(&stale),
        Err(StoreError::Stale { .. })
    ));
    assert_eq!(store.session(&s.id).unwrap().stage, Stage::Planning);
    assert_eq!(
        store.ids_at(StageKind::Planning, 10).unwrap(),
        vec![s.id.clone()]
    );
    assert_eq!(
        store.ids_at(StageKind::Queued, 10).unwrap(),
        vec![out.sessions[1].clone()]
    );
    assert_eq!(store.open_count().unwrap(), 1);
    let status = store.write_snapshot().unwrap();
    assert_eq!(status.sessions_per_stage["planning"], 1);
    assert_eq!(status.sessions_per_stage["queued"], 1);
    assert_eq!(status.usage.input_tokens, 40);
    assert_eq!(
        read_snapshot(&dir).unwrap().sessions_per_stage["planning"],
        1
    );
    // Usage is a total, not a sum of every revision.
    let mut again = stored.clone();
    again.usage.input_tokens = 50;
    store.commit(&again).unwrap();
    assert_eq!(store.status().unwrap().usage.input_tokens, 50);
    store.check_consistency().unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_dump_lists_every_record_and_index_entry() {
    let dir = temp_dir("dump");
    let store = Store::open(&dir).unwrap();
    let out = store.queue_theme(&theme("dump", 1)).unwrap();
    let mut s = store.session(&out.sessions[0]).unwrap();
    s.stage = Stage::Planning;
    store.commit(&s).unwrap();
    let text = store.dump().unwrap();
    let id = &out.sessions[0];
    assert_eq!(
        text,
        format!(
            "format_version {FORMAT_VERSION}\ntheme {key} count=1 sessions={id}\nsession {id} rev=1 stage=planning plans=0 scripts=0 reviews=0\nby_stage planning {id}\ncount planning 1\n",
            key = out.theme_key
        )
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A store written by benchforge before versioning (format 1, checked in as a fixture: the
/// `generate` of the first landing, one accepted benchmark and one queued theme) opens,
/// migrates once with every session readable at its stage, and reopens without migrating
/// again.
#[test]
fn a_version_1_store_is_migrated_once_and_keeps_every_session() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/store-v1");
    let expected_path = fixture.join("expected.txt");
    let dir = temp_dir("v1");
    copy_dir(&fixture, &dir.join("state"));
    let _ = std::fs::remove_file(dir.join("state").join("expected.txt"));
    let expected = std::fs::read_to_string(expected_path).unwrap();
    {
        let store = Store::open(&dir).unwrap();
        assert_eq!(
            versioning::stored_version(&store).unwrap(),
            Some(FORMAT_VERSION)
        );
        store.check_consistency().unwrap();
        let sessions = store.sessions().unwrap();
        let stages: Vec<String> = sessions
            .iter()
            .map(|s| format!("{} {}", s.id, s.stage.kind().name()))
            .collect();
        assert_eq!(
            stages.join("\n"),
            expected.trim(),
            "{}",
            store.dump().unwrap()
        );
        let accepted: Vec<&Session> = sessions
            .iter()
            .filter(|s| s.stage.kind() == StageKind::Accepted)
            .collect();
        assert!(!accepted.is_empty());
        for s in accepted {
            // Version 1 plans carry no intent, so they do not fit today's `Plan`: dropped,
            // and said so in the journal, never guessed.
            assert!(s.plan.is_none(), "{}", s.id);
            assert!(s.journal.iter().any(|e| e
                .result
                .contains("the stored plan does not fit this version")));
            assert!(s
                .script
                .as_ref()
                .is_some_and(|d| d.source.contains("fn build")));
            assert!(s.validation().is_some_and(|r| r.passed()), "{}", s.id);
        }
    }
    let store = Store::open(&dir).unwrap();
    store.check_consistency().unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

/// A store written by the version-2 binary (main at 34bec6b, `benchforge generate` of a gap
/// crossing ×2, a hinged flap and two refused themes, checked in as a fixture) opens,
/// migrates once with every session at its stage and every accepted plan kept, each fixture
/// unrotated with no pieces (one box filling its bounding size) and no joints, and reopens
/// without migrating again.
#[test]
fn a_version_2_store_is_migrated_once_and_keeps_every_plan() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/store-v2");
    let expected = std::fs::read_to_string(fixture.join("expected.txt")).unwrap();
    let dir = temp_dir("v2");
    copy_dir(&fixture, &dir.join("state"));
    let _ = std::fs::remove_file(dir.join("state").join("expected.txt"));
    let before = {
        let store = Store::open(&dir).unwrap();
        assert_eq!(
            versioning::stored_version(&store).unwrap(),
            Some(FORMAT_VERSION)
        );
        store.check_consistency().unwrap();
        let sessions = store.sessions().unwrap();
        let stages: Vec<String> = sessions
            .iter()
            .map(|s| format!("{} {}", s.id, s.stage.kind().name()))
            .collect();
        assert_eq!(
            stages.join("\n"),
            expected.trim(),
            "{}",
            store.dump().unwrap()
        );
        let accepted: Vec<&Session> = sessions
            .iter()
            .filter(|s| s.stage.kind() == StageKind::Accepted)
            .collect();
        assert_eq!(accepted.len(), 3);
        for s in accepted {
            let plan = s.plan.as_ref().expect("a version 2 plan is kept");
            assert!(!plan.fixtures.is_empty(), "{}", s.id);
            for f in &plan.fixtures {
                assert_eq!(f.rotation_deg, [0.0; 3]);
                assert!(f.pieces.is_empty());
                assert!(f.size_m.iter().all(|v| *v > 0.0), "{}: {f:?}", s.id);
            }
            assert!(plan.joints.is_empty());
            assert!(s.validation().is_some_and(|r| r.passed()), "{}", s.id);
        }
        store.dump().unwrap()
    };
    let store = Store::open(&dir).unwrap();
    store.check_consistency().unwrap();
    assert_eq!(
        store.dump().unwrap(),
        before,
        "a second open changed the store"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_store_of_a_newer_format_is_refused_naming_both_versions() {
    let dir = temp_dir("newer");
    {
        let store = Store::open(&dir).unwrap();
        store
            .h()
            .unwrap()
            .meta
            .insert("format_version", &(FORMAT_VERSION + 1).to_be_bytes())
            .unwrap();
        store.flush().unwrap();
    }
    let e = match Store::open(&dir) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a newer store was opened"),
    };
    assert!(
        e.contains(&format!("format version {}", FORMAT_VERSION + 1))
            && e.contains(&format!("up to {FORMAT_VERSION}")),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

fn wanted(prompt: &str, count: u32, tier: Option<&str>) -> WantedTheme {
    WantedTheme {
        spec: ThemeSpec {
            tier: tier.map(String::from),
            ..theme(prompt, count)
        },
        explicit_seeds: false,
    }
}

#[test]
fn config_edits_act_by_intent_count_difference_tier_on_queued_and_removal_cancels() {
    let dir = temp_dir("intent");
    let store = Store::open(&dir).unwrap();
    let first = store.reconcile_themes(&[wanted("gap", 3, None)]).unwrap();
    assert!(first[0].new_theme);
    assert_eq!(store.sessions().unwrap().len(), 3);
    // Admit one, so it is past queued.
    let s0 = store.session(&first[0].added[0]).unwrap();
    let mut planned = s0.clone();
    planned.stage = Stage::Coding { attempt: 1 };
    store.commit(&planned).unwrap();
    // count 3 -> 4: exactly one more session, on the same theme record and key.
    let up = store.reconcile_themes(&[wanted("gap", 4, None)]).unwrap();
    assert_eq!(up[0].added.len(), 1, "{up:?}");
    assert!(!up[0].new_theme);
    assert_eq!(up[0].added[0], format!("{}-003", first[0].key));
    assert_eq!(store.sessions().unwrap().len(), 4);
    assert_eq!(store.themes().unwrap().len(), 1);
    // Saved again unchanged: nothing.
    assert!(store.reconcile_themes(&[wanted("gap", 4, None)]).unwrap()[0].is_noop());
    // tier edited: the queued sessions take it, the one past planning keeps its spec, and
    // no session is added.
    let tiered = store
        .reconcile_themes(&[wanted("gap", 4, Some("hard"))])
        .unwrap();
    assert_eq!(tiered[0].respecified, 3, "{tiered:?}");
    assert!(tiered[0].added.is_empty());
    for s in store.sessions().unwrap() {
        let expect = (s.stage == Stage::Queued).then(|| "hard".to_string());
        assert_eq!(s.theme.tier, expect, "{}", s.id);
    }
    // count 4 -> 1: the three queued are cancelled, newest first; the coding one stays.
    let down = store
        .reconcile_themes(&[wanted("gap", 1, Some("hard"))])
        .unwrap();
    assert_eq!(down[0].cancelled.len(), 3, "{down:?}");
    assert_eq!(store.sessions().unwrap().len(), 1);
    store.check_consistency().unwrap();
    // Back to 2: a new id, never a reused one.
    let again = store
        .reconcile_themes(&[wanted("gap", 2, Some("hard"))])
        .unwrap();
    assert_eq!(again[0].added, vec![format!("{}-004", first[0].key)]);
    // A second theme, then removed: its unplanned sessions are cancelled; the first theme
    // is untouched.
    store
        .reconcile_themes(&[wanted("gap", 2, Some("hard")), wanted("shelf", 2, None)])
        .unwrap();
    assert_eq!(store.sessions().unwrap().len(), 4);
    let removed = store
        .reconcile_themes(&[wanted("gap", 2, Some("hard"))])
        .unwrap();
    let gone = removed.iter().find(|o| o.removed).unwrap();
    assert_eq!(gone.prompt, "shelf");
    assert_eq!(gone.cancelled.len(), 2);
    assert_eq!(store.sessions().unwrap().len(), 2);
    store.check_consistency().unwrap();
    // A generate run's theme is never touched by the config.
    let mut one_off = theme("gap", 1);
    one_off.origin = "generate-1".into();
    store.queue_theme(&one_off).unwrap();
    store
        .reconcile_themes(&[wanted("gap", 2, Some("hard"))])
        .unwrap();
    assert_eq!(store.sessions().unwrap().len(), 3);
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}
