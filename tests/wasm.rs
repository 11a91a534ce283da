//! Tests of the JavaScript-facing API, run by wasm-bindgen-test in node *and* in headless
//! Chromium (`wasm-pack test --node` and `WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless
//! --chrome`, both from scripts/test.sh). There is deliberately no `run_in_browser` configuration:
//! the same file runs in both.
#![cfg(all(target_arch = "wasm32", feature = "course"))]

use js_sys::{Array, Float64Array, Int32Array, Object, Reflect};
use receval::rng::Rng;

#[path = "common/slates.rs"]
mod slates;
use receval::wasm::WorldHandle as World;
use receval::wasm::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn f64s(xs: &[f64]) -> JsValue {
    Float64Array::from(xs).into()
}

fn message(e: JsError) -> String {
    let v: JsValue = e.into();
    js_sys::Error::from(v).message().into()
}

/// Four rounds, two actions: uniform logger, target plays action 1 with probability 0.8.
fn small_input() -> JsValue {
    obj(&[
        ("reward", f64s(&[1.0, 0.0, 1.0, 1.0])),
        ("action", Int32Array::from(&[1, 0, 1, 0][..]).into()),
        ("pscore", f64s(&[0.5; 4])),
        ("actionDist", f64s(&[0.2, 0.8, 0.2, 0.8, 0.2, 0.8, 0.2, 0.8])),
        ("estimatedRewardsByRegModel", f64s(&[0.5, 0.7, 0.5, 0.7, 0.5, 0.7, 0.5, 0.7])),
        ("nActions", JsValue::from(2)),
    ])
}

#[wasm_bindgen_test]
fn ipw_through_the_js_api_matches_the_formula() {
    // w = 1.6 for action 1 and 0.4 for action 0: IPW = (1·1.6 + 0 + 1·1.6 + 1·0.4) / 4
    let v = estimate_policy_value("ipw".into(), small_input(), None).unwrap();
    assert!((v - (1.6 + 1.6 + 0.4) / 4.0).abs() < 1e-15);
    let clipped = estimate_policy_value("ipw".into(), small_input(), Some(obj(&[("lambda", JsValue::from(1.0))]))).unwrap();
    assert!((clipped - (1.0 + 1.0 + 0.4) / 4.0).abs() < 1e-15);
}

#[wasm_bindgen_test]
fn plain_arrays_and_typed_arrays_give_the_same_numbers() {
    let arr = |xs: &[f64]| -> JsValue { xs.iter().map(|&x| JsValue::from(x)).collect::<Array>().into() };
    let plain = obj(&[
        ("reward", arr(&[1.0, 0.0, 1.0, 1.0])),
        ("action", arr(&[1.0, 0.0, 1.0, 0.0])),
        ("pscore", arr(&[0.5; 4])),
        ("actionDist", arr(&[0.2, 0.8, 0.2, 0.8, 0.2, 0.8, 0.2, 0.8])),
        ("estimatedRewardsByRegModel", arr(&[0.5, 0.7, 0.5, 0.7, 0.5, 0.7, 0.5, 0.7])),
        ("nActions", JsValue::from(2)),
    ]);
    for name in ["ipw", "snipw", "dr", "sndr", "dm"] {
        let a = estimate_policy_value(name.into(), plain.clone(), None).unwrap();
        let b = estimate_policy_value(name.into(), small_input(), None).unwrap();
        assert_eq!(a, b, "{name}");
    }
}

#[wasm_bindgen_test]
fn round_rewards_average_to_the_estimate() {
    for name in ["dm", "ipw", "snipw", "dr", "sndr", "switch-dr", "sg-ipw", "sg-dr"] {
        let rr = estimate_round_rewards(name.into(), small_input(), None).unwrap().to_vec();
        let v = estimate_policy_value(name.into(), small_input(), None).unwrap();
        assert!((rr.iter().sum::<f64>() / rr.len() as f64 - v).abs() < 1e-12, "{name}");
    }
}

#[wasm_bindgen_test]
fn bad_input_is_a_js_error_naming_the_argument() {
    let cases: Vec<(JsValue, &str)> = vec![
        (obj(&[("reward", f64s(&[1.0]))]), "`action`"),
        (JsValue::from(3), "`input`"),
        (obj(&[("reward", JsValue::from_str("abc"))]), "`reward`"),
    ];
    for (input, want) in cases {
        let msg = message(estimate_policy_value("ipw".into(), input, None).unwrap_err());
        assert!(msg.contains(want), "{msg:?} should name {want}");
    }
    let msg = message(estimate_policy_value("ips".into(), small_input(), None).unwrap_err());
    assert!(msg.contains("`estimatorName`") && msg.contains("snipw"), "{msg}");
    let msg =
        message(estimate_policy_value("dr-os".into(), small_input(), Some(obj(&[("lambda", JsValue::from(-1.0))]))).unwrap_err());
    assert!(msg.contains("`lambda`"), "{msg}");
    // A zero propensity names pscore and its index.
    let bad = small_input();
    Reflect::set(&bad, &"pscore".into(), &f64s(&[0.5, 0.0, 0.5, 0.5])).unwrap();
    let msg = message(estimate_policy_value("ipw".into(), bad, None).unwrap_err());
    assert!(msg.contains("`pscore`") && msg.contains("index 1"), "{msg}");
}

#[wasm_bindgen_test]
fn seeded_generator_is_the_same_as_natively() {
    // The same published value is pinned in the native unit test (src/rng.rs): xoshiro256++ seeded
    // by SplitMix64(0). If wasm32 used a different algorithm (as SmallRng does), this would fail.
    assert_eq!(Rng::new(0).next_u64(), 0x53175d61490b23df);
    let mut a = Rng::new(99);
    let mut b = Rng::new(99);
    assert!((0..1000).all(|_| a.uniform() == b.uniform()));
}

#[wasm_bindgen_test]
fn seeded_bootstrap_is_reproducible() {
    let opts = || obj(&[("nBootstrapSamples", JsValue::from(200)), ("randomState", JsValue::from(7))]);
    let a = estimate_interval("snipw".into(), small_input(), None, Some(opts())).unwrap();
    let b = estimate_interval("snipw".into(), small_input(), None, Some(opts())).unwrap();
    for k in ["mean", "lower", "upper"] {
        let x = Reflect::get(&a, &k.into()).unwrap().as_f64().unwrap();
        let y = Reflect::get(&b, &k.into()).unwrap().as_f64().unwrap();
        assert_eq!(x, y, "{k}");
    }
}

fn policy(kind: &str, beta: Option<f64>) -> JsValue {
    let mut pairs = vec![("kind", JsValue::from_str(kind))];
    if let Some(b) = beta {
        pairs.push(("beta", JsValue::from(b)));
    }
    obj(&pairs)
}

#[wasm_bindgen_test]
fn world_collects_logs_whose_ipw_estimate_is_near_the_exact_value() {
    let world =
        World::new(Some(obj(&[("seed", JsValue::from(1)), ("nUsers", JsValue::from(200)), ("nItems", JsValue::from(20))])))
            .unwrap();
    let target = policy("softmax", Some(2.0));
    let truth = world.policy_value(target.clone(), None).unwrap();
    let log =
        world.collect(policy("uniform", None), obj(&[("nRounds", JsValue::from(20000)), ("seed", JsValue::from(2))])).unwrap();
    let input = log.bandit_input(target, None).unwrap();
    let iv = estimate_interval(
        "ipw".into(),
        input,
        None,
        Some(obj(&[("method", JsValue::from_str("normal")), ("alpha", JsValue::from(6.3e-5))])),
    )
    .unwrap();
    let get = |k: &str| Reflect::get(&iv, &k.into()).unwrap().as_f64().unwrap();
    assert!(get("lower") <= truth && truth <= get("upper"), "{} not in [{}, {}]", truth, get("lower"), get("upper"));
}

#[wasm_bindgen_test]
fn bad_world_configs_are_js_errors_naming_the_key() {
    let e = World::new(Some(obj(&[("nItem", JsValue::from(3))]))).err().unwrap();
    assert!(message(e).contains("`nItem`"));
    let world = World::new(Some(obj(&[("nUsers", JsValue::from(5)), ("nItems", JsValue::from(3))]))).unwrap();
    let e = world.policy_value(policy("softmax", None), None).unwrap_err();
    assert!(message(e).contains("`policy.beta`"));
}

/// Every lesson's JSON spec (the page's controls and presets), for the default states.
const LESSON_SPECS: &[(&str, &str)] = &[
    ("biased-logs", include_str!("../www/lessons/biased-logs.json")),
    ("random-bucket", include_str!("../www/lessons/random-bucket.json")),
    ("estimators", include_str!("../www/lessons/estimators.json")),
    ("offline-online", include_str!("../www/lessons/offline-online.json")),
    ("intent", include_str!("../www/lessons/intent.json")),
    ("real-logs", include_str!("../www/lessons/real-logs.json")),
    ("position-bias", include_str!("../www/lessons/position-bias.json")),
    ("causal-graph", include_str!("../www/lessons/causal-graph.json")),
    ("markets", include_str!("../www/lessons/markets.json")),
    ("feedback", include_str!("../www/lessons/feedback.json")),
    ("cold-start", include_str!("../www/lessons/cold-start.json")),
    ("stakeholders", include_str!("../www/lessons/stakeholders.json")),
    ("large-catalogs", include_str!("../www/lessons/large-catalogs.json")),
    ("choosing-estimators", include_str!("../www/lessons/choosing-estimators.json")),
];

/// The files a lesson reads, as its page sends them: `{ name: { id, text } }` (the shipped sample
/// for real-logs), or `undefined`.
fn lesson_files(slug: &str) -> Option<JsValue> {
    if slug != "real-logs" {
        return None;
    }
    let data = Object::new();
    for (name, text) in
        [("logged", include_str!("../www/data/obd/random_all.csv")), ("target", include_str!("../www/data/obd/bts_all.csv"))]
    {
        let f = Object::new();
        Reflect::set(&f, &"id".into(), &JsValue::from_str(&format!("shipped {name}"))).unwrap();
        Reflect::set(&f, &"text".into(), &JsValue::from_str(text)).unwrap();
        Reflect::set(&data, &name.into(), &f).unwrap();
    }
    Some(data.into())
}

/// The default state of a lesson spec, as the page sends it.
fn default_state(spec: &str) -> JsValue {
    let spec = js_sys::JSON::parse(spec).unwrap();
    let controls = Array::from(&Reflect::get(&spec, &"controls".into()).unwrap());
    let state = Object::new();
    for c in controls.iter() {
        Reflect::set(&state, &Reflect::get(&c, &"key".into()).unwrap(), &Reflect::get(&c, &"default".into()).unwrap()).unwrap();
    }
    state.into()
}

#[wasm_bindgen_test]
fn every_lesson_default_run_has_the_golden_digest_here_too() {
    // The same digests as natively (tests/lessons.rs): same numbers in node and in Chromium.
    let golden = js_sys::JSON::parse(include_str!("fixtures/lesson-digests.json")).unwrap();
    let slugs: Vec<String> = LESSON_SPECS.iter().map(|(s, _)| s.to_string()).collect();
    assert_eq!(
        slugs,
        receval::lessons::SLUGS.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        "LESSON_SPECS must list every lesson"
    );
    for (slug, spec) in LESSON_SPECS {
        let d = lesson_digest(JsValue::from_str(slug), default_state(spec), lesson_files(slug)).unwrap();
        let want = Reflect::get(&golden, &JsValue::from_str(slug)).unwrap().as_string().unwrap();
        assert_eq!(d, want, "{slug}");
    }
}

#[wasm_bindgen_test]
fn a_lesson_run_reads_its_files_from_data_not_from_the_state() {
    // real-logs: the uploaded CSV texts (far longer than any state string may be) arrive as
    // data.{logged,target}.{id,text}; the state holds only the controls
    let spec = LESSON_SPECS.iter().find(|(s, _)| *s == "real-logs").unwrap().1;
    let mut run = LessonRunHandle::new(JsValue::from_str("real-logs"), default_state(spec), lesson_files("real-logs")).unwrap();
    let first = run.step().unwrap();
    let n = Reflect::get(&first, &"nLogged".into()).unwrap().as_f64().unwrap();
    assert_eq!(n, 10_000.0);
    // no files: an error naming the missing one
    let e = LessonRunHandle::new(JsValue::from_str("real-logs"), default_state(spec), None).err().unwrap();
    assert!(message(e).contains("data.logged"));
    // a file without its text, and files for a lesson that reads none
    let files = lesson_files("real-logs").unwrap();
    let logged = Reflect::get(&files, &"logged".into()).unwrap();
    Reflect::set(&logged, &"text".into(), &JsValue::from(3)).unwrap();
    let e = LessonRunHandle::new(JsValue::from_str("real-logs"), default_state(spec), Some(files)).err().unwrap();
    assert!(message(e).contains("data.logged.text"));
    let biased = LESSON_SPECS[0].1;
    let e =
        LessonRunHandle::new(JsValue::from_str("biased-logs"), default_state(biased), lesson_files("real-logs")).err().unwrap();
    assert!(message(e).contains("reads no files"));
}

/// The one-pass slate checks run on Wasm SIMD here (four slots a step, then the rest one by one):
/// a defect in any lane, at any place in a block, and blocks of any length give the general
/// path's value bit for bit, or no value where the general path has an error. (Natively the
/// scalar checks have their own test in tests/estimator_properties.rs.)
#[wasm_bindgen_test]
fn the_simd_slate_checks_agree_with_the_general_path_in_every_lane() {
    use receval::estimators::{CheckedSlateSums, PreparedSlateEstimate, SlateEstimator, SlateFeedbackParts};
    // built for the SIMD checks (.cargo/config.toml), or not at all
    const _: () = assert!(cfg!(target_feature = "simd128"), "the wasm tests are meant for the SIMD checks");
    let l = 4usize;
    let mut rng = Rng::new(5);
    let (mut ids, mut pos, mut cols) = (Vec::new(), Vec::new(), [(); 7].map(|_| Vec::new()));
    for s in 0..40u32 {
        let (sb, se) = (0.05 + 0.95 * rng.uniform(), rng.uniform());
        let (mut pb, mut pe) = (1.0, 1.0);
        for k in 0..[4, 2, 3, 4, 1][s as usize % 5] {
            pb *= 0.3 + 0.7 * rng.uniform();
            pe *= 0.3 + 0.7 * rng.uniform();
            // the last slates' ids are 2³¹ or more (unsigned comparisons)
            ids.push(if s < 30 { 2 * s } else { (1 << 31) + s });
            pos.push(k);
            let row = [[1.0, 0.0, -0.5][rng.below(3)], sb, se, 0.1 + 0.9 * rng.uniform(), rng.uniform(), pb, pe];
            cols.iter_mut().zip(row).for_each(|(c, x)| c.push(x));
        }
    }
    let mut checked = 0;
    // `ordered`: false for a valid log the one pass may leave to the general path
    let mut compare = |ids: &[u32], pos: &[u32], cols: &[Vec<f64>; 7], ordered: bool| {
        for (name, c) in [("sips", 1), ("snsips", 1), ("iips", 3), ("sniips", 3), ("rips", 5), ("snrips", 5)] {
            let est = SlateEstimator::by_name(name).unwrap();
            let mut parts =
                SlateFeedbackParts { slate_id: ids, position: pos, reward: &cols[0], len_list: l, ..Default::default() };
            let (b, e) = (&cols[c][..], &cols[c + 1][..]);
            match c {
                1 => (parts.pscore, parts.evaluation_policy_pscore) = (Some(b), Some(e)),
                3 => (parts.pscore_item_position, parts.evaluation_policy_pscore_item_position) = (Some(b), Some(e)),
                _ => (parts.pscore_cascade, parts.evaluation_policy_pscore_cascade) = (Some(b), Some(e)),
            }
            let general = PreparedSlateEstimate::new(est, parts).map(|p| p.value().to_bits()).ok();
            for block in [1, 2, 3, 4, 5, 6, 7, 9, 13, ids.len()] {
                let mut sums = CheckedSlateSums::new(est, l, ids.len()).unwrap();
                let ok = (0..ids.len()).step_by(block).all(|a| {
                    let z = (a + block).min(ids.len());
                    sums.add(&ids[a..z], &pos[a..z], &cols[0][a..z], &b[a..z], &e[a..z])
                });
                let streamed = if ok { sums.finish().map(f64::to_bits) } else { None };
                if ordered || streamed.is_some() {
                    assert_eq!(streamed, general, "{name}, blocks of {block}");
                }
                checked += 1;
            }
        }
    };
    compare(&ids, &pos, &cols, true);
    // a uniform logger's log: the one pass must take it
    compare(&ids, &pos, &slates::uniform_logger(&pos, &cols), true);
    let clean = SlateFeedbackParts {
        slate_id: &ids,
        position: &pos,
        reward: &cols[0],
        len_list: l,
        pscore: Some(&cols[1]),
        evaluation_policy_pscore: Some(&cols[2]),
        ..Default::default()
    };
    assert!(PreparedSlateEstimate::new(SlateEstimator::Sips, clean).is_ok_and(|p| p.value().is_finite() && p.value() != 0.0));
    // one defect at a time at each of twelve places in a row (every lane and the rest of a block)
    for at in 20..32 {
        let same = ids[at] == ids[at - 1];
        let edits: [(usize, f64); 7] =
            [(0, f64::NAN), (0, f64::NEG_INFINITY), (1, 0.0), (3, 1.5), (4, -0.25), (5, 1.0), (6, f64::NAN)];
        for (c, x) in edits {
            let mut bad = cols.clone();
            bad[c][at] = x;
            compare(&ids, &pos, &bad, true);
        }
        // within a slate: a whole-slate probability that differs (each policy's), a prefix
        // probability that increases (each policy's)
        for c in [1, 2] {
            let mut bad = cols.clone();
            bad[c][at] *= 0.5;
            compare(&ids, &pos, &bad, true);
        }
        for c in [5, 6] {
            let mut bad = cols.clone();
            bad[c][at] = (bad[c][at - 1] * 1.5).min(1.0);
            compare(&ids, &pos, &bad, true);
        }
        let mut p = pos.clone();
        p[at] = l as u32; // a position past lenList
        compare(&ids, &p, &cols, true);
        p[at] = 1 << 31; // far past it
        compare(&ids, &p, &cols, true);
        if same {
            p[at] = pos[at - 1]; // a position twice in a slate
            compare(&ids, &p, &cols, true);
            p[at] = pos[at - 1].wrapping_sub(1); // out of order in its slate (valid if distinct)
            compare(&ids, &p, &cols, false);
        }
        let mut i = ids.clone();
        i[at] = ids[at - 1].wrapping_sub(1); // a slate id that decreases (valid: slates in any order)
        compare(&i, &pos, &cols, false);
    }
    assert!(checked > 6000, "{checked} comparisons");
}
