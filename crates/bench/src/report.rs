//! Measurements and the tables they are printed as.

use crate::queries::Class;

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ClassResult {
    pub class: Class,
    pub n: usize,
    pub p50_us: f64,
    pub p95_us: f64,
    pub p99_us: f64,
    pub answered: bool,
    pub recall5: Option<f64>,
}

impl ClassResult {
    pub fn new(class: Class, mut micros: Vec<f64>, answered: bool, recall5: Option<f64>) -> Self {
        micros.sort_by(f64::total_cmp);
        ClassResult {
            class,
            n: micros.len(),
            p50_us: percentile(&micros, 50.0),
            p95_us: percentile(&micros, 95.0),
            p99_us: percentile(&micros, 99.0),
            answered,
            recall5,
        }
    }
}

/// The `p`-th percentile of `sorted` (ascending): the value at the rounded position
/// `p`% of the way from the first to the last; NaN when empty.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((p / 100.0) * (sorted.len() - 1) as f64).round() as usize]
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct EngineRun {
    pub engine: String,
    pub size: usize,
    pub build_secs: f64,
    pub rss_mb: f64,
    pub peak_rss_mb: f64,
    pub notes: String,
    pub classes: Vec<ClassResult>,
}

fn status_kb(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .unwrap_or(f64::NAN)
}

pub fn rss_mb() -> f64 {
    status_kb("VmRSS:") / 1000.0
}

pub fn peak_rss_mb() -> f64 {
    status_kb("VmHWM:") / 1000.0
}

fn ms(us: f64) -> String {
    if us.is_nan() {
        "–".into()
    } else if us < 1000.0 {
        format!("{:.2}", us / 1000.0)
    } else {
        format!("{:.1}", us / 1000.0)
    }
}

fn ratio(theirs: f64, ours: f64) -> String {
    if theirs.is_nan() || ours.is_nan() || ours == 0.0 {
        "–".into()
    } else {
        format!("{:.1}×", theirs / ours)
    }
}

/// Markdown: a summary of builds, then per size a latency table and a recall table.
pub fn render(runs: &[EngineRun], per_class: usize) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Single-threaded, {per_class} queries per class, limit 25, total counted. Times in ms. \"cannot answer\": the engine has no way to express the class (its times, when it ran anyway, in brackets; see its recall).\n\n"
    ));
    out.push_str("| contacts | engine | build (s) | resident after build (MB) | peak resident (MB) | notes |\n|---:|---|---:|---:|---:|---|\n");
    for r in runs {
        out.push_str(&format!(
            "| {} | {} | {:.1} | {:.0} | {:.0} | {} |\n",
            r.size, r.engine, r.build_secs, r.rss_mb, r.peak_rss_mb, r.notes
        ));
    }
    let mut sizes: Vec<usize> = runs.iter().map(|r| r.size).collect();
    sizes.dedup();
    for size in sizes {
        let at: Vec<&EngineRun> = runs.iter().filter(|r| r.size == size).collect();
        let ours = at.iter().find(|r| r.engine == "Kontakt");
        let others: Vec<&&EngineRun> = at.iter().filter(|r| r.engine != "Kontakt").collect();
        out.push_str(&format!(
            "\n### {size} contacts: latency\n\n| class | Kontakt p50 / p95 / p99 |"
        ));
        for o in &others {
            out.push_str(&format!(
                " {} p50 / p95 / p99 | {} p99 ÷ Kontakt p99 |",
                o.engine, o.engine
            ));
        }
        out.push_str("\n|---|---:|");
        for _ in &others {
            out.push_str("---:|---:|");
        }
        out.push('\n');
        for class in Class::ALL {
            let cell = |r: &EngineRun| -> (String, f64) {
                match r.classes.iter().find(|c| c.class == class) {
                    Some(c) if c.answered && c.n > 0 => (
                        format!("{} / {} / {}", ms(c.p50_us), ms(c.p95_us), ms(c.p99_us)),
                        c.p99_us,
                    ),
                    Some(c) if c.n > 0 && c.recall5.is_some() => (
                        format!(
                            "cannot answer ({} / {} / {})",
                            ms(c.p50_us),
                            ms(c.p95_us),
                            ms(c.p99_us)
                        ),
                        f64::NAN,
                    ),
                    Some(c) if c.n > 0 => ("cannot answer".into(), f64::NAN),
                    _ => ("–".into(), f64::NAN),
                }
            };
            let (mine, my_p99) = ours.map(|r| cell(r)).unwrap_or(("–".into(), f64::NAN));
            out.push_str(&format!("| {} | {} |", class.label(), mine));
            for o in &others {
                let (theirs, their_p99) = cell(o);
                out.push_str(&format!(" {} | {} |", theirs, ratio(their_p99, my_p99)));
            }
            out.push('\n');
        }
        out.push_str(&format!(
            "\n### {size} contacts: recall (intended contact in the top 5)\n\n| class |"
        ));
        for r in &at {
            out.push_str(&format!(" {} |", r.engine));
        }
        out.push_str("\n|---|");
        for _ in &at {
            out.push_str("---:|");
        }
        out.push('\n');
        for class in Class::ALL.into_iter().filter(|c| c.has_recall()) {
            out.push_str(&format!("| {} |", class.label()));
            for r in &at {
                let v = r
                    .classes
                    .iter()
                    .find(|c| c.class == class)
                    .and_then(|c| c.recall5)
                    .map_or("–".into(), |v| format!("{v:.2}"));
                out.push_str(&format!(" {v} |"));
            }
            out.push('\n');
        }
    }
    out
}
