//! Tests of the JavaScript-facing API, run by wasm-bindgen-test in node *and* in headless
//! Chromium (`wasm-pack test --node` and `WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless
//! --chrome`, both from scripts/test.sh). There is deliberately no `run_in_browser` configuration:
//! the same file runs in both.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Float64Array, Int32Array, Object, Reflect};
use receval::rng::Rng;
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
    let v = estimate_policy_value("ipw", small_input(), None).unwrap();
    assert!((v - (1.6 + 1.6 + 0.4) / 4.0).abs() < 1e-15);
    let clipped = estimate_policy_value("ipw", small_input(), Some(obj(&[("lambda", JsValue::from(1.0))]))).unwrap();
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
        let a = estimate_policy_value(name, plain.clone(), None).unwrap();
        let b = estimate_policy_value(name, small_input(), None).unwrap();
        assert_eq!(a, b, "{name}");
    }
}

#[wasm_bindgen_test]
fn round_rewards_average_to_the_estimate() {
    for name in ["dm", "ipw", "snipw", "dr", "sndr", "switch-dr", "sg-ipw", "sg-dr"] {
        let rr = estimate_round_rewards(name, small_input(), None).unwrap().to_vec();
        let v = estimate_policy_value(name, small_input(), None).unwrap();
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
        let msg = message(estimate_policy_value("ipw", input, None).unwrap_err());
        assert!(msg.contains(want), "{msg:?} should name {want}");
    }
    let msg = message(estimate_policy_value("ips", small_input(), None).unwrap_err());
    assert!(msg.contains("`estimatorName`") && msg.contains("snipw"), "{msg}");
    let msg = message(estimate_policy_value("dr-os", small_input(), Some(obj(&[("lambda", JsValue::from(-1.0))]))).unwrap_err());
    assert!(msg.contains("`lambda`"), "{msg}");
    // A zero propensity names pscore and its index.
    let bad = small_input();
    Reflect::set(&bad, &"pscore".into(), &f64s(&[0.5, 0.0, 0.5, 0.5])).unwrap();
    let msg = message(estimate_policy_value("ipw", bad, None).unwrap_err());
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
    let a = estimate_interval("snipw", small_input(), None, Some(opts())).unwrap();
    let b = estimate_interval("snipw", small_input(), None, Some(opts())).unwrap();
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
        "ipw",
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
