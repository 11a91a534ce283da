//! Native timings of the estimators (release build), printed as one JSON object per line so that
//! `bench/node.mjs` can put the Wasm timings beside them and print the wasm/native ratio.
//!
//!   cargo bench --bench estimators            (or `make bench` for native + node + browser)
//!
//! Workloads (the same in bench/node.mjs): n = 10⁶ rounds × 10 actions for IPW, SNIPW and DR, each
//! timed (a) on data already validated in memory and (b) including validation of the input; and a
//! 1,000-sample bootstrap of IPW at n = 10⁴; SIPS, IIPS and RIPS on 10⁵ rankings × 10 slots
//! (checked and summed block by block, `slate_value_checked`: what `estimateSlatePolicyValue` does
//! as it copies its input).

use receval::estimators::{
    BanditData, BootstrapOptions, IntervalMethod, SlateEstimator, SlateFeedbackParts, estimate_interval, estimate_policy_value,
    estimate_policy_value_checked, slate_value_checked,
};
use receval::rng::Rng;
use std::hint::black_box;
use std::time::Instant;

/// Median of `reps` timings in milliseconds (after one warm-up run).
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

/// The benchmark log: uniform logger, a softmax-like target, rewards in {0, 1}. Same recipe as
/// bench/node.mjs (which builds it in JS).
pub fn bench_data(n: usize, k: usize, seed: u64) -> BanditData {
    let mut rng = Rng::new(seed);
    let mut d = BanditData { n_actions: k, len_list: 1, ..Default::default() };
    let mut q = Vec::with_capacity(n * k);
    d.action_dist.reserve(n * k);
    for _ in 0..n {
        let a = rng.below(k);
        d.action.push(a as u32);
        d.pscore.push(1.0 / k as f64);
        d.reward.push(if rng.bernoulli(0.3) { 1.0 } else { 0.0 });
        let raw: Vec<f64> = (0..k).map(|j| (j as f64 * 0.3).exp()).collect();
        let z: f64 = raw.iter().sum();
        d.action_dist.extend(raw.iter().map(|x| x / z));
        q.extend((0..k).map(|j| 0.1 + 0.05 * j as f64));
    }
    d.estimated_rewards_by_reg_model = Some(q);
    d
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let (n, k) = (1_000_000, 10);
    let data = bench_data(n, k, 1);
    let view = data.view().unwrap();
    let emit = |name: &str, ms: f64| println!("{{\"name\":\"{name}\",\"ms\":{ms:.3}}}");
    for est in ["ipw", "snipw", "dr"] {
        emit(
            &format!("{est} 1e6x10 (in memory)"),
            time(11, || {
                black_box(estimate_policy_value(est, &view, None).unwrap());
            }),
        );
        emit(
            &format!("{est} 1e6x10 (with validation)"),
            time(11, || {
                let v = data.view().unwrap();
                black_box(estimate_policy_value(est, &v, None).unwrap());
            }),
        );
        emit(
            &format!("{est} 1e6x10 (checked in blocks)"),
            time(11, || {
                black_box(estimate_policy_value_checked(est, data.parts(), None).unwrap());
            }),
        );
    }
    slates(&emit);
    let small = bench_data(10_000, k, 2);
    let sv = small.view().unwrap();
    let opts = BootstrapOptions { alpha: 0.05, n_bootstrap_samples: 1000, random_state: Some(1) };
    emit(
        "bootstrap ipw 1e4, 1000 samples",
        time(7, || {
            black_box(estimate_interval("ipw", &sv, None, IntervalMethod::Bootstrap(opts)).unwrap());
        }),
    );
    emit(
        "bootstrap snipw 1e4, 1000 samples",
        time(7, || {
            black_box(estimate_interval("snipw", &sv, None, IntervalMethod::Bootstrap(opts)).unwrap());
        }),
    );
}

/// The slate workload of bench/node.mjs: 10⁵ rankings × 10 slots laid out slate after slate, each
/// estimator reading slate ids, positions, rewards and its own pair of propensities.
fn slates(emit: &impl Fn(&str, f64)) {
    let (ns, l) = (100_000usize, 10usize);
    let n = ns * l;
    let mut rng = Rng::new(3);
    let (mut slate_id, mut position, mut reward) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let mut cols: [Vec<f64>; 6] = Default::default();
    for s in 0..ns {
        let (ps, es) = (0.2 + 0.8 * rng.uniform(), rng.uniform());
        let (mut pc, mut ec) = (1.0, 1.0);
        for k in 0..l {
            pc *= 0.5 + 0.5 * rng.uniform();
            ec *= rng.uniform();
            slate_id.push(s as u32);
            position.push(k as u32);
            reward.push(if rng.bernoulli(0.2) { 1.0 } else { 0.0 });
            for (c, x) in cols.iter_mut().zip([ps, es, 0.1 + 0.9 * rng.uniform(), rng.uniform(), pc, ec]) {
                c.push(x);
            }
        }
    }
    for (name, b, e) in [("sips", 0, 1), ("iips", 2, 3), ("rips", 4, 5)] {
        let est = SlateEstimator::by_name(name).unwrap();
        let mut parts =
            SlateFeedbackParts { slate_id: &slate_id, position: &position, reward: &reward, len_list: l, ..Default::default() };
        match name {
            "sips" => (parts.pscore, parts.evaluation_policy_pscore) = (Some(&cols[b][..]), Some(&cols[e][..])),
            "iips" => {
                (parts.pscore_item_position, parts.evaluation_policy_pscore_item_position) =
                    (Some(&cols[b][..]), Some(&cols[e][..]))
            }
            _ => (parts.pscore_cascade, parts.evaluation_policy_pscore_cascade) = (Some(&cols[b][..]), Some(&cols[e][..])),
        }
        emit(
            &format!("{name} 1e5 slates x 10 (with validation)"),
            time(7, || {
                black_box(slate_value_checked(est, parts).unwrap());
            }),
        );
    }
}
