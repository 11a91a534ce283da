#![cfg(all(not(target_arch = "wasm32"), feature = "course"))]
//! Every lesson's default run, natively: its digest equals the golden one in
//! `tests/fixtures/lesson-digests.json`, which the Wasm tests (node and Chromium, tests/wasm.rs)
//! check too — so a lesson's numbers are the same natively, in node and in browsers, and a change
//! to any of them is a conscious one. After an intended change, regenerate with
//! `UPDATE_GOLDEN=1 cargo test --test lessons` and say in the commit which lessons changed.

use receval::config::Value;
use receval::lessons;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The default state of a lesson, from its JSON spec.
fn defaults(slug: &str) -> Value {
    let text = std::fs::read_to_string(root().join(format!("www/lessons/{slug}.json"))).unwrap();
    let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    Value::Object(
        spec["controls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let v = match &c["default"] {
                    serde_json::Value::Bool(b) => Value::Bool(*b),
                    serde_json::Value::String(s) => Value::String(s.clone()),
                    n => Value::Number(n.as_f64().unwrap()),
                };
                (c["key"].as_str().unwrap().to_string(), v)
            })
            .collect(),
    )
}

/// The files a lesson reads, as its page sends them (the shipped sample for real-logs).
fn data(slug: &str) -> lessons::Data {
    let mut d = lessons::Data::new();
    if slug == "real-logs" {
        for (name, file) in [("logged", "random_all.csv"), ("target", "bts_all.csv")] {
            let text = std::fs::read_to_string(root().join("www/data/obd").join(file)).unwrap();
            d.insert(name.into(), lessons::DataFile { id: format!("shipped {file}"), text });
        }
    }
    d
}

fn run(slug: &str) -> String {
    lessons::digest(&lessons::run_to_end_with_data(slug, &defaults(slug), &data(slug)).unwrap())
}

#[test]
fn every_lesson_default_run_matches_its_golden_digest() {
    let path = root().join("tests/fixtures/lesson-digests.json");
    let digests: BTreeMap<String, String> = lessons::SLUGS.iter().map(|s| (s.to_string(), run(s))).collect();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(&digests).unwrap() + "\n").unwrap();
        return;
    }
    let golden: BTreeMap<String, String> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(digests, golden, "a lesson's default numbers changed; if intended, UPDATE_GOLDEN=1 cargo test --test lessons");
}

#[test]
fn every_lesson_has_a_spec_and_the_same_state_gives_the_same_numbers() {
    for slug in lessons::SLUGS {
        let (a, b) = (run(slug), run(slug));
        assert_eq!(a, b, "{slug}");
    }
}

#[test]
fn a_lesson_rejects_a_state_it_does_not_know() {
    for slug in lessons::SLUGS {
        let Value::Object(mut s) = defaults(slug) else { unreachable!() };
        s.push(("notAControl".into(), Value::Number(1.0)));
        let e = lessons::start_with_data(slug, &Value::Object(s), &data(slug)).err().unwrap();
        assert!(e.to_string().contains("notAControl"), "{slug}: {e}");
    }
    assert!(lessons::start("no-such-lesson", &Value::Null).err().unwrap().to_string().contains("`lesson`"));
}
