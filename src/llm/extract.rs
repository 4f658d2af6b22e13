//! Tolerant extraction of what a model meant from what it wrote: a JSON object from text
//! (code fences, chatter around it, trailing commas), a scene script from text (fenced or
//! not). Whatever cannot be recovered becomes an [`AnswerError`] whose words can be sent back
//! to the model.

use serde_json::Value;

use super::error::AnswerError;

/// A fenced code block: its language tag (lowercase, may be empty) and body.
#[derive(Debug, Clone, PartialEq)]
struct Fence<'a> {
    lang: String,
    body: &'a str,
}

/// The fenced blocks of `text` in order; an unclosed last fence runs to the end.
fn fences(text: &str) -> Vec<Fence<'_>> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("```") {
            match open.take() {
                None => open = Some((rest.trim().to_lowercase(), offset + line.len())),
                Some((lang, start)) => out.push(Fence {
                    lang,
                    body: &text[start..offset],
                }),
            }
        }
        offset += line.len();
    }
    if let Some((lang, start)) = open {
        out.push(Fence {
            lang,
            body: &text[start.min(text.len())..],
        });
    }
    out
}

/// Finds the end (exclusive byte index) of the JSON value opening at `start` (a `{` or `[`),
/// skipping brackets inside strings. None when it never closes.
fn balanced_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Removes commas that directly precede a closing `}` or `]` (outside strings).
pub fn remove_trailing_commas(json: &str) -> String {
    let chars: Vec<char> = json.chars().collect();
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn parse_object(candidate: &str) -> Result<Value, String> {
    let attempt = |s: &str| serde_json::from_str::<Value>(s);
    match attempt(candidate) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err("the JSON is not an object".into()),
        Err(first) => match attempt(&remove_trailing_commas(candidate)) {
            Ok(v) if v.is_object() => Ok(v),
            Ok(_) => Err("the JSON is not an object".into()),
            Err(_) => Err(first.to_string()),
        },
    }
}

/// The first JSON object in `text`: the whole text, a fenced block, or an object embedded
/// in chatter; trailing commas are forgiven. The error says what was wrong, e.g. that the
/// object never closes.
pub fn extract_json(text: &str) -> Result<Value, AnswerError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(AnswerError::Json("the answer is empty".into()));
    }
    let mut candidates: Vec<&str> = fences(text).into_iter().map(|f| f.body).collect();
    candidates.push(text);
    let mut last_error = None;
    for candidate in candidates {
        if let Ok(v) = parse_object(candidate.trim()) {
            return Ok(v);
        }
        let mut from = 0;
        while let Some(rel) = candidate[from..].find('{') {
            let start = from + rel;
            match balanced_end(candidate, start) {
                Some(end) => {
                    match parse_object(&candidate[start..end]) {
                        Ok(v) => return Ok(v),
                        Err(e) => last_error = Some(format!("the JSON object does not parse: {e}")),
                    }
                    from = end;
                }
                None => {
                    last_error.get_or_insert_with(|| {
                        "the JSON object never closes (the answer may have been cut off)".into()
                    });
                    break;
                }
            }
        }
    }
    Err(AnswerError::Json(last_error.unwrap_or_else(|| {
        "there is no `{ ... }` object in the answer".into()
    })))
}

fn defines_build(code: &str) -> bool {
    code.lines()
        .any(|l| l.trim_start().starts_with("fn build") || l.contains(" fn build("))
}

/// The scene script in `text`: the fenced block(s) defining functions (joined), or — when
/// nothing is fenced — the lines from the first `fn` (with the comments right above it) to
/// the last closing brace. Err when no `fn build` can be found.
pub fn extract_script(text: &str) -> Result<String, AnswerError> {
    let code_fences: Vec<Fence<'_>> = fences(text)
        .into_iter()
        .filter(|f| {
            matches!(
                f.lang.as_str(),
                "" | "rhai" | "rust" | "rs" | "js" | "javascript" | "c" | "text" | "txt"
            )
        })
        .collect();
    if code_fences.iter().any(|f| defines_build(f.body)) {
        let joined = code_fences
            .iter()
            .filter(|f| f.body.lines().any(|l| l.trim_start().starts_with("fn ")))
            .map(|f| f.body.trim_end())
            .collect::<Vec<_>>()
            .join("\n\n");
        return Ok(format!("{joined}\n"));
    }
    let lines: Vec<&str> = text.lines().collect();
    let Some(first_fn) = lines.iter().position(|l| l.trim_start().starts_with("fn ")) else {
        return Err(AnswerError::Script(
            "the answer defines no function; write the whole script with `fn build(seed, scale) { ... }` in one ```rhai block".into(),
        ));
    };
    let mut start = first_fn;
    while start > 0 && lines[start - 1].trim_start().starts_with("//") {
        start -= 1;
    }
    let end = lines
        .iter()
        .rposition(|l| l.trim_start().starts_with('}'))
        .filter(|&e| e >= first_fn)
        .unwrap_or(lines.len() - 1);
    let script = lines[start..=end].join("\n");
    if !defines_build(&script) {
        return Err(AnswerError::Script(
            "the answer has no `fn build(seed, scale)`; the script must define it".into(),
        ));
    }
    Ok(format!("{script}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_in_fence_with_chatter_and_trailing_commas() {
        let text = "Sure! Here is the plan:\n```json\n{\"a\": [1, 2,], \"b\": {\"c\": \"}\",},}\n```\nHope it helps.";
        let v = extract_json(text).unwrap();
        assert_eq!(v["a"], serde_json::json!([1, 2]));
        assert_eq!(v["b"]["c"], "}");
    }

    #[test]
    fn json_embedded_without_fence() {
        let v = extract_json("The answer is {\"decision\": \"approve\"} as requested.").unwrap();
        assert_eq!(v["decision"], "approve");
    }

    #[test]
    fn json_that_never_closes_says_so() {
        let err = extract_json("{\"theme\": \"gap\", \"fixtures\": [").unwrap_err();
        assert!(err.to_string().contains("never closes"), "{err}");
    }

    #[test]
    fn json_absent_or_broken_is_an_error() {
        assert!(extract_json("no json here").is_err());
        assert!(extract_json("").is_err());
        let err = extract_json("{\"a\": nope}").unwrap_err();
        assert!(err.to_string().contains("does not parse"), "{err}");
    }

    #[test]
    fn script_from_fence_among_chatter() {
        let text = "Here you go:\n```rhai\nfn build(seed, scale) {\n  new_scene([0,0,0],[1,1,1])\n}\n```\nAnd the solution:\n```rhai\nfn solve(seed, scale) { new_solution() }\n```\nThe `x` is ok.";
        let s = extract_script(text).unwrap();
        assert!(s.starts_with("fn build"));
        assert!(s.contains("fn solve"));
        assert!(!s.contains("Here you go"));
        assert!(!s.contains("```"));
    }

    #[test]
    fn script_without_fence() {
        let text = "I wrote this script.\n// layout helper\nfn layout(s) { 1 }\nfn build(seed, scale) {\n    let x = 1;\n    x\n}\nThat is all.";
        let s = extract_script(text).unwrap();
        assert!(s.starts_with("// layout helper"));
        assert!(s.trim_end().ends_with('}'));
        assert!(!s.contains("That is all"));
    }

    #[test]
    fn script_missing_build_is_an_error() {
        assert!(extract_script("no code at all").is_err());
        assert!(extract_script("```rhai\nfn solve(a, b) { 1 }\n```").is_err());
    }
}
