//! Property tests over the two parsers of untrusted text: random scene scripts built from
//! the script API with hostile values (NaN, ±1e308, huge integers, control characters,
//! nesting), and random configs built from the real keys, misspelt keys and hostile values.
//! Neither may ever panic; every refusal is one line. Bounded to a few seconds: a fixed
//! number of cases, each small.

use benchforge::config::Config;
use benchforge::script::{SceneScript, ScriptError};
use proptest::prelude::*;

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0.0".to_string()),
        Just("-1.0".to_string()),
        Just("1.0e308".to_string()),
        Just("-1.0e308".to_string()),
        Just("(0.0 / 0.0)".to_string()),
        Just("(1.0 / 0.0)".to_string()),
        Just("1.0e-9".to_string()),
        Just("9223372036854775807".to_string()),
        Just("\"0.5\"".to_string()),
        Just("[]".to_string()),
        (-2.0f64..2.0).prop_map(|v| format!("{v:.4}")),
    ]
}

fn triple() -> impl Strategy<Value = String> {
    prop_oneof![
        (number(), number(), number()).prop_map(|(a, b, c)| format!("[{a}, {b}, {c}]")),
        number(),
        Just("[[1.0, 2.0], 3.0, 4.0]".to_string()),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{1,12}".prop_map(|s| format!("\"{s}\"")),
        Just("\"a\\nb\\u001b[31m\"".to_string()),
        Just("\"\"".to_string()),
        Just("\"floor\"".to_string()),
        number(),
    ]
}

fn statement() -> impl Strategy<Value = String> {
    prop_oneof![
        (text(), text()).prop_map(|(l, m)| format!("let p = scene.fixed_part({l}, {m});")),
        (text(), text()).prop_map(|(l, m)| format!("let p = scene.dynamic_part({l}, {m});")),
        (triple(), triple()).prop_map(|(s, c)| format!("p.box({s}, {c});")),
        (number(), triple()).prop_map(|(r, c)| format!("p.sphere({r}, {c});")),
        (number(), number(), triple()).prop_map(|(r, l, c)| format!("p.cylinder({r}, {l}, {c});")),
        prop::collection::vec(triple(), 0..6)
            .prop_map(|pts| format!("p.hull([{}]);", pts.join(", "))),
        (triple(), triple()).prop_map(|(a, b)| format!("scene.goal_zone({a}, {b});")),
        (triple(), triple()).prop_map(|(a, b)| format!("scene.build_zone({a}, {b});")),
        (text(), triple(), triple())
            .prop_map(|(n, a, b)| format!("scene.forbid_zone({n}, {a}, {b});")),
        (number(), text(), triple())
            .prop_map(|(r, m, s)| format!("scene.payload_sphere({r}, {m}, {s});")),
        (number(), number()).prop_map(|(a, b)| format!("scene.payload_size_range({a}, {b});")),
        triple().prop_map(|j| format!("scene.payload_jitter({j});")),
        (text(), text(), triple(), triple(), number(), number()).prop_map(
            |(a, b, p, x, lo, hi)| {
                format!("scene.revolute_joint({a}, {b}, {p}, {x}, {lo}, {hi});")
            }
        ),
        (number(), number()).prop_map(|(a, b)| format!("let r = rng.uniform({a}, {b});")),
        (number(), number()).prop_map(|(a, b)| format!("let i = rng.integer({a}, {b});")),
        Just("let a = [1, 2]; for k in 0..20 { a = [a, a]; }".to_string()),
        Just("let d = []; for k in 0..200 { d = [d]; } let t = d.to_string();".to_string()),
        Just("let s = \"x\"; for k in 0..30 { s += s; }".to_string()),
        Just(
            "let q = [3, 1, 2]; q.sort(|x, y| y - x); let w = q.map(|x| x * 2).filter(|x| x > 2);"
                .to_string()
        ),
        Just("sleep(1.0);".to_string()),
        Just("throw \"boom\\n\\u001b[2J\";".to_string()),
    ]
}

fn script() -> impl Strategy<Value = String> {
    prop::collection::vec(statement(), 0..10).prop_map(|body| {
        format!(
            "fn build(seed, scale) {{\n let rng = generator(seed);\n let scene = new_scene([-1.0, -1.0, -0.1], [1.0, 1.0, 1.0]);\n let p = scene.fixed_part(\"base\", \"wood\");\n {}\n scene\n}}\n",
            body.join("\n ")
        )
    })
}

fn config_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("1e300".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("18446744073709551615".to_string()),
        Just("4294967296".to_string()),
        Just("\"x\\u001b[2J\\n\"".to_string()),
        Just("[]".to_string()),
        Just("{ x = 1 }".to_string()),
        (0u32..5000).prop_map(|v| v.to_string()),
        (0.0f64..100.0).prop_map(|v| format!("{v:.3}")),
    ]
}

fn config_text() -> impl Strategy<Value = String> {
    let sections = prop_oneof![
        Just(""),
        Just("[gates]"),
        Just("[render]"),
        Just("[llm]"),
        Just("[llm.coder]"),
        Just("[llm.caps]"),
        Just("[limits]"),
        Just("[agents.planner]"),
        Just("[[themes]]"),
        Just("[limitz]"),
    ];
    let keys = prop_oneof![
        Just("concurrency"),
        Just("watch_interval_s"),
        Just("seeds"),
        Just("passive_time_s"),
        Just("width_px"),
        Just("base_url"),
        Just("model"),
        Just("request_timeout_s"),
        Just("timeout_s"),
        Just("backoff_max_s"),
        Just("max_concurrent_requests"),
        Just("max_tokens"),
        Just("parts"),
        Just("joints"),
        Just("script_wall_time_s"),
        Just("answer_bytes"),
        Just("attempts"),
        Just("prompt"),
        Just("count"),
        Just("cuont"),
    ];
    prop::collection::vec(
        (
            sections,
            prop::collection::vec((keys, config_value()), 0..4),
        ),
        0..6,
    )
    .prop_map(|tables| {
        let mut text = String::from("data_dir = \"d\"\n");
        for (section, entries) in tables {
            text.push_str(section);
            text.push('\n');
            for (key, value) in entries {
                text.push_str(&format!("{key} = {value}\n"));
            }
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1000,
        max_shrink_iters: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn scripts_never_panic_and_refuse_in_one_line(source in script(), seed in 0u64..4) {
        match SceneScript::compile(&source) {
            Err(e) => prop_assert!(!e.to_string().contains('\n'), "{e}"),
            Ok(script) => {
                if let Err(e) = script.build(seed, [1.0, 1.0, 1.0]) {
                    prop_assert!(!matches!(e, ScriptError::Internal(_)), "panic: {e}\n{source}");
                    prop_assert!(!e.to_string().contains('\n'), "{e}");
                    prop_assert!(!e.to_string().contains('\u{1b}'), "{e}");
                }
            }
        }
    }

    #[test]
    fn configs_never_panic_and_every_problem_is_one_located_line(text in config_text()) {
        let lines = text.lines().count().max(1);
        if let Err(errors) = Config::parse_all(&text, "p.toml") {
            prop_assert!(!errors.0.is_empty());
            for e in &errors.0 {
                prop_assert!(e.line >= 1 && e.line <= lines + 1, "{e} in\n{text}");
                prop_assert!(!e.reason.trim().is_empty());
                prop_assert!(!e.to_string().contains('\n') && !e.to_string().contains('\u{1b}'), "{e:?}");
            }
        }
    }
}
