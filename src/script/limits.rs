//! The sandbox limits of `actors/coder/api.md` ("Limits") and the per-call budget that
//! enforces the ones Rhai cannot count for us (parts, shapes, wall-clock time).

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

/// Most Rhai operations one call of `build` or `solve` may execute.
pub const MAX_OPERATIONS: u64 = 5_000_000;
/// Deepest nesting of function calls.
pub const MAX_CALL_DEPTH: usize = 64;
/// Longest string, in characters.
pub const MAX_STRING_CHARS: usize = 10_000;
/// Largest array, in elements (nested arrays count all their elements).
pub const MAX_ARRAY_ELEMENTS: usize = 10_000;
/// Largest object map, in entries.
pub const MAX_MAP_ENTRIES: usize = 1_000;
/// Most parts (fixtures) one call may create.
pub const MAX_PARTS: usize = 500;
/// Most shapes one part may have.
pub const MAX_SHAPES_PER_PART: usize = 64;
/// Most shapes one call may create in all.
pub const MAX_SHAPES_TOTAL: usize = 4_000;
/// Most points one convex hull may have.
pub const MAX_HULL_POINTS: usize = 256;
/// Longest wall-clock time one call may take.
pub const MAX_WALL_CLOCK: Duration = Duration::from_secs(1);
/// Largest magnitude of any coordinate or size, in metres (1 km).
pub const MAX_MAGNITUDE_M: f64 = 1_000.0;
/// Smallest size of anything, in metres (0.1 mm).
pub const MIN_SIZE_M: f64 = 1e-4;
/// Longest label or zone name, in characters.
pub const MAX_LABEL_CHARS: usize = 64;

/// Which sandbox limit a script broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// [`MAX_OPERATIONS`].
    Operations,
    /// [`MAX_CALL_DEPTH`].
    CallDepth,
    /// [`MAX_STRING_CHARS`].
    StringSize,
    /// [`MAX_ARRAY_ELEMENTS`].
    ArraySize,
    /// [`MAX_MAP_ENTRIES`].
    MapSize,
    /// [`MAX_PARTS`].
    Parts,
    /// [`MAX_SHAPES_PER_PART`].
    ShapesPerPart,
    /// [`MAX_SHAPES_TOTAL`].
    ShapesTotal,
    /// [`MAX_HULL_POINTS`].
    HullPoints,
    /// [`MAX_WALL_CLOCK`].
    WallClock,
    /// Rhai's nesting limit on expressions (parse time).
    ExpressionDepth,
    /// `crate::script::MAX_SOURCE_BYTES`.
    SourceSize,
}

impl Limit {
    /// The limit in words, with its value, e.g. "operations limit (5000000 operations)".
    pub fn describe(self) -> String {
        match self {
            Limit::Operations => format!("operations limit ({MAX_OPERATIONS} operations)"),
            Limit::CallDepth => format!("call depth limit ({MAX_CALL_DEPTH} nested calls)"),
            Limit::StringSize => format!("string size limit ({MAX_STRING_CHARS} characters)"),
            Limit::ArraySize => format!("array size limit ({MAX_ARRAY_ELEMENTS} elements)"),
            Limit::MapSize => format!("map size limit ({MAX_MAP_ENTRIES} entries)"),
            Limit::Parts => format!("parts limit ({MAX_PARTS} parts per scene)"),
            Limit::ShapesPerPart => {
                format!("shapes per part limit ({MAX_SHAPES_PER_PART} shapes per part)")
            }
            Limit::ShapesTotal => format!("total shapes limit ({MAX_SHAPES_TOTAL} shapes)"),
            Limit::HullPoints => format!("hull points limit ({MAX_HULL_POINTS} points per hull)"),
            Limit::WallClock => format!(
                "wall-clock time limit ({} s per call)",
                MAX_WALL_CLOCK.as_secs_f64()
            ),
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
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallBudget {
    pub deadline: Instant,
    pub parts: usize,
    pub shapes: usize,
}

thread_local! {
    static BUDGET: RefCell<Option<CallBudget>> = const { RefCell::new(None) };
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

/// Starts a fresh budget for one call; the budget ends when the guard drops.
pub(crate) struct BudgetGuard {
    previous: Option<CallBudget>,
}

impl BudgetGuard {
    pub fn start() -> Self {
        let fresh = CallBudget {
            deadline: Instant::now() + MAX_WALL_CLOCK,
            parts: 0,
            shapes: 0,
        };
        let previous = BUDGET.with(|b| b.borrow_mut().replace(fresh));
        LAST_LINE.with(|l| l.set(0));
        Self { previous }
    }
}

impl Drop for BudgetGuard {
    fn drop(&mut self) {
        BUDGET.with(|b| *b.borrow_mut() = self.previous.take());
    }
}

/// True when the current call is past its wall-clock deadline.
pub(crate) fn past_deadline() -> bool {
    BUDGET.with(|b| {
        b.borrow()
            .map(|budget| Instant::now() > budget.deadline)
            .unwrap_or(false)
    })
}

/// Counts one more part against the current call's budget; false when over the limit.
pub(crate) fn take_part() -> bool {
    take(|budget| {
        budget.parts += 1;
        budget.parts <= MAX_PARTS
    })
}

/// Counts one more shape against the current call's budget; false when over the limit.
pub(crate) fn take_shape() -> bool {
    take(|budget| {
        budget.shapes += 1;
        budget.shapes <= MAX_SHAPES_TOTAL
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
const DATA_CHECK_EVERY_STEPS: u32 = 256;

/// True once every [`DATA_CHECK_EVERY_STEPS`] steps.
pub(crate) fn data_check_due() -> bool {
    STEPS.with(|s| {
        let n = s.get().wrapping_add(1);
        s.set(n);
        n % DATA_CHECK_EVERY_STEPS == 0
    })
}

/// Rhai checks sizes only at some points (not, e.g., on `map[key] = value`), so the runtime
/// also measures every live variable together: array elements, map entries and string
/// characters summed over the whole scope. Returns the limit broken, if any.
pub(crate) fn scope_data_excess(scope: &rhai::Scope) -> Option<(Limit, String)> {
    let mut totals = DataTotals::default();
    for (name, _, value) in scope.iter_raw() {
        totals.add(value);
        if let Some(limit) = totals.excess() {
            return Some((
                limit,
                format!("the variables together (last measured: `{name}`) hold too much data"),
            ));
        }
    }
    None
}

#[derive(Default)]
struct DataTotals {
    array_elements: usize,
    map_entries: usize,
    string_chars: usize,
}

impl DataTotals {
    fn add(&mut self, value: &rhai::Dynamic) {
        if self.excess().is_some() {
            return;
        }
        if let Ok(array) = value.as_array_ref() {
            self.array_elements += array.len();
            for item in array.iter() {
                self.add(item);
            }
        } else if let Ok(map) = value.as_map_ref() {
            self.map_entries += map.len();
            for item in map.values() {
                self.add(item);
            }
        } else if let Ok(text) = value.as_immutable_string_ref() {
            self.string_chars += text.len();
        }
    }

    fn excess(&self) -> Option<Limit> {
        if self.array_elements > MAX_ARRAY_ELEMENTS {
            Some(Limit::ArraySize)
        } else if self.map_entries > MAX_MAP_ENTRIES {
            Some(Limit::MapSize)
        } else if self.string_chars > MAX_STRING_CHARS {
            Some(Limit::StringSize)
        } else {
            None
        }
    }
}
