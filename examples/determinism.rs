//! Prints seeded results as JSON so that tests can check the Wasm package (in node and in
//! Chromium) gives the very same numbers as native code: `cargo run --example determinism`.
//! The same computation in JS is `tests/js/determinism-scenario.mjs`.

use receval::config::Value;
use receval::estimators::{BootstrapOptions, IntervalMethod, estimate_interval};
use receval::lab::{Lab, Scenario};
use receval::rng::Rng;
use receval::world::{CollectOptions, Log, Policy, PolicySpec, Signal, World, WorldConfig};
use std::sync::Arc;

fn json_list(xs: impl Iterator<Item = String>) -> String {
    format!("[{}]", xs.collect::<Vec<_>>().join(","))
}

fn main() {
    let mut rng = Rng::new(2024);
    let draws = json_list((0..4).map(|_| format!("\"{}\"", rng.next_u64())));
    let world = Arc::new(World::new(WorldConfig { seed: 7, n_users: 300, n_items: 50, ..Default::default() }).unwrap());
    let logger = PolicySpec::from_value(
        &Value::object([
            ("kind", Value::from("mixture")),
            (
                "components",
                Value::Array(vec![
                    Value::object([
                        ("weight", Value::from(0.9)),
                        ("policy", Value::object([("kind", Value::from("softmax")), ("beta", Value::from(2.0))])),
                    ]),
                    Value::object([("weight", Value::from(0.1)), ("policy", Value::object([("kind", Value::from("uniform"))]))]),
                ]),
            ),
        ]),
        "logger",
    )
    .unwrap();
    let target_v = Value::object([("kind", Value::from("softmax")), ("beta", Value::from(-1.0))]);
    let target = Policy::from_value(&world, &target_v, "target").unwrap();
    let log =
        Log::collect(world.clone(), &logger, &CollectOptions { n_rounds: 2000, seed: 11, len_list: 1, reward: None }).unwrap();
    let data = log.bandit_data(&target, None).unwrap();
    let v = data.view().unwrap();
    let iv = estimate_interval(
        "snipw",
        &v,
        None,
        IntervalMethod::Bootstrap(BootstrapOptions { alpha: 0.05, n_bootstrap_samples: 500, random_state: Some(3) }),
    )
    .unwrap();
    let scenario = Scenario::from_value(&Value::object([
        ("logger", Value::object([("kind", Value::from("softmax")), ("beta", Value::from(1.0))])),
        ("target", target_v),
        ("nRounds", Value::from(1000.0)),
        ("replicates", Value::from(5.0)),
        ("seed", Value::from(5.0)),
    ]))
    .unwrap();
    let mut lab = Lab::new(world.clone(), scenario).unwrap();
    lab.step(5).unwrap();
    let lab_means = json_list(lab.summary().iter().map(|s| format!("{:?}", s.mean)));
    println!(
        "{{\"draws\":{draws},\"policyValue\":{:?},\"actions\":{},\"rewards\":{},\"pscores\":{},\"interval\":[{:?},{:?},{:?}],\"labMeans\":{lab_means}}}",
        world.policy_value(&target, Signal::Click).unwrap(),
        json_list(log.action.iter().take(50).map(|a| a.to_string())),
        json_list(log.reward.iter().take(50).map(|r| format!("{r:?}"))),
        json_list(log.pscore.iter().take(20).map(|p| format!("{p:?}"))),
        iv.mean,
        iv.lower,
        iv.upper,
    );
}
