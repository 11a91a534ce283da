//! Native timings of every lesson's default run (release), one JSON object per line: the time to
//! the first output (what a slider move waits for before the first redraw) and to the end of the
//! run. The same runs in Chromium are timed by bench/browser.mjs.

use receval::config::Value;
use receval::lessons::{self, Data, DataFile};
use std::path::PathBuf;
use std::time::Instant;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The default state of a lesson, from its JSON spec (as the page builds it).
fn spec(slug: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(root().join(format!("www/lessons/{slug}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::String(s) => Value::String(s.clone()),
        n => Value::Number(n.as_f64().unwrap()),
    }
}

/// Every state a learner reaches in one click: the defaults, then each preset over them.
fn states(slug: &str) -> Vec<(String, Value)> {
    let spec = spec(slug);
    let base = defaults(slug);
    let mut out = vec![("default".to_string(), base.clone())];
    for p in spec["presets"].as_array().into_iter().flatten() {
        let Value::Object(mut m) = base.clone() else { unreachable!() };
        for (k, v) in p["state"].as_object().unwrap() {
            match m.iter_mut().find(|(key, _)| key == k) {
                Some(slot) => slot.1 = value(v),
                None => m.push((k.clone(), value(v))),
            }
        }
        out.push((p["id"].as_str().unwrap().to_string(), Value::Object(m)));
    }
    out
}

fn defaults(slug: &str) -> Value {
    let spec = spec(slug);
    Value::Object(
        spec["controls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["key"].as_str().unwrap().to_string(), value(&c["default"])))
            .collect(),
    )
}

fn data(slug: &str) -> Data {
    let mut d = Data::new();
    if slug == "real-logs" {
        for (name, file) in [("logged", "random_all.csv"), ("target", "bts_all.csv")] {
            let text = std::fs::read_to_string(root().join("www/data/obd").join(file)).unwrap();
            d.insert(name.into(), DataFile { id: format!("shipped {file}"), text });
        }
    }
    d
}

/// One run of a lesson to its end: (ms to the first output, ms to the end).
fn timed_run(slug: &str, state: &Value, files: &Data) -> (f64, f64) {
    let t = Instant::now();
    let mut run = lessons::start_with_data(slug, state, files).unwrap();
    let mut first = None;
    while run.step().unwrap().is_some() {
        first.get_or_insert(t.elapsed().as_secs_f64() * 1e3);
    }
    (first.unwrap(), t.elapsed().as_secs_f64() * 1e3)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // `--state '{"lenList":5}'` with LESSON=slug: RUNS runs (the first cold) of that lesson at its defaults with
    // these changes, one line per run (for profiling one state: `perf record` on this binary)
    if let Some(i) = std::env::args().position(|a| a == "--state") {
        let slug = std::env::var("LESSON").expect("--state needs LESSON=<slug>");
        let changes: serde_json::Value = serde_json::from_str(&std::env::args().nth(i + 1).expect("--state JSON")).unwrap();
        let Value::Object(mut state) = defaults(&slug) else { unreachable!() };
        for (k, v) in changes.as_object().expect("--state takes a JSON object") {
            state.iter_mut().find(|(key, _)| key == k).unwrap_or_else(|| panic!("{slug}: no control {k}")).1 = value(v);
        }
        let (state, files) = (Value::Object(state), data(&slug));
        for _ in 0..std::env::var("RUNS").map_or(1, |r| r.parse().unwrap()) {
            let (first, full) = timed_run(&slug, &state, &files);
            println!("{{\"name\":\"lesson {slug} {changes}\",\"first_ms\":{first:.1},\"full_ms\":{full:.1}}}");
        }
        return;
    }
    // `--presets`: one cold run of every preset of every lesson (what a click on it waits for)
    if std::env::args().any(|a| a == "--presets") {
        let only = std::env::var("LESSON").ok();
        for slug in lessons::SLUGS.iter().filter(|s| only.as_deref().is_none_or(|o| o == **s)) {
            let files = data(slug);
            for (id, state) in states(slug) {
                let (first, full) = timed_run(slug, &state, &files);
                println!("{{\"name\":\"lesson {slug} preset {id}\",\"first_ms\":{first:.1},\"full_ms\":{full:.1}}}");
            }
        }
        return;
    }
    for slug in lessons::SLUGS {
        let (state, files) = (defaults(slug), data(slug));
        let mut firsts = Vec::new();
        let mut fulls = Vec::new();
        for _ in 0..3 {
            // the first run is cold (the lesson's caches empty, as on a page's first load); the
            // best of the three is what a repeated visit of the same state costs
            let (first, full) = timed_run(slug, &state, &files);
            firsts.push(first);
            fulls.push(full);
        }
        let min = |v: &[f64]| v.iter().cloned().fold(f64::INFINITY, f64::min);
        println!(
            "{{\"name\":\"lesson {slug} (default run)\",\"first_ms\":{:.1},\"full_ms\":{:.1},\"first_cold_ms\":{:.1},\"full_cold_ms\":{:.1}}}",
            min(&firsts),
            min(&fulls),
            firsts[0],
            fulls[0]
        );
    }
}
