//! `report.html`: one static, self-contained page about a dataset — the acceptance funnel,
//! histograms of archetype, difficulty and solver success, and one card per benchmark with
//! its theme, plan, contact sheet, seed-0 GIF, baselines, budget and files. No server and
//! no external assets: CSS and script are inline, images are relative links into the data
//! dir (the page is written there). A small inline script marks the page when every image
//! has loaded (`data-images="ok"` on `<body>`), so a headless browser can check it.

pub mod data;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub use data::{collect, BenchmarkEntry, Dataset, Funnel, ReportError};

/// The report's file name inside the data dir.
pub const REPORT_FILE: &str = "report.html";

/// Escapes text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a relative path for an `href`/`src` (keeps `/`, letters, digits, `-_.~`).
fn url(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

const STYLE: &str = r#"
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#f6f7f9}
h1{margin:.2rem 0}h2{margin-top:2rem}
section.panel{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:1rem;margin:.8rem 0}
.row{display:flex;gap:1rem;flex-wrap:wrap}
.bar{display:flex;align-items:center;gap:.5rem;margin:.15rem 0;font-size:.9rem}
.bar .label{width:16rem;text-align:right}
.bar .fill{background:#4a7bd0;height:1rem;border-radius:2px}
.bar .n{color:#555}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(26rem,1fr));gap:1rem}
.card{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:1rem}
.card h3{margin:.1rem 0 .4rem 0;font-size:1.05rem}
.card img{max-width:100%;border:1px solid #ccc;border-radius:3px}
.media{display:flex;gap:.5rem}.media figure{margin:0;flex:1}
figcaption{font-size:.75rem;color:#555}
table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0}
td,th{border:1px solid #ddd;padding:.15rem .4rem;text-align:left}
.bad{color:#b00020}.good{color:#08660d}.muted{color:#666;font-size:.85rem}
ul.files{font-size:.85rem;padding-left:1.1rem}
"#;

/// Waits for every image, then writes the outcome on `<body>`: `data-images` is `ok` when
/// all loaded, else `broken`, and `data-broken` lists the failures.
const SCRIPT: &str = r#"
(function(){
  var imgs=Array.prototype.slice.call(document.images);
  function done(){
    var bad=imgs.filter(function(i){return !(i.complete&&i.naturalWidth>0);}).map(function(i){return i.getAttribute('src');});
    document.body.setAttribute('data-images',bad.length?'broken':'ok');
    document.body.setAttribute('data-image-count',String(imgs.length));
    document.body.setAttribute('data-broken',bad.join(' '));
    document.body.setAttribute('data-cards',String(document.querySelectorAll('.card').length));
  }
  if(document.readyState==='complete'){done();}else{window.addEventListener('load',done);}
})();
"#;

fn bars(out: &mut String, title: &str, rows: &[(String, usize)]) {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let _ = writeln!(out, "<section class=\"panel\"><h3>{}</h3>", esc(title));
    if rows.is_empty() {
        out.push_str("<p class=\"muted\">nothing to show</p>");
    }
    for (label, n) in rows {
        let width = 20.0 * *n as f64 / max as f64;
        let _ = writeln!(
            out,
            "<div class=\"bar\"><span class=\"label\">{}</span><span class=\"fill\" style=\"width:{width:.2}rem\"></span><span class=\"n\">{n}</span></div>",
            esc(label)
        );
    }
    out.push_str("</section>\n");
}

/// Counts per key, keys sorted.
fn histogram(keys: impl Iterator<Item = String>) -> Vec<(String, usize)> {
    let mut map = std::collections::BTreeMap::new();
    for k in keys {
        *map.entry(k).or_insert(0usize) += 1;
    }
    map.into_iter().collect()
}

fn tier_of(b: &BenchmarkEntry) -> String {
    if let Some(w) = &b.baselines {
        return format!("tier {} (measured)", w.difficulty.tier);
    }
    match b.json["difficulty"].as_f64() {
        Some(d) => format!("planner estimate {:.1}", (d * 10.0).round() / 10.0),
        None => "not measured".into(),
    }
}

fn random_bucket(b: &BenchmarkEntry) -> String {
    match &b.baselines {
        None => "not measured".into(),
        Some(w) => {
            let r = 100.0 * w.random_success_rate;
            match r {
                0.0 => "random 0 %".into(),
                r if r < 5.0 => "random 0–5 %".into(),
                r if r < 10.0 => "random 5–10 %".into(),
                r if r <= 20.0 => "random 10–20 %".into(),
                _ => "random > 20 % (trivial)".into(),
            }
        }
    }
}

fn num(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::Null => "–".into(),
        other => esc(&other.to_string()),
    }
}

fn card(out: &mut String, b: &BenchmarkEntry) {
    let plan = &b.json["plan"];
    let _ = writeln!(
        out,
        "<article class=\"card\" id=\"{}\"><h3>{}</h3>",
        esc(&b.id),
        esc(&b.theme)
    );
    let _ = writeln!(
        out,
        "<p class=\"muted\">{} · archetype <b>{}</b> · {}</p>",
        esc(&b.id),
        esc(&b.archetype()),
        esc(&tier_of(b))
    );
    if let Some(title) = plan["title"].as_str() {
        let _ = writeln!(out, "<p><b>{}</b></p>", esc(title));
    }
    for (key, label) in [
        ("learning_objective", "Intent"),
        ("solution_idea", "Reference idea"),
    ] {
        if let Some(text) = plan[key].as_str() {
            let _ = writeln!(out, "<p>{label}: {}</p>", esc(text));
        }
    }
    out.push_str("<div class=\"media\">");
    for (path, caption) in [
        (&b.contact_sheet, "contact sheet, seed 0"),
        (&b.gif, "simulation, seed 0"),
    ] {
        match path {
            Some(p) => {
                let _ = write!(
                    out,
                    "<figure><a href=\"{0}\"><img src=\"{0}\" alt=\"{1}\"></a><figcaption>{1}</figcaption></figure>",
                    url(p),
                    caption
                );
            }
            None => {
                let _ = write!(out, "<figure><p class=\"muted\">no {caption}</p></figure>");
            }
        }
    }
    out.push_str("</div>\n");
    match &b.baselines {
        None => out.push_str("<p class=\"muted\">baselines: not measured (run <code>benchforge report --baselines</code>)</p>"),
        Some(w) => {
            let verdict = if w.passed() {
                "<span class=\"good\">worth solving</span>".to_string()
            } else {
                format!(
                    "<span class=\"bad\">refused: {}</span>",
                    esc(&w
                        .findings
                        .iter()
                        .map(|f| f.rule.as_str())
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect::<Vec<_>>()
                        .join(", "))
                )
            };
            let _ = writeln!(
                out,
                "<p>Baselines: {verdict} · difficulty {:.2} (tier {}) · random {:.1} % · build zone {:.0} % of bounds · held-out failures {}/{}</p>",
                w.difficulty.score,
                w.difficulty.tier,
                100.0 * w.random_success_rate,
                100.0 * w.build_zone_fraction,
                w.held_out.failures.len(),
                w.held_out.seeds.len()
            );
            out.push_str("<table><tr><th>seed</th><th>do nothing</th><th>naive chute</th><th>random</th><th>reference</th></tr>");
            let yes = |b: bool| if b { "solved" } else { "–" };
            for s in &w.seeds {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}/{} ({:.1} %)</td><td>{}</td></tr>",
                    s.seed,
                    yes(s.do_nothing_solved),
                    yes(s.naive_solved),
                    s.random_solved,
                    s.random_attempts,
                    100.0 * s.random_success_rate,
                    yes(s.reference_solved)
                );
            }
            out.push_str("</table>\n");
            for f in &w.findings {
                let _ = writeln!(out, "<p class=\"bad\">{}: {}</p>", esc(&f.rule), esc(&f.message));
            }
        }
    }
    out.push_str(&solution_budget_line(&b.json));
    let t = &b.json["telemetry"];
    let _ = writeln!(
        out,
        "<p class=\"muted\">Budget: {} prompt + {} completion tokens in {} agent calls · {} plans, {} scripts, {} simulations, {} review rounds · {} s</p>",
        num(&t["usage"]["prompt_tokens"]),
        num(&t["usage"]["completion_tokens"]),
        num(&t["usage"]["calls"]),
        num(&t["attempts"]["plans"]),
        num(&t["attempts"]["scripts"]),
        num(&t["attempts"]["simulations"]),
        num(&t["review_rounds"]),
        num(&t["duration_s"])
    );
    out.push_str("<ul class=\"files\">");
    for f in &b.files {
        let name = f.rsplit('/').next().unwrap_or(f);
        let _ = write!(out, "<li><a href=\"{}\">{}</a></li>", url(f), esc(name));
    }
    let _ = writeln!(
        out,
        "<li><a href=\"{}/\">folder</a></li></ul></article>",
        url(&b.rel_dir)
    );
}

/// The whole page.
pub fn render_html(data: &Dataset) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>benchforge report</title>\
         <link rel=\"icon\" href=\"data:,\"><style>{STYLE}</style></head><body>\n"
    );
    let _ = writeln!(
        out,
        "<h1>benchforge report</h1><p class=\"muted\">{} · {} accepted benchmark(s) · benchforge {}</p>",
        esc(&data.data_dir.display().to_string()),
        data.benchmarks.len(),
        env!("CARGO_PKG_VERSION")
    );
    out.push_str("<h2>Acceptance funnel</h2>");
    bars(
        &mut out,
        &format!("Sessions per step ({})", data.funnel.source),
        &data.funnel.steps,
    );
    bars(&mut out, "Main rejection reasons", &data.funnel.reasons);
    out.push_str("<h2>Histograms</h2><div class=\"row\">");
    let b = &data.benchmarks;
    bars(
        &mut out,
        "Archetype",
        &histogram(b.iter().map(|e| e.archetype())),
    );
    bars(&mut out, "Difficulty", &histogram(b.iter().map(tier_of)));
    bars(
        &mut out,
        "Random-builder success",
        &histogram(b.iter().map(random_bucket)),
    );
    let measured: Vec<_> = b.iter().filter_map(|e| e.baselines.as_ref()).collect();
    let solved_by = |f: &dyn Fn(&crate::baselines::WorthReport) -> bool| {
        measured.iter().filter(|w| f(w)).count()
    };
    bars(
        &mut out,
        &format!("Solved on any seed (of {} measured)", measured.len()),
        &[
            (
                "do nothing".into(),
                solved_by(&|w| w.seeds.iter().any(|s| s.do_nothing_solved)),
            ),
            (
                "naive chute".into(),
                solved_by(&|w| w.seeds.iter().any(|s| s.naive_solved)),
            ),
            (
                "random builders".into(),
                solved_by(&|w| w.seeds.iter().any(|s| s.random_solved > 0)),
            ),
            (
                "reference, all seeds".into(),
                solved_by(&|w| w.seeds.iter().all(|s| s.reference_solved)),
            ),
        ],
    );
    out.push_str("</div><h2>Benchmarks</h2><div class=\"cards\">\n");
    for entry in b {
        card(&mut out, entry);
    }
    let _ = write!(out, "</div>\n<script>{SCRIPT}</script>\n</body></html>\n");
    out
}

/// Reads `data_dir` and writes `<data_dir>/report.html`; returns its path.
pub fn write_report(data_dir: &Path) -> Result<PathBuf, ReportError> {
    let data = collect(data_dir)?;
    let path = data_dir.join(REPORT_FILE);
    std::fs::write(&path, render_html(&data)).map_err(|source| ReportError::Io {
        action: "write",
        path: path.display().to_string(),
        source,
    })?;
    Ok(path)
}

/// The benchmark's solution budget beside what the reference solution used (`benchmark.json`
/// → `budget`, `reference_use.most`), one paragraph; a note when it records none.
fn solution_budget_line(json: &Value) -> String {
    use crate::budget::{Budget, BudgetUse, Quantity};
    let Some(budget) = serde_json::from_value::<Budget>(json["budget"].clone())
        .ok()
        .filter(|b| !b.is_empty())
    else {
        return "<p class=\"muted\">Solution budget: not recorded</p>\n".into();
    };
    let most: Option<BudgetUse> =
        serde_json::from_value(json["reference_use"]["most"].clone()).ok();
    let items: Vec<String> = Quantity::ALL
        .iter()
        .map(|q| {
            let cap = budget
                .cap(*q)
                .map_or_else(|| "no cap".to_string(), |c| format!("≤ {}", q.show(c)));
            let used = most
                .as_ref()
                .and_then(|m| m.get(*q))
                .map_or_else(String::new, |u| format!(" (reference {})", q.show(u)));
            format!("{} {cap}{used}", q.words())
        })
        .collect();
    format!("<p>Solution budget: {}</p>\n", esc(&items.join(" · ")))
}
