//! Native timings of the simulator and the lab (release), one JSON object per line; the same
//! workloads run in node in bench/node.mjs, which prints the wasm/native ratio.
//!
//! Workloads: building the default world (1,000 users × 200 items); the exact value of a softmax
//! policy (compiling it included); collecting 10⁵ rounds; a lab of 100 replicates × 10⁴ rounds with
//! naive, IPW, SNIPW, DM and DR.

use receval::config::Value;
use receval::lab::{Lab, Scenario};
use receval::world::{CollectOptions, Log, Policy, PolicySpec, Signal, World, WorldConfig};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

fn time(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[reps / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let emit = |name: &str, ms: f64| println!("{{\"name\":\"{name}\",\"ms\":{ms:.3}}}");
    let cfg = WorldConfig { seed: 1, ..Default::default() };
    emit(
        "world 1000x200 (build)",
        time(7, || {
            black_box(World::new(cfg.clone()).unwrap());
        }),
    );
    let world = Arc::new(World::new(cfg).unwrap());
    let target_v = Value::object([
        ("kind", Value::from("softmax")),
        ("beta", Value::from(2.0)),
        ("score", Value::object([("relevance", Value::from(1.0)), ("popularity", Value::from(-1.0))])),
    ]);
    let target = PolicySpec::from_value(&target_v, "target").unwrap();
    emit(
        "policyValue (compile + exact value)",
        time(11, || {
            let p = Policy::compile(&world, &target).unwrap();
            black_box(world.policy_value(&p, Signal::Click).unwrap());
        }),
    );
    let logger =
        PolicySpec::from_value(&Value::object([("kind", Value::from("softmax")), ("beta", Value::from(3.0))]), "logger").unwrap();
    emit(
        "collect 1e5 rounds",
        time(7, || {
            black_box(
                Log::collect(world.clone(), &logger, &CollectOptions { n_rounds: 100_000, seed: 2, len_list: 1, reward: None })
                    .unwrap(),
            );
        }),
    );
    let scenario = Scenario::from_value(&Value::object([
        ("logger", Value::object([("kind", Value::from("softmax")), ("beta", Value::from(1.0))])),
        ("target", target_v),
        ("nRounds", Value::from(10_000.0)),
        ("replicates", Value::from(100.0)),
    ]))
    .unwrap();
    emit(
        "lab 100 x 1e4 rounds, 5 estimators",
        time(3, || {
            let mut lab = Lab::new(world.clone(), scenario.clone()).unwrap();
            black_box(lab.step(100).unwrap());
        }),
    );
}
