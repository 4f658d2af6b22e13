//! Everything that can go wrong with a scene script, each as one line that names the
//! problem, where it is, and what to write instead.

use rhai::{EvalAltResult, ParseErrorType, Position};

use super::limits::Limit;
use super::suggest;

/// A scene script that cannot be used. `line` is 1-based; `None` when unknown.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScriptError {
    /// The source does not parse.
    #[error("syntax error at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said, with a hint where we have one.
        message: String,
    },
    /// No `fn build(seed, scale)` in the script.
    #[error("{0}")]
    MissingBuild(String),
    /// `build` or `solve` returned something other than a scene or a solution.
    #[error("{function} returned {returned}; {instead}")]
    WrongReturnType {
        /// `build` or `solve`.
        function: String,
        /// What it returned, in words (e.g. "an integer (42)").
        returned: String,
        /// What to write instead.
        instead: String,
    },
    /// A sandbox limit was exceeded.
    #[error("{}{} exceeded{}", .limit.describe(), at_line(*.line), detail_suffix(.detail))]
    LimitExceeded {
        /// Which limit.
        limit: Limit,
        /// Where, when known.
        line: Option<usize>,
        /// More context, possibly empty.
        detail: String,
    },
    /// A function that does not exist, or a call with the wrong arguments.
    #[error("{}{message}", line_prefix(*.line))]
    ApiMisuse {
        /// Where, when known.
        line: Option<usize>,
        /// What is wrong and what to write instead.
        message: String,
    },
    /// A value the scene cannot hold (NaN, negative size, unknown material, bad label, ...).
    #[error("{}{message}", line_prefix(*.line))]
    BadValue {
        /// Where, when known.
        line: Option<usize>,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// Any other runtime error of the script (index out of bounds, `throw`, type mismatch).
    #[error("{}{message}", line_prefix(*.line))]
    Runtime {
        /// Where, when known.
        line: Option<usize>,
        /// What Rhai reported.
        message: String,
    },
    /// The runtime itself failed (a bug in benchforge, caught instead of crashing).
    #[error("internal error while running the script: {0}")]
    Internal(String),
}

impl ScriptError {
    /// The rule id of [`ScriptError::LimitExceeded`].
    pub const LIMIT_RULE: &'static str = "limit_exceeded";

    /// A short stable id of the error kind, used as a gate finding's rule id.
    pub fn rule(&self) -> &'static str {
        match self {
            ScriptError::Syntax { .. } => "syntax_error",
            ScriptError::MissingBuild(_) => "missing_build",
            ScriptError::WrongReturnType { .. } => "wrong_return_type",
            ScriptError::LimitExceeded { .. } => Self::LIMIT_RULE,
            ScriptError::ApiMisuse { .. } => "api_misuse",
            ScriptError::BadValue { .. } => "bad_value",
            ScriptError::Runtime { .. } => "runtime_error",
            ScriptError::Internal(_) => "internal_error",
        }
    }

    /// The 1-based line the error points at, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            ScriptError::Syntax { line, .. } => Some(*line),
            ScriptError::LimitExceeded { line, .. }
            | ScriptError::ApiMisuse { line, .. }
            | ScriptError::BadValue { line, .. }
            | ScriptError::Runtime { line, .. } => *line,
            _ => None,
        }
    }
}

fn line_prefix(line: Option<usize>) -> String {
    line.map(|l| format!("line {l}: ")).unwrap_or_default()
}

fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!(" at line {l}")).unwrap_or_default()
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

/// What a scene-API function throws; carried through Rhai inside `ErrorRuntime` and turned
/// back into the matching [`ScriptError`] variant.
#[derive(Debug, Clone)]
pub(crate) enum Fault {
    Misuse(String),
    BadValue(String),
    Limit(Limit, String),
}

impl Fault {
    pub fn into_rhai(self) -> Box<EvalAltResult> {
        Box::new(EvalAltResult::ErrorRuntime(
            rhai::Dynamic::from(self),
            Position::NONE,
        ))
    }
}

/// Shorthand for a scene-API result.
pub(crate) type ApiResult<T> = Result<T, Box<EvalAltResult>>;

/// A bad-value error for the scene API.
pub(crate) fn bad_value<T>(message: impl Into<String>) -> ApiResult<T> {
    Err(Fault::BadValue(message.into()).into_rhai())
}

/// An API-misuse error for the scene API.
pub(crate) fn misuse<T>(message: impl Into<String>) -> ApiResult<T> {
    Err(Fault::Misuse(message.into()).into_rhai())
}

/// A limit error for the scene API.
pub(crate) fn over_limit<T>(limit: Limit, detail: impl Into<String>) -> ApiResult<T> {
    Err(Fault::Limit(limit, detail.into()).into_rhai())
}

fn line_of(pos: Position) -> Option<usize> {
    pos.line()
}

/// Turns a parse error into [`ScriptError`].
pub(crate) fn from_parse_error(err: rhai::ParseError) -> ScriptError {
    let pos = err.position();
    let kind = err.err_type();
    if let ParseErrorType::ExprTooDeep = kind {
        return ScriptError::LimitExceeded {
            limit: Limit::ExpressionDepth,
            line: line_of(pos),
            detail: "split the expression into several `let` statements".into(),
        };
    }
    let message = match kind {
        ParseErrorType::VariableUndefined(name) => format!(
            "variable `{name}` is not defined; declare it with `let {name} = ...;` first \
             (functions cannot see variables outside them: pass them as arguments)"
        ),
        ParseErrorType::Reserved(word) | ParseErrorType::UnknownOperator(word)
            if suggest::FORBIDDEN_WORDS.contains(&word.as_str()) =>
        {
            format!("`{word}` is not available in scene scripts (no modules, no eval, no files, no network)")
        }
        other => other.to_string(),
    };
    ScriptError::Syntax {
        line: pos.line().unwrap_or(1),
        column: pos.position().unwrap_or(1),
        message,
    }
}

/// Turns a runtime error into [`ScriptError`], looking through nested function calls to the
/// error's origin.
pub(crate) fn from_eval_error(err: &EvalAltResult) -> ScriptError {
    let mut current = err;
    let mut pos = err.position();
    while let EvalAltResult::ErrorInFunctionCall(_, _, inner, outer_pos) = current {
        if !outer_pos.is_none() {
            pos = *outer_pos;
        }
        current = inner;
        if !current.position().is_none() {
            pos = current.position();
        }
    }
    let line = line_of(pos);
    // Limit errors lose their position on the way out of Rhai; the runtime noted it.
    let limit_line = super::limits::last_line().or(line);
    let limit = |limit: Limit, detail: &str| ScriptError::LimitExceeded {
        limit,
        line: limit_line,
        detail: detail.to_string(),
    };
    match current {
        EvalAltResult::ErrorRuntime(value, _) => match value.clone().try_cast::<Fault>() {
            // Messages quote the script's own strings (labels, materials): escaped so a
            // label cannot carry a newline or a terminal escape into a log line.
            Some(Fault::Misuse(message)) => ScriptError::ApiMisuse {
                line,
                message: clean(&message),
            },
            Some(Fault::BadValue(message)) => ScriptError::BadValue {
                line,
                message: clean(&message),
            },
            Some(Fault::Limit(which, detail)) => limit(which, &clean(&detail)),
            None => ScriptError::Runtime {
                line,
                message: format!(
                    "the script threw an error: {}",
                    crate::logging::escape_control(&value.to_string())
                ),
            },
        },
        EvalAltResult::ErrorTooManyOperations(_) => limit(
            Limit::Operations,
            "the script runs too long; look for an endless loop or recursion",
        ),
        EvalAltResult::ErrorStackOverflow(_) => limit(
            Limit::CallDepth,
            "look for a function that calls itself without end",
        ),
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            let lower = what.to_ascii_lowercase();
            if lower.contains("string") {
                limit(Limit::StringSize, what)
            } else if lower.contains("map") {
                limit(Limit::MapSize, what)
            } else {
                limit(Limit::ArraySize, what)
            }
        }
        EvalAltResult::ErrorTerminated(..) => limit(
            Limit::WallClock,
            "the script runs too long; look for an endless loop",
        ),
        EvalAltResult::ErrorFunctionNotFound(signature, _) => ScriptError::ApiMisuse {
            line,
            message: suggest::unknown_function(signature),
        },
        EvalAltResult::ErrorVariableNotFound(name, _) => ScriptError::Runtime {
            line,
            message: format!("variable `{name}` is not defined; declare it with `let {name} = ...;`"),
        },
        EvalAltResult::ErrorPropertyNotFound(name, _) | EvalAltResult::ErrorDotExpr(name, _) => {
            ScriptError::ApiMisuse {
                line,
                message: format!(
                    "`{name}` is not a property of this value; scenes and parts are changed only \
                     through calls such as `scene.goal_zone(min_m, max_m)` or `p.box(size_m, center_m)`"
                ),
            }
        }
        other => ScriptError::Runtime {
            line,
            message: clean(&first_line(&other.to_string())),
        },
    }
}

fn clean(text: &str) -> String {
    crate::logging::escape_control(text).into_owned()
}

/// The first line of Rhai's message without its " (line N, position M)" suffix: the line
/// is already in front of the message.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    match line.rfind(" (line ") {
        Some(at) if line.ends_with(')') => line[..at].to_string(),
        _ => line.to_string(),
    }
}
