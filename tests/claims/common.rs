//! What every lesson's claim tests share: the lesson's spec (its controls' defaults and its
//! presets, read from `www/lessons/<slug>.json`, the file the page itself loads), running the
//! lesson's scenario at a state, and checking that a quoted sentence is really on the page.

use receval::config::Value;
use receval::lessons::{self, LessonOutput};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// Seeds other than the presets' own, over which a claim must hold as often as its text says.
pub const OTHER_SEEDS: std::ops::RangeInclusive<u64> = 101..=120;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn to_value(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap()),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::Array(a.iter().map(to_value).collect()),
        serde_json::Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), to_value(v))).collect()),
    }
}

/// A lesson's spec: its slug, the defaults of its controls, its presets.
pub struct Lesson {
    pub slug: &'static str,
    defaults: Vec<(String, Value)>,
    presets: Vec<(String, Vec<(String, Value)>)>,
}

impl Lesson {
    /// Read `www/lessons/<slug>.json`.
    pub fn load(slug: &'static str) -> Lesson {
        let path = root().join(format!("www/lessons/{slug}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
        let defaults = spec["controls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["key"].as_str().unwrap().to_string(), to_value(&c["default"])))
            .collect();
        let presets = spec["presets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let state = p["state"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), to_value(v))).collect();
                (p["id"].as_str().unwrap().to_string(), state)
            })
            .collect();
        Lesson { slug, defaults, presets }
    }

    /// The ids of the presets.
    pub fn preset_ids(&self) -> Vec<String> {
        self.presets.iter().map(|p| p.0.clone()).collect()
    }

    /// The page's state with the defaults, then `changes` (a preset's state, slider moves).
    pub fn state(&self, changes: &[(&str, f64)]) -> Value {
        let mut s = self.defaults.clone();
        for (k, v) in changes {
            let slot = s.iter_mut().find(|(key, _)| key == k).unwrap_or_else(|| panic!("{}: no control {k}", self.slug));
            slot.1 = Value::Number(*v);
        }
        Value::Object(s)
    }

    /// The state a preset button sets (a preset is a whole setup: defaults, then its own values,
    /// its seed included), with `changes` on top (e.g. another seed).
    pub fn preset(&self, id: &str, changes: &[(&str, f64)]) -> Value {
        let p = self.presets.iter().find(|p| p.0 == id).unwrap_or_else(|| panic!("{}: no preset {id}", self.slug));
        let mut s = self.defaults.clone();
        for (k, v) in p.1.iter() {
            s.iter_mut().find(|(key, _)| key == k).unwrap().1 = v.clone();
        }
        let Value::Object(mut s) = Value::Object(s) else { unreachable!() };
        for (k, v) in changes {
            s.iter_mut().find(|(key, _)| key == k).unwrap().1 = Value::Number(*v);
        }
        Value::Object(s)
    }

    /// Run the lesson at `state` to the end. Runs are deterministic, and several claims read the
    /// same preset at the same seed: each (lesson, state) is run once per test process (tests
    /// that ask for it at the same time wait for the one run).
    pub fn run(&self, state: &Value) -> LessonOutput {
        type Cell = Arc<OnceLock<LessonOutput>>;
        static RUNS: OnceLock<Mutex<HashMap<String, Cell>>> = OnceLock::new();
        let key = format!("{}|{state:?}", self.slug);
        let cell = RUNS.get_or_init(Default::default).lock().unwrap().entry(key).or_default().clone();
        cell.get_or_init(|| lessons::run_to_end(self.slug, state).unwrap_or_else(|e| panic!("{}: {e}", self.slug))).clone()
    }

    /// Assert that `sentence` is on the lesson's page (its HTML, its JSON spec or its module),
    /// whitespace aside: a claim test quotes the sentence it checks, and fails when the page no
    /// longer says it.
    pub fn claim(&self, sentence: &str) {
        let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let want = norm(sentence);
        let found = ["html", "json", "js"].iter().any(|ext| {
            std::fs::read_to_string(root().join(format!("www/lessons/{}.{ext}", self.slug)))
                .map(|t| norm(&t).contains(&want))
                .unwrap_or(false)
        });
        assert!(found, "{}: the page no longer says {sentence:?}; update the claim test with the text", self.slug);
    }
}

/// How many of `seeds` a claim holds at: (holds, tried).
pub fn share(seeds: impl IntoIterator<Item = u64>, mut holds: impl FnMut(u64) -> bool) -> (usize, usize) {
    let mut n = 0;
    let mut ok = 0;
    for s in seeds {
        n += 1;
        if holds(s) {
            ok += 1;
        }
    }
    // for the record (`cargo test --test claims -- --nocapture 2>&1 | grep '^share'`)
    eprintln!("share {} {ok}/{n}", std::thread::current().name().unwrap_or("?"));
    (ok, n)
}
