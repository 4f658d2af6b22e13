//! The sandbox limits of `actors/coder/api.md` ("Limits") and the per-call budget that
//! enforces the ones Rhai cannot count for us (parts, shapes, joints, wall-clock time, data
//! nesting and memory). The configurable values come from [`crate::limits::current`]; the
//! physical ranges below are fixed.
//!
//! Wall-clock time is enforced by a watchdog: each call arms an interrupt flag that a shared
//! watchdog thread raises at the call's deadline, and the engine's progress hook, which Rhai
//! runs on every operation (callbacks of `sort`, `map`, `filter`, `reduce`... included),
//! stops the script as soon as the flag is up.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Instant;

use crate::limits::Limits;

/// Largest magnitude of any coordinate or size, in metres (1 km).
pub const MAX_MAGNITUDE_M: f64 = 1_000.0;
/// Smallest size of anything, in metres (0.1 mm).
pub const MIN_SIZE_M: f64 = 1e-4;
/// Longest label or zone name, in characters.
pub const MAX_LABEL_CHARS: usize = 64;
/// Deepest nesting of arrays and maps inside one another (`[[[...]]]`): deeper values would
/// make printing, comparing and dropping them recurse without bound.
pub const MAX_DATA_NESTING: usize = 32;

/// The physical range of a joint limit: ±one turn for hinges, ±1 km for sliders.
pub fn joint_limit_range(unit: &str) -> (f64, &'static str) {
    if unit == "deg" {
        (360.0, "one full turn either way")
    } else {
        (MAX_MAGNITUDE_M, "1 km either way")
    }
}

pub use crate::limits::fmt_number;

/// Which sandbox limit a script broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// `limits.script_operations`.
    Operations,
    /// `limits.script_call_depth`.
    CallDepth,
    /// `limits.script_string_bytes`.
    StringSize,
    /// `limits.script_array_elements`.
    ArraySize,
    /// `limits.script_map_entries`.
    MapSize,
    /// `limits.parts`.
    Parts,
    /// `limits.shapes_per_part`.
    ShapesPerPart,
    /// `limits.shapes_total`.
    ShapesTotal,
    /// `limits.hull_points`.
    HullPoints,
    /// `limits.script_wall_time_s`.
    WallClock,
    /// `limits.joints`.
    Joints,
    /// `limits.script_memory_bytes`.
    Memory,
    /// [`MAX_DATA_NESTING`].
    DataNesting,
    /// Rhai's nesting limit on expressions (parse time).
    ExpressionDepth,
    /// `crate::script::MAX_SOURCE_BYTES`.
    SourceSize,
}

impl Limit {
    /// The limit in words, with its value in force, e.g. "operations limit (5000000
    /// operations, limits.script_operations)".
    pub fn describe(self) -> String {
        let l = crate::limits::current();
        match self {
            Limit::Operations => format!(
                "operations limit ({} operations, limits.script_operations)",
                l.script_operations
            ),
            Limit::CallDepth => format!(
                "call depth limit ({} nested calls, limits.script_call_depth)",
                l.script_call_depth
            ),
            Limit::StringSize => format!(
                "string size limit ({} bytes, limits.script_string_bytes)",
                l.script_string_bytes
            ),
            Limit::ArraySize => format!(
                "array size limit ({} elements, limits.script_array_elements)",
                l.script_array_elements
            ),
            Limit::MapSize => format!(
                "map size limit ({} entries, limits.script_map_entries)",
                l.script_map_entries
            ),
            Limit::Parts => format!("parts limit ({} parts per scene, limits.parts)", l.parts),
            Limit::ShapesPerPart => format!(
                "shapes per part limit ({} shapes per part, limits.shapes_per_part)",
                l.shapes_per_part
            ),
            Limit::ShapesTotal => format!(
                "total shapes limit ({} shapes, limits.shapes_total)",
                l.shapes_total
            ),
            Limit::HullPoints => format!(
                "hull points limit ({} points per hull, limits.hull_points)",
                l.hull_points
            ),
            Limit::WallClock => format!(
                "wall-clock time limit ({} s per call, limits.script_wall_time_s)",
                l.script_wall_time_s
            ),
            Limit::Joints => format!(
                "joints limit ({} joints and springs per scene, limits.joints)",
                l.joints
            ),
            Limit::Memory => format!(
                "memory limit ({} bytes estimated, limits.script_memory_bytes)",
                l.script_memory_bytes
            ),
            Limit::DataNesting => {
                format!("data nesting limit ({MAX_DATA_NESTING} levels of arrays and maps)")
            }
            Limit::ExpressionDepth => "expression nesting limit".to_string(),
            Limit::SourceSize => format!(
                "script size limit ({} bytes)",
                crate::script::MAX_SOURCE_BYTES
            ),
        }
    }
}

/// What one call of `build`/`solve` has used so far, kept per thread because a call runs
/// wholly on the thread that started it.
#[derive(Debug, Clone)]
pub(crate) struct CallBudget {
    pub limits: Limits,
    pub parts: u64,
    pub shapes: u64,
    pub joints: u64,
}

thread_local! {
    static BUDGET: RefCell<Option<CallBudget>> = const { RefCell::new(None) };
    static INTERRUPT: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
    static LAST_LINE: Cell<usize> = const { Cell::new(0) };
}

/// Records the line the script is executing. Rhai overwrites the position of a limit error
/// with the call site of the outermost function (none for `build` itself), so the runtime
/// keeps its own note of where execution was.
pub(crate) fn note_line(line: usize) {
    LAST_LINE.with(|l| l.set(line));
}

/// The last line the current call executed, if any.
pub(crate) fn last_line() -> Option<usize> {
    Some(LAST_LINE.with(Cell::get)).filter(|l| *l > 0)
}

/// Deadlines the watchdog thread watches: deadline → flags to raise.
type Deadlines = BTreeMap<(Instant, u64), Arc<AtomicBool>>;

struct Watchdog {
    deadlines: Mutex<Deadlines>,
    wake: Condvar,
}

/// The one watchdog thread of the process, started on first use.
fn watchdog() -> &'static Watchdog {
    static WATCHDOG: OnceLock<&'static Watchdog> = OnceLock::new();
    WATCHDOG.get_or_init(|| {
        let dog: &'static Watchdog = Box::leak(Box::new(Watchdog {
            deadlines: Mutex::new(BTreeMap::new()),
            wake: Condvar::new(),
        }));
        let spawned = std::thread::Builder::new()
            .name("benchforge-watchdog".into())
            .spawn(move || dog.run());
        if spawned.is_err() {
            // Without the thread the operations limit still ends every script.
            tracing::warn!("cannot start the script watchdog thread");
        }
        dog
    })
}

impl Watchdog {
    fn run(&self) {
        let mut deadlines = self.deadlines.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let now = Instant::now();
            while let Some(entry) = deadlines.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                entry.remove().store(true, Ordering::Relaxed);
            }
            deadlines = match deadlines.keys().next().map(|(at, _)| *at) {
                Some(at) => {
                    self.wake
                        .wait_timeout(deadlines, at.saturating_duration_since(now))
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
                None => self.wake.wait(deadlines).unwrap_or_else(|p| p.into_inner()),
            };
        }
    }
}

/// An armed deadline: the flag goes up when it passes; disarmed on drop.
pub(crate) struct Deadline {
    key: (Instant, u64),
    flag: Arc<AtomicBool>,
}

impl Deadline {
    /// Arms a deadline `after` from now.
    pub fn arm(after: std::time::Duration) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let key = (Instant::now() + after, NEXT.fetch_add(1, Ordering::Relaxed));
        let flag = Arc::new(AtomicBool::new(false));
        let dog = watchdog();
        dog.deadlines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, flag.clone());
        dog.wake.notify_one();
        Self { key, flag }
    }

    /// The flag the watchdog raises.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        watchdog()
            .deadlines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}

/// Starts a fresh budget for one call; the budget ends when the guard drops.
pub(crate) struct BudgetGuard {
    previous: Option<CallBudget>,
    previous_interrupt: Option<Arc<AtomicBool>>,
    _deadline: Deadline,
}

impl BudgetGuard {
    pub fn start(limits: Limits) -> Self {
        let deadline = Deadline::arm(limits.script_wall_time());
        let fresh = CallBudget {
            limits,
            parts: 0,
            shapes: 0,
            joints: 0,
        };
        let previous = BUDGET.with(|b| b.borrow_mut().replace(fresh));
        let previous_interrupt = INTERRUPT.with(|i| i.borrow_mut().replace(deadline.flag()));
        LAST_LINE.with(|l| l.set(0));
        Self {
            previous,
            previous_interrupt,
            _deadline: deadline,
        }
    }
}

impl Drop for BudgetGuard {
    fn drop(&mut self) {
        BUDGET.with(|b| *b.borrow_mut() = self.previous.take());
        INTERRUPT.with(|i| *i.borrow_mut() = self.previous_interrupt.take());
    }
}

/// True when the watchdog has interrupted the current call. Cheap enough for every
/// operation: one relaxed atomic load.
pub(crate) fn interrupted() -> bool {
    INTERRUPT.with(|i| {
        i.borrow()
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    })
}

/// The limits of the call in progress (the installed ones outside a call).
pub(crate) fn call_limits() -> Limits {
    BUDGET
        .with(|b| b.borrow().as_ref().map(|budget| budget.limits))
        .unwrap_or_else(crate::limits::current)
}

/// Counts one more part against the current call's budget; false when over the limit.
pub(crate) fn take_part() -> bool {
    take(|budget| {
        budget.parts += 1;
        budget.parts <= budget.limits.parts
    })
}

/// Counts one more shape against the current call's budget; false when over the limit.
pub(crate) fn take_shape() -> bool {
    take(|budget| {
        budget.shapes += 1;
        budget.shapes <= budget.limits.shapes_total
    })
}

/// Counts one more joint against the current call's budget; false when over the limit.
pub(crate) fn take_joint() -> bool {
    take(|budget| {
        budget.joints += 1;
        budget.joints <= budget.limits.joints
    })
}

fn take(update: impl FnOnce(&mut CallBudget) -> bool) -> bool {
    // Outside a budgeted call (never the case for scripts) nothing is counted.
    BUDGET.with(|b| b.borrow_mut().as_mut().map(update).unwrap_or(true))
}

thread_local! {
    static STEPS: Cell<u32> = const { Cell::new(0) };
}

/// How often (in script steps) the live variables are measured.
const DATA_CHECK_EVERY_STEPS: u32 = 64;

/// True once every [`DATA_CHECK_EVERY_STEPS`] steps.
pub(crate) fn data_check_due() -> bool {
    STEPS.with(|s| {
        let n = s.get().wrapping_add(1);
        s.set(n);
        n % DATA_CHECK_EVERY_STEPS == 0
    })
}

/// Rhai checks sizes only at some points (not, e.g., on `map[key] = value`), so the runtime
/// also measures every live variable together: array elements, map entries, string bytes,
/// nesting depth and an estimate of the memory they hold. Returns the limit broken, if any.
pub(crate) fn scope_data_excess(scope: &rhai::Scope) -> Option<(Limit, String)> {
    let mut totals = DataTotals::new(call_limits());
    for (name, _, value) in scope.iter_raw() {
        totals.add(value, 0);
        if let Some(limit) = totals.excess() {
            return Some((
                limit,
                format!("the variables together (last measured: `{name}`) hold too much data"),
            ));
        }
    }
    None
}

/// Measures the items of an array or map (already borrowed, not copied) the same way.
pub(crate) fn items_excess<'a>(
    items: impl ExactSizeIterator<Item = &'a rhai::Dynamic>,
    is_map: bool,
) -> Option<Limit> {
    let mut totals = DataTotals::new(call_limits());
    if is_map {
        totals.map_entries += items.len() as u64;
    } else {
        totals.array_elements += items.len() as u64;
    }
    for item in items {
        totals.add(item, 1);
    }
    totals.excess()
}

/// Bytes a value is assumed to take besides its contents (a `Dynamic` and its box).
const VALUE_OVERHEAD_BYTES: u64 = 32;

struct DataTotals {
    limits: Limits,
    array_elements: u64,
    map_entries: u64,
    string_bytes: u64,
    memory_bytes: u64,
    deepest: usize,
}

impl DataTotals {
    fn new(limits: Limits) -> Self {
        Self {
            limits,
            array_elements: 0,
            map_entries: 0,
            string_bytes: 0,
            memory_bytes: 0,
            deepest: 0,
        }
    }

    /// Adds `value` at nesting `depth`; stops as soon as a limit is exceeded, so measuring
    /// costs at most the limits, whatever the value's size.
    fn add(&mut self, value: &rhai::Dynamic, depth: usize) {
        if self.excess().is_some() {
            return;
        }
        // A variable captured by a closure is shared, and locked while a method (say `sort`
        // with a callback) works on it: reading it now would deadlock. It is measured at a
        // later check, and the method's own result is checked by Rhai.
        if value.is_shared() && value.is_locked() {
            return;
        }
        self.deepest = self.deepest.max(depth);
        self.memory_bytes += VALUE_OVERHEAD_BYTES;
        if depth > MAX_DATA_NESTING {
            return;
        }
        if let Ok(array) = value.as_array_ref() {
            self.array_elements += array.len() as u64;
            for item in array.iter() {
                self.add(item, depth + 1);
            }
        } else if let Ok(map) = value.as_map_ref() {
            self.map_entries += map.len() as u64;
            for (key, item) in map.iter() {
                self.string_bytes += key.len() as u64;
                self.memory_bytes += key.len() as u64;
                self.add(item, depth + 1);
            }
        } else if let Ok(text) = value.as_immutable_string_ref() {
            self.string_bytes += text.len() as u64;
            self.memory_bytes += text.len() as u64;
        }
    }

    fn excess(&self) -> Option<Limit> {
        if self.deepest > MAX_DATA_NESTING {
            Some(Limit::DataNesting)
        } else if self.array_elements > self.limits.script_array_elements {
            Some(Limit::ArraySize)
        } else if self.map_entries > self.limits.script_map_entries {
            Some(Limit::MapSize)
        } else if self.string_bytes > self.limits.script_string_bytes {
            Some(Limit::StringSize)
        } else if self.memory_bytes > self.limits.script_memory_bytes {
            Some(Limit::Memory)
        } else {
            None
        }
    }
}
