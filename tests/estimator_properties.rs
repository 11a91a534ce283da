#![cfg(not(target_arch = "wasm32"))]
//! Properties every user of the estimators relies on: the identities between estimators,
//! unbiasedness over seeded replicates (within 4 standard errors of the exact truth), interval
//! coverage, streaming = batch, and no panic on any input.

use proptest::prelude::*;
use receval::estimators::slate::{PreparedSlateEstimate, SlateEstimator, SlateFeedbackParts};
use receval::estimators::{
    BanditData, BanditFeedback, BootstrapOptions, IntervalMethod, STANDARD_ESTIMATORS, StreamingEstimator, estimate_interval,
    estimate_policy_value, estimate_policy_value_checked, estimate_round_rewards,
};
use receval::rng::Rng;

#[path = "common/slates.rs"]
mod slates;

/// A small contextual bandit with exact truth: `n_ctx` equally likely contexts, K actions,
/// Bernoulli rewards with probability `mu[x][a]`; softmax logger and target over `mu`.
struct Bandit {
    k: usize,
    mu: Vec<Vec<f64>>,
    logger: Vec<Vec<f64>>,
    target: Vec<Vec<f64>>,
}

fn softmax(scores: &[f64], beta: f64) -> Vec<f64> {
    let m = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = scores.iter().map(|s| (beta * (s - m)).exp()).collect();
    let z: f64 = e.iter().sum();
    e.iter().map(|x| x / z).collect()
}

impl Bandit {
    fn new(seed: u64, n_ctx: usize, k: usize, logger_beta: f64, target_beta: f64) -> Self {
        let mut rng = Rng::new(seed);
        let mu: Vec<Vec<f64>> = (0..n_ctx).map(|_| (0..k).map(|_| 0.05 + 0.9 * rng.uniform()).collect()).collect();
        let logger = mu.iter().map(|m| softmax(m, logger_beta)).collect();
        let target = mu.iter().map(|m| softmax(m, target_beta)).collect();
        Bandit { k, mu, logger, target }
    }

    fn truth(&self) -> f64 {
        let n = self.mu.len() as f64;
        self.mu.iter().zip(&self.target).map(|(m, t)| m.iter().zip(t).map(|(a, b)| a * b).sum::<f64>()).sum::<f64>() / n
    }

    /// A log of n rounds; the reward model is the truth plus `model_error` on every action.
    fn log(&self, n: usize, seed: u64, model_error: f64) -> BanditData {
        let mut rng = Rng::new(seed);
        let k = self.k;
        let mut d = BanditData { n_actions: k, len_list: 1, ..Default::default() };
        let mut q = Vec::with_capacity(n * k);
        let mut pi_b = Vec::with_capacity(n * k);
        for _ in 0..n {
            let x = rng.below(self.mu.len());
            let a = rng.categorical(&self.logger[x]);
            d.action.push(a as u32);
            d.pscore.push(self.logger[x][a]);
            d.reward.push(if rng.bernoulli(self.mu[x][a]) { 1.0 } else { 0.0 });
            d.action_dist.extend_from_slice(&self.target[x]);
            q.extend(self.mu[x].iter().map(|m| m + model_error));
            pi_b.extend_from_slice(&self.logger[x]);
        }
        d.estimated_rewards_by_reg_model = Some(q);
        d.pi_b = Some(pi_b);
        d
    }
}

fn mean_and_se(xs: &[f64]) -> (f64, f64) {
    (receval::stats::mean(xs), receval::stats::std_dev(xs) / (xs.len() as f64).sqrt())
}

#[test]
fn ipw_with_the_logging_policy_as_target_is_the_logged_mean() {
    let b = Bandit::new(1, 20, 5, 3.0, 3.0);
    let mut d = b.log(2000, 2, 0.0);
    d.action_dist = d.pi_b.clone().unwrap();
    let v = d.view().unwrap();
    let logged_mean = receval::stats::mean(&d.reward);
    assert!((estimate_policy_value("ipw", &v, None).unwrap() - logged_mean).abs() < 1e-12);
    assert!((estimate_policy_value("snipw", &v, None).unwrap() - logged_mean).abs() < 1e-12);
}

#[test]
fn checking_and_estimating_block_by_block_gives_the_same_value_and_the_same_error() {
    let b = Bandit::new(5, 30, 6, 2.0, 4.0);
    // 5,000 rounds: two full blocks of 2,048 and a partial one
    let d = b.log(5000, 6, 0.05);
    let usual = |d: &BanditData, name: &str, l: Option<f64>| {
        BanditFeedback::new(d.parts()).and_then(|v| estimate_policy_value(name, &v, l))
    };
    for name in STANDARD_ESTIMATORS {
        let lambdas: &[Option<f64>] =
            if matches!(name, "dm" | "rm") { &[None] } else { &[None, Some(3.0), Some(0.0), Some(-1.0)] };
        for &l in lambdas {
            let (a, b) = (estimate_policy_value_checked(name, d.parts(), l), usual(&d, name, l));
            match (&a, &b) {
                (Ok(x), Ok(y)) => assert_eq!(x.to_bits(), y.to_bits(), "{name} λ={l:?}: {x} vs {y}"),
                (Err(x), Err(y)) => assert_eq!(x.to_string(), y.to_string(), "{name} λ={l:?}"),
                _ => panic!("{name} λ={l:?}: {a:?} vs {b:?}"),
            }
        }
    }
    // Defects in a later block, and in two blocks at once: the error a separate validation
    // reports first (rewards are checked before the target's probabilities), not the first block's.
    let mut bad = d.clone();
    bad.action_dist[6 * 10] = 1.5; // round 10 (block 0)
    bad.reward[4500] = f64::NAN; // round 4500 (block 2)
    let mut shapes = d.clone();
    shapes.pscore.pop();
    let mut late = d.clone();
    late.estimated_rewards_by_reg_model.as_mut().unwrap()[6 * 4999 + 5] = f64::INFINITY;
    for (what, d) in [("two defects", &bad), ("a short pscore", &shapes), ("a defect in the last round", &late)] {
        for name in ["ipw", "dr", "snipw"] {
            let a = estimate_policy_value_checked(name, d.parts(), None).expect_err(what).to_string();
            let b = usual(d, name, None).expect_err(what).to_string();
            assert_eq!(a, b, "{what}, {name}");
        }
    }
    assert!(usual(&bad, "ipw", None).unwrap_err().to_string().contains("reward"), "rewards are checked first");
}

#[test]
fn switch_dr_and_dros_at_infinity_equal_dr_and_dros_at_zero_equals_dm() {
    let b = Bandit::new(3, 20, 5, 1.0, 4.0);
    let d = b.log(3000, 4, 0.07);
    let v = d.view().unwrap();
    let dr = estimate_policy_value("dr", &v, None).unwrap();
    assert!((estimate_policy_value("switch-dr", &v, Some(f64::INFINITY)).unwrap() - dr).abs() < 1e-12);
    assert!((estimate_policy_value("dr-os", &v, Some(f64::INFINITY)).unwrap() - dr).abs() < 1e-12);
    assert!((estimate_policy_value("sg-dr", &v, Some(0.0)).unwrap() - dr).abs() < 1e-12);
    assert!(
        (estimate_policy_value("sg-ipw", &v, Some(0.0)).unwrap() - estimate_policy_value("ipw", &v, None).unwrap()).abs() < 1e-12
    );
    // every weight is positive here (softmax logger and target), so DRos(0) is exactly DM
    let dm = estimate_policy_value("dm", &v, None).unwrap();
    assert!((estimate_policy_value("dr-os", &v, Some(0.0)).unwrap() - dm).abs() < 1e-12);
}

#[test]
fn snipw_is_invariant_to_shifting_every_reward() {
    let b = Bandit::new(5, 10, 4, 2.0, -1.0);
    let mut d = b.log(1500, 6, 0.0);
    let before = estimate_policy_value("snipw", &d.view().unwrap(), None).unwrap();
    let ipw_before = estimate_policy_value("ipw", &d.view().unwrap(), None).unwrap();
    // the mean importance weight: IPW of a reward of 1 on every round
    let mut ones = d.clone();
    ones.reward.iter_mut().for_each(|r| *r = 1.0);
    let mean_w = estimate_policy_value("ipw", &ones.view().unwrap(), None).unwrap();
    d.reward.iter_mut().for_each(|r| *r += 3.0);
    let after = estimate_policy_value("snipw", &d.view().unwrap(), None).unwrap();
    assert!((after - before - 3.0).abs() < 1e-12);
    // IPW is not: it adds 3 × the mean weight, which is not exactly 1 on a finite sample.
    let ipw_after = estimate_policy_value("ipw", &d.view().unwrap(), None).unwrap();
    assert!((ipw_after - ipw_before - 3.0 * mean_w).abs() < 1e-9, "{ipw_after} − {ipw_before} vs 3 × {mean_w}");
    assert!((mean_w - 1.0).abs() > 1e-4, "the sample's mean weight {mean_w} differs from 1, so the shift shows");
}

#[test]
fn replay_keeps_about_one_in_k_rounds_of_a_uniform_log() {
    let k = 8;
    let mut b = Bandit::new(7, 30, k, 0.0, 0.0);
    // deterministic target: the best action per context
    b.target =
        b.mu.iter()
            .map(|m| {
                let best = (0..k).max_by(|&i, &j| m[i].total_cmp(&m[j])).unwrap();
                (0..k).map(|a| if a == best { 1.0 } else { 0.0 }).collect()
            })
            .collect();
    let n = 20_000;
    let d = b.log(n, 8, 0.0);
    let v = d.view().unwrap();
    let kept = (0..n).filter(|&i| v.pi_e_logged(i) == 1.0).count() as f64 / n as f64;
    let p = 1.0 / k as f64;
    assert!((kept - p).abs() < 4.0 * (p * (1.0 - p) / n as f64).sqrt(), "kept {kept}");
    // and replay is unbiased for the truth under a uniform logger
    let truth = b.truth();
    let iv = estimate_interval("rm", &v, None, IntervalMethod::Normal { alpha: 1e-4 }).unwrap();
    assert!(iv.lower < truth && truth < iv.upper, "{iv:?} vs {truth}");
}

#[test]
fn unbiased_estimators_are_unbiased_and_the_naive_mean_is_not() {
    // Skewed logger (β = 3) and a target that prefers the logger's least favourite actions.
    let b = Bandit::new(11, 50, 6, 3.0, -2.0);
    let truth = b.truth();
    let (r, n) = (300, 1000);
    let mut est = std::collections::BTreeMap::<&str, Vec<f64>>::new();
    for rep in 0..r {
        let d = b.log(n, 1000 + rep, 0.1);
        let v = d.view().unwrap();
        for name in ["ipw", "dr", "snipw", "sndr"] {
            est.entry(name).or_default().push(estimate_policy_value(name, &v, None).unwrap());
        }
        est.entry("naive").or_default().push(receval::stats::mean(&d.reward));
        est.entry("dm").or_default().push(estimate_policy_value("dm", &v, None).unwrap());
    }
    for name in ["ipw", "dr"] {
        let (m, se) = mean_and_se(&est[name]);
        assert!((m - truth).abs() < 4.0 * se, "{name}: mean {m} vs truth {truth} (se {se})");
    }
    // Self-normalized estimators have O(1/n) bias: allow it on top of the noise.
    for name in ["snipw", "sndr"] {
        let (m, se) = mean_and_se(&est[name]);
        assert!((m - truth).abs() < 4.0 * se + 2.0 / n as f64, "{name}: mean {m} vs truth {truth}");
    }
    // DM with a reward model that is off by +0.1 everywhere is off by 0.1.
    let (m, _) = mean_and_se(&est["dm"]);
    assert!((m - truth - 0.1).abs() < 1e-9 + 0.01, "dm {m}");
    let (m, se) = mean_and_se(&est["naive"]);
    assert!((m - truth).abs() > 20.0 * se, "the naive mean {m} should miss {truth} by far more than its se {se}");
}

#[test]
fn intervals_cover_the_truth_at_their_nominal_rate() {
    let b = Bandit::new(13, 40, 5, 1.5, 3.0);
    let truth = b.truth();
    let r = 200;
    let mut covered = std::collections::BTreeMap::<String, usize>::new();
    for rep in 0..r {
        let d = b.log(500, 5000 + rep, 0.05);
        let v = d.view().unwrap();
        for name in ["ipw", "snipw", "dr"] {
            for (label, method) in [
                ("normal", IntervalMethod::Normal { alpha: 0.05 }),
                (
                    "bootstrap",
                    IntervalMethod::Bootstrap(BootstrapOptions {
                        alpha: 0.05,
                        n_bootstrap_samples: 400,
                        random_state: Some(rep),
                    }),
                ),
            ] {
                let iv = estimate_interval(name, &v, None, method).unwrap();
                if iv.lower <= truth && truth <= iv.upper {
                    *covered.entry(format!("{name}/{label}")).or_default() += 1;
                }
            }
        }
    }
    // Nominal 95%; over 200 replicates the binomial standard error is 1.5%. Accept ≥ 95% − 4 se.
    let floor = 0.95 - 4.0 * (0.95f64 * 0.05 / r as f64).sqrt();
    for (k, c) in &covered {
        let rate = *c as f64 / r as f64;
        assert!(rate >= floor, "{k}: coverage {rate} below {floor}");
    }
    assert_eq!(covered.len(), 6);
}

#[test]
fn streaming_equals_batch_and_merging_halves_equals_one_pass() {
    let b = Bandit::new(17, 20, 4, 2.0, 1.0);
    let d = b.log(4000, 18, 0.02);
    let v = d.view().unwrap();
    for name in ["dm", "ipw", "snipw", "dr", "sndr", "switch-dr", "dr-os", "sg-ipw", "sg-dr", "rm"] {
        let lambda = if name == "dr-os" { Some(5.0) } else { None };
        let batch = estimate_policy_value(name, &v, lambda).unwrap();
        let mut whole = StreamingEstimator::new(name, lambda).unwrap();
        whole.add_feedback(&v).unwrap();
        assert!((whole.value() - batch).abs() < 1e-10, "{name}: {} vs {batch}", whole.value());
        let mut halves = [StreamingEstimator::new(name, lambda).unwrap(), StreamingEstimator::new(name, lambda).unwrap()];
        let q = d.estimated_rewards_by_reg_model.as_ref().unwrap();
        for i in 0..v.n_rounds() {
            let k = 4;
            let dm: f64 = (0..k).map(|a| d.action_dist[i * k + a] * q[i * k + a]).sum();
            let a = d.action[i] as usize;
            halves[i % 2].add_round(d.reward[i], d.pscore[i], d.action_dist[i * k + a], q[i * k + a], dm);
        }
        let [mut left, right] = halves;
        left.merge(&right).unwrap();
        assert!((left.value() - batch).abs() < 1e-10, "{name} merged: {} vs {batch}", left.value());
        assert!((left.standard_error() - whole.standard_error()).abs() < 1e-10 * (1.0 + whole.standard_error()));
        let restored = StreamingEstimator::from_state(&left.state()).unwrap();
        assert_eq!(restored.value(), left.value());
    }
}

#[test]
fn pseudoinverse_is_exactly_unbiased_for_additive_rewards_under_uniform_logging() {
    // m = 5 items, L = 3 positions: enumerate every slate of the uniform logger and average the PI
    // estimate weighted by its probability; it must equal the target's exact value when the slate
    // reward is a sum of per-(position, item) values.
    let (m, l) = (5usize, 3usize);
    let mut rng = Rng::new(21);
    let phi: Vec<f64> = (0..l * m).map(|_| rng.uniform()).collect(); // value of item a at position j
    // target: Plackett–Luce on fixed scores; its exact marginals by enumeration
    let scores: Vec<f64> = (0..m).map(|_| rng.normal()).collect();
    let mut slates = Vec::new();
    for a in 0..m {
        for b in 0..m {
            for c in 0..m {
                if a != b && b != c && a != c {
                    slates.push([a, b, c]);
                }
            }
        }
    }
    let pl = |s: &[usize; 3]| {
        let mut rest: Vec<usize> = (0..m).collect();
        let mut p = 1.0;
        for &x in s {
            let z: f64 = rest.iter().map(|&i| scores[i].exp()).sum();
            p *= scores[x].exp() / z;
            rest.retain(|&i| i != x);
        }
        p
    };
    let mut marg = vec![0.0; l * m];
    for s in &slates {
        for (j, &a) in s.iter().enumerate() {
            marg[j * m + a] += pl(s);
        }
    }
    let truth: f64 = (0..l * m).map(|i| marg[i] * phi[i]).sum();
    // One "log" containing every slate once (each has uniform probability 1/60).
    let n = slates.len();
    let mut slate_id = Vec::new();
    let mut position = Vec::new();
    let mut action = Vec::new();
    let mut reward = Vec::new();
    for (s, sl) in slates.iter().enumerate() {
        for (j, &a) in sl.iter().enumerate() {
            slate_id.push(s as u32);
            position.push(j as u32);
            action.push(a as u32);
            reward.push(phi[j * m + a]);
        }
    }
    let pscore = vec![1.0 / n as f64; n * l];
    let dist: Vec<f64> = (0..n).flat_map(|_| marg.clone()).collect();
    let est = PreparedSlateEstimate::new(
        SlateEstimator::Pi,
        SlateFeedbackParts {
            slate_id: &slate_id,
            position: &position,
            reward: &reward,
            len_list: l,
            pscore: Some(&pscore),
            action: Some(&action),
            n_unique_action: Some(m),
            evaluation_policy_item_position_dist: Some(&dist),
            ..Default::default()
        },
    )
    .unwrap();
    assert!((est.value() - truth).abs() < 1e-12, "PI {} vs truth {truth}", est.value());
    // A non-uniform logger is refused with a reason.
    let skewed: Vec<f64> = pscore.iter().enumerate().map(|(i, p)| if i < 3 { p * 2.0 } else { *p }).collect();
    let err = PreparedSlateEstimate::new(
        SlateEstimator::Pi,
        SlateFeedbackParts {
            slate_id: &slate_id,
            position: &position,
            reward: &reward,
            len_list: l,
            pscore: Some(&skewed),
            action: Some(&action),
            n_unique_action: Some(m),
            evaluation_policy_item_position_dist: Some(&dist),
            ..Default::default()
        },
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("uniform-without-replacement"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// On any valid input, every estimate is the mean of its round rewards and nothing panics.
    #[test]
    fn estimate_is_the_mean_of_round_rewards(
        n in 1usize..40, k in 1usize..5, seed in any::<u64>(), lambda in prop_oneof![Just(None), (0.0f64..20.0).prop_map(Some)]
    ) {
        let mut rng = Rng::new(seed);
        let mut d = BanditData { n_actions: k, len_list: 1, ..Default::default() };
        let mut q = Vec::new();
        for _ in 0..n {
            let raw: Vec<f64> = (0..k).map(|_| rng.uniform() + 1e-3).collect();
            let z: f64 = raw.iter().sum();
            let target: Vec<f64> = raw.iter().map(|x| x / z).collect();
            d.action.push(rng.below(k) as u32);
            d.pscore.push(0.01 + 0.99 * rng.uniform());
            d.reward.push(rng.normal());
            d.action_dist.extend(target);
            q.extend((0..k).map(|_| rng.uniform()));
        }
        d.estimated_rewards_by_reg_model = Some(q);
        let v = d.view().unwrap();
        for name in ["dm", "ipw", "snipw", "dr", "sndr", "switch-dr", "dr-os", "rm"] {
            let lam = if matches!(name, "ipw" | "dr" | "switch-dr" | "dr-os") { lambda } else { None };
            let e = estimate_policy_value(name, &v, lam).unwrap();
            let rr = estimate_round_rewards(name, &v, lam).unwrap();
            let m = rr.iter().sum::<f64>() / rr.len() as f64;
            prop_assert!((e - m).abs() <= 1e-9 * (1.0 + m.abs()) || (e.is_nan() && m.is_nan()), "{} {} vs {}", name, e, m);
        }
    }

    /// Arbitrary (mostly invalid) inputs give an error or a number, never a panic.
    #[test]
    fn arbitrary_input_never_panics(
        reward in prop::collection::vec(prop_oneof![any::<f64>(), Just(f64::NAN), 0.0f64..1.0], 0..8),
        action in prop::collection::vec(0u32..6, 0..8),
        pscore in prop::collection::vec(prop_oneof![any::<f64>(), 0.0f64..1.0], 0..8),
        dist in prop::collection::vec(prop_oneof![any::<f64>(), 0.0f64..1.0], 0..40),
        k in 0usize..6, len_list in 0usize..3,
    ) {
        let d = BanditData { reward, action, pscore, action_dist: dist.clone(), estimated_rewards_by_reg_model: Some(dist), n_actions: k, len_list, ..Default::default() };
        if let Ok(v) = d.view() {
            for name in ["dm", "ipw", "snipw", "dr", "rm"] {
                let _ = estimate_policy_value(name, &v, None);
            }
        }
    }
}

#[test]
fn self_normalized_bootstrap_counts_resamples_with_no_weight_instead_of_returning_nan() {
    use receval::estimators::{BanditData, BootstrapOptions, IntervalMethod, estimate_interval};
    // one round in six carries weight: about a third of resamples of six rounds hold none of it
    let data = BanditData {
        reward: vec![1.0, 0.0, 1.0, 0.0, 1.0, 1.0],
        action: vec![1, 0, 0, 0, 0, 0],
        pscore: vec![0.5; 6],
        position: None,
        action_dist: (0..6).flat_map(|_| [0.0, 1.0]).collect(),
        estimated_rewards_by_reg_model: None,
        pi_b: None,
        n_actions: 2,
        len_list: 1,
    };
    let view = data.view().unwrap();
    let opts = BootstrapOptions { n_bootstrap_samples: 3000, random_state: Some(1), ..Default::default() };
    let iv = estimate_interval("snipw", &view, None, IntervalMethod::Bootstrap(opts)).unwrap();
    assert!(iv.lower.is_finite() && iv.upper.is_finite() && iv.mean.is_finite(), "{iv:?}");
    // P(no resampled round is round 0) = (5/6)^6 ≈ 0.335: 3000 resamples give 1005 ± 26
    let expected = 3000.0 * (5.0f64 / 6.0).powi(6);
    let sd = (3000.0 * (5.0f64 / 6.0).powi(6) * (1.0 - (5.0f64 / 6.0).powi(6))).sqrt();
    assert!(
        (iv.degenerate_resamples as f64 - expected).abs() < 4.0 * sd,
        "{} degenerate resamples, expected {expected}",
        iv.degenerate_resamples
    );
    // estimators without a normalizer have none
    let iv = estimate_interval("ipw", &view, None, IntervalMethod::Bootstrap(opts)).unwrap();
    assert_eq!(iv.degenerate_resamples, 0);
}

#[test]
fn replay_diagnostics_count_the_rounds_replay_uses_and_warn_about_a_non_uniform_logger() {
    use receval::estimators::{BanditData, kernel_by_name, weight_diagnostics};
    // a deterministic target (action 1) and a stochastic one on 8 rounds
    let make = |pscore: Vec<f64>, dist: Vec<f64>| BanditData {
        reward: vec![1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0],
        action: vec![1, 0, 1, 0, 1, 0, 1, 1],
        pscore,
        position: None,
        action_dist: dist,
        estimated_rewards_by_reg_model: None,
        pi_b: None,
        n_actions: 2,
        len_list: 1,
    };
    let det: Vec<f64> = (0..8).flat_map(|_| [0.0, 1.0]).collect();
    let data = make(vec![0.5; 8], det.clone());
    let view = data.view().unwrap();
    let rm = kernel_by_name("rm", None).unwrap();
    let d = weight_diagnostics(rm, &view).unwrap();
    // replay keeps the 5 rounds whose logged action is 1: ESS 5, share of unused rounds 3/8
    assert!((d.effective_sample_size - 5.0).abs() < 1e-12, "{}", d.effective_sample_size);
    assert!((d.zero_weight_share - 3.0 / 8.0).abs() < 1e-12);
    assert!(rm.warnings(&view).unwrap().is_empty(), "uniform logger, deterministic target: nothing to say");
    // a stochastic target: rounds with 0 < π_e < 1 have a positive weight but replay drops them
    let stoch: Vec<f64> = (0..8).flat_map(|i| if i < 4 { [0.0, 1.0] } else { [0.3, 0.7] }).collect();
    let data = make(vec![0.5; 8], stoch);
    let d = weight_diagnostics(rm, &data.view().unwrap()).unwrap();
    assert!((d.effective_sample_size - 2.0).abs() < 1e-12, "only rounds 0 and 2 match with π_e = 1: {}", d.effective_sample_size);
    // ...and it says how many it drops: rounds 4–7 (π_e of the logged action 0.7, 0.3, 0.7, 0.7),
    // not rounds 1 and 3, whose π_e is 0 (a mismatch, not a stochastic choice)
    let w = rm.warnings(&data.view().unwrap()).unwrap();
    assert!(w.iter().any(|x| x.contains("ignores 4 rounds where the evaluation policy is stochastic")), "{w:?}");
    // a logger that is not uniform: replay's average is biased, and it says so
    let data = make(vec![0.5, 0.5, 0.9, 0.1, 0.5, 0.5, 0.5, 0.5], det);
    let w = rm.warnings(&data.view().unwrap()).unwrap();
    assert!(w.iter().any(|x| x.contains("unbiased only when the logger is uniform")), "{w:?}");
}

#[test]
fn weight_diagnostics_equal_their_definitions_on_unequal_weights() {
    use receval::estimators::{BanditData, kernel_by_name, weight_diagnostics};
    // 5 rounds, 2 actions; the target's probability of the logged action over its propensity
    // gives raw weights 0.4/0.5, 1/0.25, 0/0.8, 0.9/0.1, 0.5/0.5 = 0.8, 4, 0, 9, 1
    let data = BanditData {
        reward: vec![1.0, 0.0, 1.0, 1.0, 0.0],
        action: vec![0, 1, 0, 1, 0],
        pscore: vec![0.5, 0.25, 0.8, 0.1, 0.5],
        position: None,
        action_dist: vec![0.4, 0.6, 0.0, 1.0, 0.0, 1.0, 0.1, 0.9, 0.5, 0.5],
        estimated_rewards_by_reg_model: None,
        pi_b: None,
        n_actions: 2,
        len_list: 1,
    };
    let view = data.view().unwrap();
    let check = |w: &[f64], d: &receval::estimators::WeightDiagnostics, what: &str| {
        let n = w.len() as f64;
        let (s1, s2) = (w.iter().sum::<f64>(), w.iter().map(|x| x * x).sum::<f64>());
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12 * b.abs().max(1.0);
        assert!(close(d.effective_sample_size, s1 * s1 / s2), "{what}: ESS {} vs {}", d.effective_sample_size, s1 * s1 / s2);
        assert!(close(d.ess_ratio, s1 * s1 / s2 / n), "{what}: ESS ratio");
        assert!(close(d.mean_weight, s1 / n), "{what}: mean weight {}", d.mean_weight);
        assert!(close(d.max_weight, w.iter().cloned().fold(0.0, f64::max)), "{what}: max weight");
        assert!(close(d.zero_weight_share, w.iter().filter(|&&x| x == 0.0).count() as f64 / n), "{what}: zero share");
    };
    let raw = [0.8, 4.0, 0.0, 9.0, 1.0];
    let d = weight_diagnostics(kernel_by_name("ipw", None).unwrap(), &view).unwrap();
    check(&raw, &d, "IPW");
    let mean = raw.iter().sum::<f64>() / 5.0;
    assert!((d.mean_raw_weight - mean).abs() < 1e-12);
    let sd = (raw.iter().map(|w| (w - mean) * (w - mean)).sum::<f64>() / 4.0).sqrt(); // sample SD (n − 1)
    assert!((d.mean_raw_weight_se - sd / 5f64.sqrt()).abs() < 1e-12, "SE of the mean raw weight {}", d.mean_raw_weight_se);
    assert_eq!(d.mass_on_unlogged_actions, 0.0, "both actions are logged");
    assert_eq!(d.unsupported_mass, None, "no π_b given");
    // clipped at λ = 2: the estimator uses min(w, 2)
    let d = weight_diagnostics(kernel_by_name("ipw", Some(2.0)).unwrap(), &view).unwrap();
    check(&[0.8, 2.0, 0.0, 2.0, 1.0], &d, "IPW, λ = 2");
    assert!((d.mean_raw_weight - mean).abs() < 1e-12, "the raw weights are not clipped");
    // action 1 never logged: the target's mean mass on it is (0.6 + 1 + 1 + 0.9 + 0.5) / 5
    let only0 = BanditData { action: vec![0; 5], ..data.clone() };
    let d = weight_diagnostics(kernel_by_name("ipw", None).unwrap(), &only0.view().unwrap()).unwrap();
    assert!((d.mass_on_unlogged_actions - 4.0 / 5.0).abs() < 1e-12, "{}", d.mass_on_unlogged_actions);
    // with the logger's distribution: in round 2 it always takes action 0, where the target puts
    // all its mass on action 1, so a fifth of the target's mass (averaged over rounds) is unsupported
    let pscore = vec![0.5, 0.25, 1.0, 0.1, 0.5];
    let pi_b = vec![0.5, 0.5, 0.75, 0.25, 1.0, 0.0, 0.9, 0.1, 0.5, 0.5];
    let with_pi_b = BanditData { pscore, pi_b: Some(pi_b), ..data.clone() };
    let d = weight_diagnostics(kernel_by_name("ipw", None).unwrap(), &with_pi_b.view().unwrap()).unwrap();
    assert!((d.unsupported_mass.unwrap() - 0.2).abs() < 1e-12, "{:?}", d.unsupported_mass);
    assert!(d.support_violation && d.warnings.iter().any(|w| w.contains("20.0% of its mass")), "{:?}", d.warnings);
    // the estimators whose weights are not a kernel's (MIPS, multi-logger) share the definitions
    let d = receval::estimators::diagnostics::from_weights(&raw);
    check(&raw, &d, "from_weights");
    assert!((d.mean_raw_weight_se - sd / 5f64.sqrt()).abs() < 1e-12);
    // weights whose squares overflow still give the right ESS (2 equal weights: 2)
    let d = receval::estimators::diagnostics::from_weights(&[1e200, 1e200]);
    assert!((d.effective_sample_size - 2.0).abs() < 1e-12, "{}", d.effective_sample_size);
}

/// A slate estimate over some `slots` of a log kept as seven columns (reward, then the behaviour
/// and target probabilities of SIPS, IIPS and RIPS), slot i being position i % l of slate i / l.
fn slate_estimate(est: SlateEstimator, cols: &[Vec<f64>; 7], l: usize, slots: &[usize]) -> PreparedSlateEstimate {
    let col = |c: usize| slots.iter().map(|&i| cols[c][i]).collect::<Vec<f64>>();
    let slate_id: Vec<u32> = slots.iter().map(|&i| (i / l) as u32).collect();
    let position: Vec<u32> = slots.iter().map(|&i| (i % l) as u32).collect();
    let c: Vec<Vec<f64>> = (0..7).map(col).collect();
    let parts = SlateFeedbackParts {
        slate_id: &slate_id,
        position: &position,
        reward: &c[0],
        len_list: l,
        pscore: Some(&c[1]),
        evaluation_policy_pscore: Some(&c[2]),
        pscore_item_position: Some(&c[3]),
        evaluation_policy_pscore_item_position: Some(&c[4]),
        pscore_cascade: Some(&c[5]),
        evaluation_policy_pscore_cascade: Some(&c[6]),
        ..Default::default()
    };
    match PreparedSlateEstimate::new(est, parts) {
        Ok(p) => p,
        Err(e) => panic!("{}: {e}", est.name()),
    }
}

/// What a slate estimate gives: its value's bits, or its error message.
fn slate_outcome(r: receval::Result<f64>) -> Result<u64, String> {
    r.map(f64::to_bits).map_err(|e| e.to_string())
}

#[test]
fn the_one_pass_slate_estimate_is_the_general_one_bit_for_bit_with_the_same_errors() {
    use receval::estimators::{CheckedSlateSums, slate_value_checked};
    // Slates of up to 4 slots (some incomplete), slate after slate, negative and fractional
    // rewards; then one defect at a time, and layouts the one pass leaves to the general path.
    let l = 4usize;
    let mut rng = Rng::new(91);
    let (mut ids, mut pos) = (Vec::new(), Vec::new());
    let mut cols: [Vec<f64>; 7] = Default::default();
    for s in 0..400u32 {
        let (sb, se) = (0.05 + 0.95 * rng.uniform(), rng.uniform());
        let (mut pb, mut pe) = (1.0, 1.0);
        let len = if s % 7 == 3 { 2 } else { l };
        for k in 0..len {
            pb *= 0.3 + 0.7 * rng.uniform();
            pe *= 0.3 + 0.7 * rng.uniform();
            let reward = [1.0, 0.0, -0.5, 2.25][rng.below(4)];
            ids.push(s * 3); // gaps between ids
            pos.push(k as u32);
            for (c, x) in cols.iter_mut().zip([reward, sb, se, 0.1 + 0.9 * rng.uniform(), rng.uniform(), pb, pe]) {
                c.push(x);
            }
        }
    }
    let names = ["sips", "iips", "rips", "snsips", "sniips", "snrips"];
    let check = |what: &str, ids: &[u32], pos: &[u32], cols: &[Vec<f64>; 7]| {
        for name in names {
            let est = SlateEstimator::by_name(name).unwrap();
            let parts = SlateFeedbackParts {
                slate_id: ids,
                position: pos,
                reward: &cols[0],
                len_list: l,
                pscore: Some(&cols[1]),
                evaluation_policy_pscore: Some(&cols[2]),
                pscore_item_position: Some(&cols[3]),
                evaluation_policy_pscore_item_position: Some(&cols[4]),
                pscore_cascade: Some(&cols[5]),
                evaluation_policy_pscore_cascade: Some(&cols[6]),
                ..Default::default()
            };
            let general = slate_outcome(PreparedSlateEstimate::new(est, parts).map(|p| p.value()));
            let fused = slate_outcome(slate_value_checked(est, parts));
            assert_eq!(fused, general, "{what}: {name}");
            // the same sums fed block by block, slates straddling blocks (what the JS binding
            // does with typed arrays): the value when every block passes, else no value
            let (b, e) = match name {
                "sips" | "snsips" => (&cols[1], &cols[2]),
                "iips" | "sniips" => (&cols[3], &cols[4]),
                _ => (&cols[5], &cols[6]),
            };
            for block in [1, 7, 333] {
                let Some(mut sums) = CheckedSlateSums::new(est, l, ids.len()) else {
                    assert!(ids.len() < l && general.is_err(), "{what}: {name}: no sums for a log the general path takes");
                    continue;
                };
                let ok = (0..ids.len()).step_by(block).all(|a| {
                    let z = (a + block).min(ids.len());
                    sums.add(&ids[a..z], &pos[a..z], &cols[0][a..z], &b[a..z], &e[a..z])
                });
                let streamed = if ok { sums.finish().map(f64::to_bits) } else { None };
                if let Some(bits) = streamed {
                    assert_eq!(Ok(bits), general, "{what}: {name} in blocks of {block}");
                } else {
                    assert!(
                        general.is_err() || what.contains("decrease") || what.contains("out of order"),
                        "{what}: {name}: blocks of {block} refused a log the general path takes"
                    );
                }
            }
        }
    };
    check("a clean log", &ids, &pos, &cols);
    // a uniform logger's log: the one pass takes it (the check refuses a refusal)
    check("a uniform logger", &ids, &pos, &slates::uniform_logger(&pos, &cols));
    // the values are not all the same estimate (the comparison above is not vacuous)
    let sips = slate_value_checked(
        SlateEstimator::Sips,
        SlateFeedbackParts {
            slate_id: &ids,
            position: &pos,
            reward: &cols[0],
            len_list: l,
            pscore: Some(&cols[1]),
            evaluation_policy_pscore: Some(&cols[2]),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(sips.is_finite() && sips != 0.0);
    // one defect at a time, each somewhere in the middle of the log
    let defects: Vec<(&str, usize, f64)> = vec![
        ("a NaN reward", 0, f64::NAN),
        ("an infinite reward", 0, f64::INFINITY),
        ("a zero SIPS propensity", 1, 0.0),
        ("a subnormal IIPS propensity", 3, 1e-310),
        ("a target probability above 1", 2, 1.5),
        ("a negative target probability", 4, -0.1),
        ("a NaN cascade propensity", 5, f64::NAN),
        ("a cascade prefix that increases", 6, 1.0),
    ];
    for (what, c, x) in defects {
        for at in [0, 517, 1000] {
            let mut bad = cols.clone();
            bad[c][at] = x;
            check(what, &ids, &pos, &bad);
        }
    }
    // a SIPS propensity that differs within its slate (slot 601 is not its slate's first)
    let mut bad = cols.clone();
    bad[1][601] *= 0.5;
    check("a whole-slate propensity that differs within its slate", &ids, &pos, &bad);
    let mut bad = cols.clone();
    bad[2][602] *= 0.5;
    check("a whole-slate target probability that differs within its slate", &ids, &pos, &bad);
    // the same for the prefix probabilities: one that increases down its slate, of each policy
    for c in [5, 6] {
        let mut bad = cols.clone();
        bad[c][603] = bad[c][602] * 1.5;
        check("a prefix probability that increases", &ids, &pos, &bad);
    }
    let mut p2 = pos.clone();
    p2[602] = 9;
    check("a position past lenList", &ids, &p2, &cols);
    p2[602] = p2[601];
    check("a position twice in a slate", &ids, &p2, &cols);
    // layouts the one pass leaves to the general path: positions out of order within a slate,
    // slates not in id order (both valid)
    let mut p3 = pos.clone();
    p3.swap(600, 601);
    check("positions out of order within a slate", &ids, &p3, &cols);
    let i3: Vec<u32> = ids.iter().map(|&x| 2000 - x).collect();
    check("slate ids that decrease", &i3, &pos, &cols);
    check("one slot", &ids[..1], &pos[..1], &cols.clone().map(|c| c[..1].to_vec()));
    // a lenList past the number of slots is refused before any table of lenList entries exists
    assert!(CheckedSlateSums::new(SlateEstimator::SnIips, 1_000_000_000, 10).is_none());
    assert!(CheckedSlateSums::new(SlateEstimator::SnIips, 10, 10).is_some());
    assert!(CheckedSlateSums::new(SlateEstimator::CascadeDr, 10, 10).is_none());
    // sums given fewer slots than the log was said to have give no value (lenList was checked
    // against the log's length)
    let mut sums = CheckedSlateSums::new(SlateEstimator::Sips, 4, 8).unwrap();
    assert!(sums.add(&ids[..4], &pos[..4], &cols[0][..4], &cols[1][..4], &cols[2][..4]));
    assert_eq!(sums.finish(), None);
    // 6,689 one-slot slates with lenList 6,689: the general path's table of slates × positions
    // (6,689² × 24 bytes) is over the limit for SNIIPS and SNRIPS, so the one pass gives its error
    let n = 6689;
    let (ids, pos): (Vec<u32>, Vec<u32>) = ((0..n as u32).collect(), vec![0; n]);
    let (r, p) = (vec![1.0; n], &vec![0.5; n][..]);
    for name in ["sniips", "snrips", "iips"] {
        let est = SlateEstimator::by_name(name).unwrap();
        let mut parts = SlateFeedbackParts { slate_id: &ids, position: &pos, reward: &r, len_list: n, ..Default::default() };
        (parts.pscore_item_position, parts.evaluation_policy_pscore_item_position) = (Some(p), Some(p));
        (parts.pscore_cascade, parts.evaluation_policy_pscore_cascade) = (Some(p), Some(p));
        let general = slate_outcome(PreparedSlateEstimate::new(est, parts).map(|p| p.value()));
        assert_eq!(general.is_err(), name != "iips", "{name}: {general:?}");
        assert_eq!(slate_outcome(slate_value_checked(est, parts)), general, "{name}");
    }
}

#[test]
fn slates_laid_out_in_any_order_give_the_same_estimates_as_slate_after_slate() {
    // Slots grouped slate after slate (ids never decreasing: the grouping's fast path) and the
    // same slots with the slates interleaved and out of order (the general path).
    let (ns, l) = (300usize, 4usize);
    let mut rng = Rng::new(77);
    let mut cols: [Vec<f64>; 7] = Default::default();
    for _ in 0..ns {
        let (sb, se) = (0.05 + 0.95 * rng.uniform(), rng.uniform());
        let (mut pb, mut pe) = (1.0, 1.0);
        for _ in 0..l {
            pb *= 0.3 + 0.7 * rng.uniform();
            pe *= 0.3 + 0.7 * rng.uniform();
            let (b, e) = (0.1 + 0.9 * rng.uniform(), rng.uniform());
            let reward = if rng.bernoulli(0.3) { 1.0 } else { 0.0 };
            for (c, x) in cols.iter_mut().zip([reward, sb, se, b, e, pb, pe]) {
                c.push(x);
            }
        }
    }
    // interleaved: slates in reverse order, two at a time, their slots alternating, each
    // slate's positions in the order 2, 0, 3, 1
    let mut order = Vec::new();
    for pair in (0..ns).rev().collect::<Vec<_>>().chunks(2) {
        for k in [2, 0, 3, 1] {
            order.extend(pair.iter().map(|&s| s * l + k));
        }
    }
    let run = |est: SlateEstimator, slots: &[usize]| {
        let p = slate_estimate(est, &cols, l, slots);
        let rr: Vec<(usize, f64)> = slots.iter().copied().zip(p.round_rewards().iter().copied()).collect();
        (p.value(), p.normal(0.05).unwrap(), p.n_slates(), rr)
    };
    let in_order: Vec<usize> = (0..ns * l).collect();
    for name in ["sips", "iips", "rips", "snsips", "sniips", "snrips"] {
        let est = SlateEstimator::by_name(name).unwrap();
        let (v, iv, n, rr) = run(est, &in_order);
        let (v2, iv2, n2, mut rr2) = run(est, &order);
        assert_eq!((n, n2), (ns, ns), "{name}");
        assert!(
            (v - v2).abs() < 1e-12 && (iv.upper - iv2.upper).abs() < 1e-12 && (iv.lower - iv2.lower).abs() < 1e-12,
            "{name}: {v} {iv:?} vs {v2} {iv2:?}"
        );
        rr2.sort_by_key(|x| x.0);
        assert!(rr.iter().zip(&rr2).all(|(a, b)| a.0 == b.0 && (a.1 - b.1).abs() < 1e-12), "{name}: per-slot values");
    }
    // a position twice in a slate: the first slot (in log order) that repeats one, in either layout
    let dup = |slate_id: &[u32], position: &[u32]| {
        let n = slate_id.len();
        let ones = vec![0.5; n];
        let parts = SlateFeedbackParts {
            slate_id,
            position,
            reward: &ones,
            len_list: 3,
            pscore_item_position: Some(&ones),
            evaluation_policy_pscore_item_position: Some(&ones),
            ..Default::default()
        };
        match PreparedSlateEstimate::new(SlateEstimator::Iips, parts) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("a repeated position is refused"),
        }
    };
    assert!(dup(&[0, 0, 0, 1, 1, 1], &[0, 1, 2, 0, 2, 2]).contains("slate 1 has position 2 twice (index 5)"));
    assert!(dup(&[1, 0, 1, 0, 1, 0], &[0, 0, 2, 1, 2, 1]).contains("slate 1 has position 2 twice (index 4)"));
}

#[test]
fn slate_normal_standard_errors_agree_with_the_jackknife() {
    // The delta-method standard error of every slate estimator (a ratio of means for the
    // self-normalized ones) against the jackknife over slates, computed here from the estimate
    // alone: for smooth statistics the two agree up to O(1/n) (exactly for the plain means).
    let (n, l) = (400usize, 3usize);
    let mut rng = Rng::new(2024);
    let mut u = move || rng.uniform();
    let mut cols: [Vec<f64>; 7] = Default::default(); // reward, then 3 behaviour / 3 target probabilities
    for _ in 0..n {
        let (mut pb, mut pe) = (1.0, 1.0);
        let (sb, se) = (0.05 + 0.95 * u(), u());
        for _ in 0..l {
            let (b, e) = (0.1 + 0.9 * u(), u());
            pb *= 0.3 + 0.7 * u();
            pe *= 0.3 + 0.7 * u();
            let reward = if u() < 0.2 + 0.5 * e { 1.0 } else { 0.0 };
            for (c, x) in cols.iter_mut().zip([reward, sb, se, b, e, pb, pe]) {
                c.push(x);
            }
        }
    }
    // ragged: every third slate lacks its last position (a slate may show fewer items), so the
    // per-group slot counts vary across slates and their term in the standard error matters
    let estimate = |est: SlateEstimator, keep: &dyn Fn(usize) -> bool, ragged: bool| {
        let slots: Vec<usize> = (0..n * l).filter(|&i| keep(i / l) && !(ragged && (i / l) % 3 == 0 && i % l == l - 1)).collect();
        let p = slate_estimate(est, &cols, l, &slots);
        let iv = p.normal(0.05).unwrap();
        (p.value(), (iv.upper - iv.lower) / (2.0 * 1.959_963_984_540_054))
    };
    for ragged in [false, true] {
        for name in ["sips", "iips", "rips", "snsips", "sniips", "snrips"] {
            let est = SlateEstimator::by_name(name).unwrap();
            let (_, se) = estimate(est, &|_| true, ragged);
            let loo: Vec<f64> = (0..n).map(|i| estimate(est, &|s| s != i, ragged).0).collect();
            let m = loo.iter().sum::<f64>() / n as f64;
            let jack = ((n - 1) as f64 / n as f64 * loo.iter().map(|x| (x - m) * (x - m)).sum::<f64>()).sqrt();
            assert!((se / jack - 1.0).abs() < 0.02, "{name} (ragged: {ragged}): delta-method SE {se} vs jackknife {jack}");
        }
    }
}

#[test]
fn the_empirical_bernstein_interval_is_maurer_pontils_bound() {
    use receval::estimators::interval::empirical_bernstein;
    // low-variance values in [0, 1]: the bound (Maurer & Pontil 2009, Thm 4, δ = α/2 per side)
    // is mean ± (√(2 V ln(2/δ) / n) + 7 (hi − lo) ln(2/δ) / (3 (n − 1))), V the sample variance,
    // and narrower than Hoeffding's (hi − lo) √(ln(2/δ) / (2n)), which ignores the variance
    let mut rng = Rng::new(5);
    let xs: Vec<f64> = (0..10_000).map(|_| 0.45 + 0.1 * rng.uniform()).collect();
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    let ln = (2.0 / 0.025f64).ln();
    let radius = (2.0 * v * ln / n).sqrt() + 7.0 * ln / (3.0 * (n - 1.0));
    let iv = empirical_bernstein(&xs, 0.05, 0.0, 1.0).unwrap();
    assert!((iv.lower - (m - radius)).abs() < 1e-12 && (iv.upper - (m + radius)).abs() < 1e-12, "{iv:?} vs {m} ± {radius}");
    let hoeffding = (ln / (2.0 * n)).sqrt();
    assert!(radius < 0.5 * hoeffding, "Bernstein {radius} vs Hoeffding {hoeffding}");
    // the bound depends on the range's width only: shifting the values and the range together
    // shifts the interval (the range [2, 3] instead of [0, 1]; the bound is not clamped here)
    let shifted: Vec<f64> = xs.iter().map(|x| x + 2.0).collect();
    let moved = empirical_bernstein(&shifted, 0.05, 2.0, 3.0).unwrap();
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    assert!(close(moved.lower, iv.lower + 2.0) && close(moved.upper, iv.upper + 2.0), "{moved:?} vs {iv:?} + 2");
}

#[test]
fn mean_weights_far_below_one_are_reported_as_a_likely_support_violation() {
    use receval::estimators::diagnostics::{from_weights, weight_diagnostics};
    use receval::estimators::kernel_by_name;
    // Without π_b, the evidence is the mean raw weight: below 1 by more than 4 standard errors
    // (and below 0.99). Weights 0.5 ± 0.1: evidence; weights 1 ± 0.1: none.
    let low: Vec<f64> = (0..400).map(|i| if i % 2 == 0 { 0.4 } else { 0.6 }).collect();
    let fair: Vec<f64> = low.iter().map(|w| w + 0.5).collect();
    for (w, want) in [(&low, true), (&fair, false)] {
        let d = from_weights(w);
        assert_eq!(d.support_violation, want, "from_weights, mean {}", d.mean_raw_weight);
        assert_eq!(d.warnings.iter().any(|m| m.contains("likely support violation")), want, "{:?}", d.warnings);
        // the same weights as a log: 2 actions, the target's probability of the logged action
        // is w × pscore (pscore 0.5 everywhere)
        let n = w.len();
        let data = BanditData {
            reward: vec![1.0; n],
            action: vec![0; n],
            pscore: vec![0.5; n],
            action_dist: w.iter().flat_map(|w| [w * 0.5, 1.0 - w * 0.5]).collect(),
            n_actions: 2,
            len_list: 1,
            ..Default::default()
        };
        let d = weight_diagnostics(kernel_by_name("ipw", None).unwrap(), &data.view().unwrap()).unwrap();
        assert_eq!(d.unsupported_mass, None, "no π_b given");
        assert_eq!(d.support_violation, want, "weight_diagnostics, mean {}", d.mean_raw_weight);
        assert_eq!(d.warnings.iter().any(|m| m.contains("likely support violation")), want, "{:?}", d.warnings);
    }
    // a mean of 0.995 is within 1% of 1: no warning however small its standard error
    assert!(!from_weights(&[0.995; 100]).support_violation);
}

#[test]
fn an_effective_sample_size_below_one_percent_of_the_rounds_is_reported() {
    use receval::estimators::diagnostics::{from_weights, weight_diagnostics};
    use receval::estimators::kernel_by_name;
    // 1,000 rounds, one weight 1,000 and the rest 0.01: ESS = (Σw)² / Σw² ≈ 1.02, under 1% of
    // the rounds; all weights equal: ESS = 1,000
    let n = 1000;
    let skewed: Vec<f64> = (0..n).map(|i| if i == 0 { 1000.0 } else { 0.01 }).collect();
    let flat = vec![1.0; n];
    for (w, want) in [(&skewed, true), (&flat, false)] {
        let low = |warnings: &[String]| warnings.iter().any(|m| m.contains("effective sample size is"));
        let d = from_weights(w);
        assert_eq!(low(&d.warnings), want, "from_weights: ESS {}", d.effective_sample_size);
        // the same weights as a log (pscore 0.001, so π_e(logged) = w / 1000, 1001 actions)
        let k = 1001;
        let mut action_dist = vec![0.0; n * k];
        for (i, wi) in w.iter().enumerate() {
            let pe = wi * 0.001;
            action_dist[i * k] = pe;
            action_dist[i * k + 1] = 1.0 - pe;
        }
        let data = BanditData {
            reward: vec![1.0; n],
            action: vec![0; n],
            pscore: vec![0.001; n],
            action_dist,
            n_actions: k,
            len_list: 1,
            ..Default::default()
        };
        let d = weight_diagnostics(kernel_by_name("ipw", None).unwrap(), &data.view().unwrap()).unwrap();
        assert_eq!(low(&d.warnings), want, "weight_diagnostics: ESS {}", d.effective_sample_size);
    }
}

#[test]
fn estimates_with_positions_read_each_rounds_own_position() {
    // 3 rounds, 2 actions, 3 positions; π_e(a | k) differs by position, so reading another
    // position's (or another round's) probability changes every estimate.
    let pe = |i: usize, a: usize, k: usize| -> f64 {
        let p0 = [0.1, 0.3, 0.6][k] + 0.05 * i as f64;
        if a == 0 { p0 } else { 1.0 - p0 }
    };
    let (action, position) = (vec![1u32, 0, 1], vec![2u32, 1, 0]);
    let (reward, pscore) = (vec![1.0, 0.5, 0.25], vec![0.5, 0.4, 0.8]);
    let q = |i: usize, a: usize, k: usize| 0.1 * (i + 1) as f64 + 0.2 * a as f64 + 0.01 * k as f64;
    let mut action_dist = Vec::new();
    let mut qs = Vec::new();
    for i in 0..3 {
        for a in 0..2 {
            for k in 0..3 {
                action_dist.push(pe(i, a, k));
                qs.push(q(i, a, k));
            }
        }
    }
    let data = BanditData {
        reward: reward.clone(),
        action: action.clone(),
        pscore: pscore.clone(),
        position: Some(position.clone()),
        action_dist,
        estimated_rewards_by_reg_model: Some(qs),
        n_actions: 2,
        len_list: 3,
        ..Default::default()
    };
    let v = data.view().unwrap();
    let (mut ipw, mut dm, mut dr) = (0.0, 0.0, 0.0);
    for i in 0..3 {
        let (a, k) = (action[i] as usize, position[i] as usize);
        let w = pe(i, a, k) / pscore[i];
        let dmi = (0..2).map(|b| pe(i, b, k) * q(i, b, k)).sum::<f64>();
        ipw += w * reward[i] / 3.0;
        dm += dmi / 3.0;
        dr += (dmi + w * (reward[i] - q(i, a, k))) / 3.0;
    }
    for (name, want) in [("ipw", ipw), ("dm", dm), ("dr", dr)] {
        let got = estimate_policy_value(name, &v, None).unwrap();
        assert!((got - want).abs() < 1e-12, "{name}: {got} vs {want}");
        let checked = estimate_policy_value_checked(name, data.parts(), None).unwrap();
        assert_eq!(checked.to_bits(), got.to_bits(), "{name}: block by block");
    }
}
