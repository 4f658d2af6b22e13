//! The daemon loop: opens the store, starts the five supervised actors, queues the themes,
//! and then follows the run — finished sessions, a heartbeat line while work is in flight,
//! config-file changes (`run`), and stop requests (Ctrl-C/SIGTERM): the first stops new work
//! and lets in-flight steps checkpoint for a few seconds, the second exits at once.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::actors::{self, Shared};
use crate::config::{Config, ConfigWatcher, WatchEvent};
use crate::messages::{QueueThemes, ReconcileThemes, SessionEvent};
use crate::reload::{diff, ChangeClass, ConfigChange, ReloadOutcome};
use crate::session::{Session, Stage, StageKind, ThemeSpec};
use crate::status::{DaemonState, DataDirLock, ErrorKind, LockError, StatusBoard, BEAT_INTERVAL};
use crate::steps::Steps;
use crate::store::{Store, StoreError};

/// The daemon could not run.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// Another daemon runs on the data folder, or its lock cannot be taken.
    #[error(transparent)]
    Locked(#[from] LockError),
    /// The store could not be opened or read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The actors could not be reached.
    #[error("the actors stopped answering: {0}")]
    Actors(String),
    /// Themes could not be queued.
    #[error("themes could not be queued: {0}")]
    Queue(String),
}

/// What the daemon does.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Run the config's theme queue, watching the file. With `until_idle`, exit once no
    /// session is queued or open (for scripts and tests); otherwise run until stopped.
    Run {
        /// The config file to watch.
        config_path: PathBuf,
        /// Exit when there is nothing left to do.
        until_idle: bool,
    },
    /// Make `spec.count` benchmarks of one theme, then exit.
    Generate {
        /// The theme.
        spec: ThemeSpec,
    },
}

/// Builds the steps from a config: how a reload rebuilds them with new settings.
pub type StepsFactory = Arc<dyn Fn(&Config) -> Result<Arc<dyn Steps>, String> + Send + Sync>;

/// Everything the daemon needs.
pub struct DaemonOptions {
    /// Settings (the data dir among them).
    pub config: Config,
    /// What to do.
    pub mode: Mode,
    /// The work behind each stage.
    pub steps: Arc<dyn Steps>,
    /// Rebuilds the steps when a reload changes their settings; `None` keeps `steps` (tests
    /// with stand-in steps), and such a change is then logged as needing a restart.
    pub steps_factory: Option<StepsFactory>,
    /// How often a heartbeat line is logged while work is in flight.
    pub heartbeat: Duration,
    /// How long in-flight steps get to checkpoint after a stop request.
    pub shutdown_grace: Duration,
}

/// How long, after the grace, a stop waits for the actor threads before leaving a step
/// still running to the exit. With the CLI's [`SHUTDOWN_GRACE`] the whole stop stays under
/// the 4 s promised for SIGTERM.
pub const STOP_WAIT: Duration = Duration::from_millis(400);

/// How long in-flight steps get to checkpoint after SIGTERM (`run` and `generate`).
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(2_800);

/// A stop request (from a signal handler or a test).
#[derive(Debug, Clone, Copy)]
pub struct StopRequest;

/// How a run ended.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// For `generate`: the theme's sessions, finished. Empty for `run`, which keeps nothing
    /// per session in memory.
    pub finished: Vec<Session>,
    /// True when a stop request ended the run.
    pub interrupted: bool,
}

impl RunSummary {
    /// Folders of the accepted benchmarks.
    pub fn accepted_paths(&self) -> Vec<String> {
        self.finished
            .iter()
            .filter_map(|s| match &s.stage {
                Stage::Accepted { path } => Some(path.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Installs the Ctrl-C/SIGTERM handler: the first signal sends a stop request, the second
/// exits the process at once (everything acknowledged is already on disk).
pub fn install_signal_handler(stop: UnboundedSender<StopRequest>) -> Result<(), String> {
    let count = AtomicUsize::new(0);
    ctrlc::set_handler(move || {
        if count.fetch_add(1, Ordering::SeqCst) == 0 {
            let _ = stop.send(StopRequest);
        } else {
            eprintln!("benchforge: second stop signal, exiting now");
            std::process::exit(130);
        }
    })
    .map_err(|e| format!("cannot install the signal handler: {e}"))
}

/// A stop channel for [`run`].
pub fn stop_channel() -> (UnboundedSender<StopRequest>, UnboundedReceiver<StopRequest>) {
    unbounded_channel()
}

/// Runs the daemon until its mode says it is done or a stop request arrives.
pub fn run(
    options: DaemonOptions,
    stop: UnboundedReceiver<StopRequest>,
) -> Result<RunSummary, DaemonError> {
    crate::guard::install_quiet_panic_hook();
    // First the lock: a second daemon must not even open the store.
    let _lock = DataDirLock::acquire(&options.config.data_dir)?;
    let store = Arc::new(Store::open(&options.config.data_dir)?);
    let data_dir = options.config.data_dir.clone();
    let board = Arc::new(StatusBoard::new(&data_dir));
    let sweep = |when: &str| {
        let retired = crate::dataset::sweep_work(&data_dir, |id| store.session(id).ok());
        if retired > 0 {
            tracing::info!(retired, "work folders of finished sessions removed {when}");
        }
    };
    sweep("at start");
    // Half-written benchmark folders of an interrupted write: their sessions are still at
    // `persisting` and are written again from the start.
    let removed = crate::dataset::remove_temp_folders(&data_dir);
    if removed > 0 {
        tracing::info!(
            removed,
            "leftover temporary benchmark folders (.tmp-*) removed at start"
        );
    }
    let system = actix::System::new();
    let result = system.block_on(run_inside(options, store.clone(), board.clone(), stop));
    drop(system);
    sweep("at exit");
    if let Err(e) = board.write(&store, DaemonState::Stopped) {
        tracing::warn!(error = %e, "final status snapshot not written");
    }
    result
}

/// Queued and open sessions, from the store's counters.
fn count_open(store: &Store) -> Result<(u64, u64), StoreError> {
    Ok((store.count_at(StageKind::Queued)?, store.open_count()?))
}

async fn run_inside(
    options: DaemonOptions,
    store: Arc<Store>,
    board: Arc<StatusBoard>,
    mut stop: UnboundedReceiver<StopRequest>,
) -> Result<RunSummary, DaemonError> {
    let DaemonOptions {
        mut config,
        mode,
        steps,
        steps_factory,
        heartbeat,
        shutdown_grace,
    } = options;
    let shared = Arc::new(Shared::new(
        steps,
        config.data_dir.clone(),
        config.attempt_limits(),
        config.concurrency,
        board.clone(),
    ));
    let (events_tx, mut events) = unbounded_channel();
    let actors = actors::start(shared.clone(), store.clone(), events_tx);
    let persister = actors.persister.clone();

    let mut watcher = match &mode {
        Mode::Run { config_path, .. } => {
            Some((ConfigWatcher::new(config_path), config_path.clone()))
        }
        Mode::Generate { .. } => None,
    };
    // Whether the config file was missing at the last poll: its deletion and its return are
    // each logged once.
    let mut config_missing = false;
    let targets: Vec<String> = match &mode {
        Mode::Generate { spec } => persister
            .send(QueueThemes(vec![spec.clone()]))
            .await
            .map_err(|e| DaemonError::Actors(e.to_string()))?
            .map_err(DaemonError::Queue)?
            .iter()
            .flat_map(|o| o.sessions.clone())
            .collect(),
        Mode::Run { .. } => {
            // By intent, also at start: a config edited while the daemon was down is
            // applied the same way as one edited while it runs.
            persister
                .send(ReconcileThemes(config.wanted_themes()))
                .await
                .map_err(|e| DaemonError::Actors(e.to_string()))?
                .map_err(DaemonError::Queue)?;
            Vec::new()
        }
    };
    tracing::info!(
        data_dir = %config.data_dir.display(),
        concurrency = config.concurrency,
        "daemon started"
    );

    let mut summary = RunSummary::default();
    let mut heartbeat_tick = tokio::time::interval(heartbeat);
    let mut beat_tick = tokio::time::interval(BEAT_INTERVAL.min(heartbeat));
    let mut beat_failing = false;
    let mut watch_tick = tokio::time::interval(ConfigWatcher::interval(&config));
    let mut idle_tick = tokio::time::interval(Duration::from_millis(200));
    let mut stop_deadline: Option<Instant> = None;
    let until_idle = matches!(
        mode,
        Mode::Run {
            until_idle: true,
            ..
        }
    );
    loop {
        tokio::select! {
            Some(event) = events.recv() => {
                let SessionEvent::Finished(session) = event;
                // Only `generate` keeps its sessions: a long `run` keeps nothing per session
                // (each finished session's whole record, kept here, was the memory that grew
                // with every session).
                if targets.contains(&session.id) {
                    summary.finished.retain(|s| s.id != session.id);
                    summary.finished.push(session);
                }
                if !targets.is_empty() && targets.iter().all(|t| summary.finished.iter().any(|s| &s.id == t)) {
                    break;
                }
            }
            Some(StopRequest) = stop.recv() => {
                if stop_deadline.is_none() {
                    tracing::info!(grace_s = shutdown_grace.as_secs_f64(), "stop requested: no new work; letting in-flight steps checkpoint");
                    shared.shutting_down.store(true, Ordering::SeqCst);
                    stop_deadline = Some(Instant::now() + shutdown_grace);
                    summary.interrupted = true;
                }
            }
            _ = idle_tick.tick() => {
                if let Some(deadline) = stop_deadline {
                    let in_flight = shared.steps_in_flight.load(Ordering::SeqCst);
                    if in_flight == 0 || Instant::now() >= deadline {
                        tracing::info!(steps_abandoned = in_flight, "stopping");
                        break;
                    }
                } else if until_idle {
                    if let Ok((0, 0)) = count_open(&store) {
                        tracing::info!("queue empty and no session open: exiting");
                        break;
                    }
                } else if !targets.is_empty() {
                    // A target may have finished before this loop listened (e.g. resumed).
                    let done = targets.iter().all(|t| store.session(t).map(|s| s.stage.is_terminal()).unwrap_or(false));
                    if done {
                        summary.finished = targets.iter().filter_map(|t| store.session(t).ok()).collect();
                        break;
                    }
                }
            }
            _ = beat_tick.tick() => {
                // The status file's heartbeat: `status` tells a live daemon from a dead one by it.
                match board.write(&store, DaemonState::Running) {
                    Ok(_) => beat_failing = false,
                    Err(e) if !beat_failing => {
                        beat_failing = true;
                        tracing::warn!(error = %e, "heartbeat not written");
                    }
                    Err(_) => {}
                }
            }
            _ = heartbeat_tick.tick() => {
                if let Ok((queued, open)) = count_open(&store) {
                    if queued + open > 0 {
                        let status = store.status().ok().map(|s| s.sessions_per_stage).unwrap_or_default();
                        let stages: Vec<String> = status.iter().filter(|(_, n)| **n > 0).map(|(k, n)| format!("{k}={n}")).collect();
                        tracing::info!(queued, open, steps_in_flight = shared.steps_in_flight.load(Ordering::SeqCst), stages = %stages.join(" "), "heartbeat");
                    }
                }
            }
            _ = watch_tick.tick(), if watcher.is_some() && stop_deadline.is_none() => {
                let Some((watcher, path)) = watcher.as_mut() else { continue };
                let missing = !path.exists();
                if missing != config_missing {
                    config_missing = missing;
                    if missing {
                        tracing::warn!(path = %path.display(), "config file deleted: keeping the last good config and its themes; restore the file to change them");
                    } else {
                        tracing::info!(path = %path.display(), "config file restored");
                    }
                }
                let Some(event) = watcher.poll() else { continue };
                match event {
                    WatchEvent::Changed(new_config) => {
                        board.succeeded(ErrorKind::Config);
                        let outcome = apply_reload(&shared, steps_factory.as_ref(), &config, &new_config);
                        // A higher concurrency may admit queued sessions now.
                        persister.do_send(crate::messages::Admit);
                        if let ReloadOutcome::Applied { applied, .. } = &outcome {
                            if applied.iter().any(|c| c.class == ChangeClass::Live && c.key == "watch_interval_s") {
                                watch_tick = tokio::time::interval(ConfigWatcher::interval(&new_config));
                            }
                            if applied.iter().any(|c| c.class == ChangeClass::Themes) {
                                match persister.send(ReconcileThemes(new_config.wanted_themes())).await {
                                    Ok(Ok(outcomes)) => {
                                        let new = outcomes.iter().filter(|o| o.new_theme).count();
                                        let edited = outcomes.iter().filter(|o| !o.new_theme && !o.is_noop()).count();
                                        tracing::info!(new_themes = new, edited_themes = edited, "theme queue reloaded");
                                    }
                                    Ok(Err(e)) => tracing::error!(error = %e, "themes of the reloaded config not queued"),
                                    Err(e) => tracing::error!(error = %e, "persister unreachable"),
                                }
                            }
                            // Keep what needs a restart as it was; take everything else.
                            let data_dir = config.data_dir.clone();
                            config = *new_config;
                            config.data_dir = data_dir;
                        }
                    }
                    WatchEvent::Invalid(e) => {
                        tracing::error!(error = %e, "config edit is invalid; keeping the last good config");
                        board.error(ErrorKind::Config, format!("config edit ignored: {e}"));
                    }
                }
            }
        }
    }
    shared.shutting_down.store(true, Ordering::SeqCst);
    // A step still running (a simulation far past the grace) is abandoned at its last
    // checkpoint: its thread is not waited for longer than this, so a stop stays within its
    // promise.
    actors.stop(if summary.interrupted {
        STOP_WAIT
    } else {
        Duration::from_secs(2)
    });
    Ok(summary)
}

/// Applies a config edit: one log line per changed key, saying how it took effect or that it
/// needs a restart. The steps are rebuilt first when their settings changed; if that fails
/// nothing changes (rolled back).
fn apply_reload(
    shared: &Shared,
    factory: Option<&StepsFactory>,
    old: &Config,
    new: &Config,
) -> ReloadOutcome {
    let changes = diff(old, new);
    if changes.is_empty() {
        tracing::info!("config file saved without changes");
        return ReloadOutcome::Applied {
            applied: Vec::new(),
            refused: Vec::new(),
        };
    }
    let rebuild = changes.iter().any(|c| c.class == ChangeClass::NextSteps);
    let (mut applied, mut refused): (Vec<ConfigChange>, Vec<ConfigChange>) = changes
        .into_iter()
        .partition(|c| c.class != ChangeClass::NeedsRestart);
    if rebuild {
        match factory {
            Some(make) => match make(new) {
                Ok(steps) => shared.set_steps(steps),
                Err(reason) => {
                    tracing::error!(%reason, "config reload rolled back: the new settings do not build; keeping the old ones");
                    return ReloadOutcome::RolledBack { reason };
                }
            },
            None => {
                // Stand-in steps cannot be rebuilt: their settings wait for a restart.
                let (kept, moved): (Vec<ConfigChange>, Vec<ConfigChange>) = applied
                    .into_iter()
                    .partition(|c| c.class != ChangeClass::NextSteps);
                applied = kept;
                refused.extend(moved.into_iter().map(|c| ConfigChange {
                    class: ChangeClass::NeedsRestart,
                    ..c
                }));
            }
        }
    }
    crate::limits::install(new.limits);
    shared.set_attempt_limits(new.attempt_limits());
    shared
        .concurrency
        .store(new.concurrency.max(1), Ordering::SeqCst);
    for change in &applied {
        tracing::info!(key = %change.key, "config change {change}");
    }
    for change in &refused {
        tracing::warn!(key = %change.key, "config change {change}");
    }
    ReloadOutcome::Applied { applied, refused }
}
