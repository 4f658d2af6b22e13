//! The sandboxed scene-script runtime: Rhai with the API of `actors/coder/api.md` and the
//! limits of its "Limits" section.
//!
//! [`SceneScript::compile`] parses once; [`SceneScript::build`] and [`SceneScript::solve`]
//! call the script's functions for one seed and scale. A script is `Send + Sync`, so the
//! simulator can evaluate seeds on several threads at once.

mod api;
mod bounded;
mod error;
pub mod limits;
pub mod scene_view;
mod suggest;
mod values;

use std::sync::{Arc, Mutex};

use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicFnPackage, BasicIteratorPackage, BasicMapPackage,
    BasicMathPackage, BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};
use rhai::{Array, CallFnOptions, Dynamic, Engine, Scope, AST, INT};

pub use error::ScriptError;
pub use limits::Limit;
pub use suggest::edit_distance;

use crate::limits::Limits;
use crate::scene::{Scene, Solution, Vec3};

/// Largest script source accepted, in bytes.
pub const MAX_SOURCE_BYTES: usize = 200_000;

/// A compiled scene script, ready to build scenes for any seed and scale.
#[derive(Debug, Clone)]
pub struct SceneScript {
    ast: AST,
    has_solve: bool,
}

/// The engine every script runs on, configured for the sandbox with `limits`; rebuilt only
/// when the limits in force change (normally never after start-up).
fn engine(in_force: &Limits) -> Arc<Engine> {
    static ENGINE: Mutex<Option<(Limits, Arc<Engine>)>> = Mutex::new(None);
    let mut cached = ENGINE.lock().unwrap_or_else(|p| p.into_inner());
    match cached.as_ref() {
        Some((built_for, engine)) if built_for == in_force => engine.clone(),
        _ => {
            let engine = Arc::new(new_engine(in_force));
            *cached = Some((*in_force, engine.clone()));
            engine
        }
    }
}

fn new_engine(in_force: &Limits) -> Engine {
    // A raw engine: no module resolver, no printing, no time functions; then only the
    // packages scripts need. Not CorePackage: its LanguageCorePackage brings `sleep` (which
    // blocks the thread past every limit), `exit`, `parse_json` and reflection; nor
    // BasicTimePackage (`timestamp` would break determinism).
    let mut engine = Engine::new_raw();
    for module in [
        ArithmeticPackage::new().as_shared_module(),
        BasicStringPackage::new().as_shared_module(),
        BasicIteratorPackage::new().as_shared_module(),
        BasicFnPackage::new().as_shared_module(),
        LogicPackage::new().as_shared_module(),
        BasicMathPackage::new().as_shared_module(),
        BasicArrayPackage::new().as_shared_module(),
        BasicMapPackage::new().as_shared_module(),
        MoreStringPackage::new().as_shared_module(),
    ] {
        engine.register_global_module(module);
    }
    let size = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    engine
        .set_max_operations(in_force.script_operations)
        .set_max_call_levels(size(in_force.script_call_depth))
        .set_max_string_size(size(in_force.script_string_bytes))
        .set_max_array_size(size(in_force.script_array_elements))
        .set_max_map_size(size(in_force.script_map_entries))
        .set_max_expr_depths(64, 32)
        .set_max_variables(1_000)
        .set_max_functions(256)
        .set_strict_variables(true);
    engine.disable_symbol("eval");
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    // Rhai calls this on every operation, in callbacks too; the watchdog raises the flag at
    // the call's deadline.
    engine.on_progress(|_| limits::interrupted().then_some(Dynamic::UNIT));
    // Step through every node to note its line for limit errors (see `note_line`) and to
    // measure the live variables now and then (see `scope_data_excess`).
    #[allow(deprecated)]
    engine.register_debugger(
        |_, debugger| debugger,
        |context, event, _, _, position| {
            if let (rhai::debugger::DebuggerEvent::Step, Some(line)) = (event, position.line()) {
                limits::note_line(line);
            }
            if limits::data_check_due() {
                if let Some((limit, detail)) = limits::scope_data_excess(context.scope()) {
                    return Err(error::Fault::Limit(limit, detail).into_rhai());
                }
            }
            Ok(rhai::debugger::DebuggerCommand::StepInto)
        },
    );
    api::register(&mut engine);
    bounded::register(&mut engine);
    scene_view::register(&mut engine);
    engine
}

impl SceneScript {
    /// Parses `source` and checks that it defines `fn build(seed, scale)` (and, if present,
    /// `fn solve(seed, scale)`) with two parameters.
    pub fn compile(source: &str) -> Result<SceneScript, ScriptError> {
        if source.len() > MAX_SOURCE_BYTES {
            return Err(ScriptError::LimitExceeded {
                limit: Limit::SourceSize,
                line: None,
                detail: format!("the script is {} bytes; shorten it", source.len()),
            });
        }
        let ast = engine(&crate::limits::current())
            .compile(source)
            .map_err(error::from_parse_error)?;
        let arity = |name: &str| {
            ast.iter_functions()
                .filter(|f| f.name == name)
                .map(|f| f.params.len())
                .collect::<Vec<_>>()
        };
        let build = arity("build");
        if !build.contains(&2) {
            return Err(ScriptError::MissingBuild(match build.first() {
                Some(n) => format!(
                    "`fn build` takes {n} parameter(s); it must be `fn build(seed, scale)` and return the scene"
                ),
                None => "the script defines no `fn build(seed, scale)`; every scene script must define it and return the scene from `new_scene`".into(),
            }));
        }
        let solve = arity("solve");
        if let Some(n) = solve.first().filter(|_| !solve.contains(&2)) {
            return Err(ScriptError::ApiMisuse {
                line: None,
                message: format!(
                    "`fn solve` takes {n} parameter(s); it must be `fn solve(seed, scale)` and return the solution"
                ),
            });
        }
        Ok(SceneScript {
            ast,
            has_solve: solve.contains(&2),
        })
    }

    /// True when the script defines `fn solve(seed, scale)`.
    pub fn has_solve(&self) -> bool {
        self.has_solve
    }

    /// Calls `build(seed, scale)` and returns the scene it built.
    pub fn build(&self, seed: u64, scale: Vec3) -> Result<Scene, ScriptError> {
        let value = self.call("build", seed, scale)?;
        let Some(handle) = value.clone().try_cast::<api::SceneHandle>() else {
            return Err(ScriptError::WrongReturnType {
                function: "build".into(),
                returned: values::describe(&value),
                instead: "end `fn build` with the scene variable on its own last line, without a semicolon: `scene`".into(),
            });
        };
        handle.finish().map_err(|message| ScriptError::ApiMisuse {
            line: None,
            message,
        })
    }

    /// Calls `solve(seed, scale)` when the script has it and returns the solution: its parts
    /// as fixtures (body pose at each part's first shape, shapes relative to it) and its
    /// joints.
    pub fn solve(&self, seed: u64, scale: Vec3) -> Result<Option<Solution>, ScriptError> {
        if !self.has_solve {
            return Ok(None);
        }
        let value = self.call("solve", seed, scale)?;
        let Some(handle) = value.clone().try_cast::<api::SolutionHandle>() else {
            return Err(ScriptError::WrongReturnType {
                function: "solve".into(),
                returned: values::describe(&value),
                instead: "start `fn solve` with `let solution = new_solution();`, add parts with `solution.fixed_part(label, material)`, and end it with `solution` on its own last line".into(),
            });
        };
        let parts = handle
            .parts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .to_fixtures()
            .map_err(|message| ScriptError::ApiMisuse {
                line: None,
                message,
            })?;
        Ok(Some(Solution {
            parts,
            joints: handle.joints(),
            springs: handle.springs(),
        }))
    }

    fn call(&self, name: &str, seed: u64, scale: Vec3) -> Result<Dynamic, ScriptError> {
        let in_force = crate::limits::current();
        let engine = engine(&in_force);
        let _budget = limits::BudgetGuard::start(in_force);
        let scale: Array = scale.iter().map(|v| Dynamic::from_float(*v)).collect();
        let seed = seed as INT;
        let result = crate::guard::catch_panic(|| {
            let mut scope = Scope::new();
            // Top-level statements never run: only `build`/`solve` and what they call.
            let options = CallFnOptions::new().eval_ast(false).rewind_scope(false);
            engine.call_fn_with_options::<Dynamic>(
                options,
                &mut scope,
                &self.ast,
                name,
                (seed, scale),
            )
        })
        .map_err(ScriptError::Internal)?;
        result.map_err(|err| error::from_eval_error(&err))
    }
}

#[cfg(test)]
mod tests;
