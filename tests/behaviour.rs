#![cfg(all(not(target_arch = "wasm32"), feature = "course"))]
//! What the user-behaviour and ecosystem lessons claim, checked on the core: skips and intents,
//! missing-not-at-random ratings and their inverse-propensity fix, preference elicitation, the
//! causal graph's adjustment, and stakeholder metrics.

use receval::causal::{Adjust, Scm, bootstrap_se, estimate};
use receval::config::Value;
use receval::elicit::{ElicitConfig, Strategy, simulate, simulate_qualities};
use receval::stakeholders::{creator_dynamics, metrics};
use receval::world::ratings::{random_set, self_selected};
use receval::world::{CollectOptions, IntentConfig, Log, Policy, PolicySpec, ScoreSpec, Signal, World, WorldConfig};
use std::sync::Arc;

fn mean_se(xs: &[f64]) -> (f64, f64) {
    (receval::stats::mean(xs), receval::stats::std_dev(xs) / (xs.len() as f64).sqrt())
}

#[test]
fn a_skip_means_dislike_when_listening_and_nothing_when_sampling() {
    let w = Arc::new(
        World::new(WorldConfig {
            n_users: 200,
            n_items: 30,
            intent: IntentConfig { sampling_share: 0.5, taste_link: 0.0, declared_share: 0.4 },
            ..Default::default()
        })
        .unwrap(),
    );
    let spec = PolicySpec::Uniform;
    let log = Log::collect(w.clone(), &spec, &CollectOptions { n_rounds: 100_000, seed: 3, len_list: 1, reward: None }).unwrap();
    let (liked, skip) = (log.signal(Signal::Click), log.signal(Signal::Skip));
    let rate = |intent: u8, like: f64| {
        let xs: Vec<f64> = (0..log.n_rows()).filter(|&r| log.intent[r] == intent && liked[r] == like).map(|r| skip[r]).collect();
        mean_se(&xs)
    };
    let (listen_liked, se1) = rate(0, 1.0);
    let (listen_disliked, se2) = rate(0, 0.0);
    assert!(
        listen_disliked - listen_liked > 0.7
            && (listen_liked - 0.05).abs() < 4.0 * se1
            && (listen_disliked - 0.85).abs() < 4.0 * se2
    );
    let (sample_liked, se3) = rate(1, 1.0);
    let (sample_disliked, se4) = rate(1, 0.0);
    assert!(
        (sample_liked - sample_disliked).abs() < 4.0 * (se3 * se3 + se4 * se4).sqrt(),
        "sampling skips do not depend on liking"
    );
    // the declared intent is the true intent, for about 40% of sessions
    let declared: Vec<usize> = (0..log.n_rows()).filter(|&r| log.declared[r] >= 0).collect();
    assert!(declared.iter().all(|&r| log.declared[r] as u8 == log.intent[r]));
    let share = declared.len() as f64 / log.n_rows() as f64;
    assert!((share - 0.4).abs() < 4.0 * (0.24f64 / log.n_rows() as f64).sqrt());
}

#[test]
fn self_selected_ratings_are_biased_and_inverse_propensity_weighting_fixes_them() {
    let w = World::new(WorldConfig {
        n_users: 400,
        n_items: 60,
        ratings: receval::world::RatingConfig { rate: 0.3, mnar: 3.0 },
        ..Default::default()
    })
    .unwrap();
    let truth: f64 = (0..400 * 60).map(|x| w.true_rating(x / 60, x % 60) as f64).sum::<f64>() / (400.0 * 60.0);
    let chooser = Policy::compile(&w, &PolicySpec::Softmax { beta: 2.0, score: ScoreSpec::relevance() }).unwrap();
    let n_pairs = 400.0 * 60.0;
    // Over replicates: the naive mean of observed ratings is biased; the IPS (Horvitz–Thompson)
    // estimate of the all-pairs mean, Σ r/p / (n_users·n_items), is unbiased.
    let (mut naive, mut ips) = (Vec::new(), Vec::new());
    for rep in 0..60 {
        let r = self_selected(&w, &chooser, 8.0, 100 + rep).unwrap();
        naive.push(r.rating.iter().map(|&x| x as f64).sum::<f64>() / r.rating.len() as f64);
        ips.push(r.rating.iter().zip(&r.propensity).map(|(&x, p)| x as f64 / p).sum::<f64>() / n_pairs);
    }
    let (m_ips, se_ips) = mean_se(&ips);
    let (m_naive, se_naive) = mean_se(&naive);
    assert!((m_ips - truth).abs() < 4.0 * se_ips, "IPS {m_ips} ± {se_ips} vs truth {truth}");
    assert!((m_naive - truth).abs() > 10.0 * se_naive, "naive {m_naive} should be far from {truth}");
    // A random survey is unbiased as it is.
    let rs: Vec<f64> = (0..20)
        .map(|rep| {
            let r = random_set(&w, 5, 500 + rep).unwrap();
            r.rating.iter().map(|&x| x as f64).sum::<f64>() / r.rating.len() as f64
        })
        .collect();
    let (m_rand, se_rand) = mean_se(&rs);
    assert!((m_rand - truth).abs() < 4.0 * se_rand);
}

#[test]
fn adaptive_elicitation_beats_random_questions_by_more_than_4_standard_errors() {
    let w = World::new(WorldConfig { n_users: 400, n_items: 120, taste_strength: 2.0, ..Default::default() }).unwrap();
    let config = ElicitConfig { options: 3, choice_sharpness: 2.0, particles: 600 };
    let adaptive = simulate_qualities(&w, Strategy::Adaptive, config, 400, 6, 10, 9).unwrap();
    let random = simulate_qualities(&w, Strategy::Random, config, 400, 6, 10, 9).unwrap();
    assert_eq!(adaptive[0], random[0], "same users, same starting point");
    // Paired over the same simulated users: the mean improvement and its standard error.
    for k in [4, 6] {
        let d: Vec<f64> = adaptive[k].iter().zip(&random[k]).map(|(a, r)| a - r).collect();
        let (m, se) = mean_se(&d);
        assert!(m > 4.0 * se, "after {k} answers: adaptive − random = {m} ± {se}");
    }
    // answers help: quality after 6 answers is well above the cold start
    let gain: Vec<f64> = adaptive[6].iter().zip(&adaptive[0]).map(|(a, b)| a - b).collect();
    let (m, se) = mean_se(&gain);
    assert!(m > 4.0 * se);
    // the summary form agrees with the per-user form
    let summary = simulate(&w, Strategy::Random, config, 400, 6, 10, 9).unwrap();
    assert!((summary[6].0 - receval::stats::mean(&random[6])).abs() < 1e-15);
}

#[test]
fn back_door_adjustment_recovers_the_interventional_effect_and_the_naive_association_does_not() {
    let scm = Scm::from_value(&Value::object([("confounding", Value::from(1.5))])).unwrap();
    let n = 40_000;
    let counts = scm.sample_counts(n, 1);
    let all = Adjust { taste: true, popularity: true };
    let est = estimate(&counts, 1, all).unwrap();
    let se = bootstrap_se(&counts, 1, all, 200, 2);
    let truth = scm.interventional(1);
    assert!((est.adjusted - truth).abs() < 4.0 * se[1], "adjusted {} ± {} vs {truth}", est.adjusted, se[1]);
    assert!((est.ipw - truth).abs() < 4.0 * se[2], "ipw {} ± {} vs {truth}", est.ipw, se[2]);
    assert!((est.naive - truth).abs() > 6.0 * se[0], "naive {} should miss {truth}", est.naive);
    // adjusting for popularity alone leaves the taste back-door open
    let partial = estimate(&counts, 1, Adjust { taste: false, popularity: true }).unwrap();
    let se_p = bootstrap_se(&counts, 1, Adjust { taste: false, popularity: true }, 200, 3);
    assert!((partial.adjusted - truth).abs() > 6.0 * se_p[1]);
    // without confounding edges, the naive association is the effect
    let clean = Scm::from_value(&Value::object([("confounding", Value::from(0.0))])).unwrap();
    let c = clean.sample_counts(n, 4);
    let e = estimate(&c, 1, Adjust { taste: false, popularity: false }).unwrap();
    let s = bootstrap_se(&c, 1, Adjust { taste: false, popularity: false }, 200, 5);
    assert!((e.naive - clean.interventional(1)).abs() < 4.0 * s[0]);
}

#[test]
fn stakeholder_metrics_add_up_and_creators_leave_under_concentrated_exposure() {
    let w = World::new(WorldConfig { n_users: 300, n_items: 80, n_creators: 20, ..Default::default() }).unwrap();
    let greedy_pop = Policy::compile(
        &w,
        &PolicySpec::Softmax { beta: 4.0, score: ScoreSpec { relevance: 1.0, popularity: 2.0, ..Default::default() } },
    )
    .unwrap();
    let fair = Policy::compile(
        &w,
        &PolicySpec::Softmax { beta: 1.0, score: ScoreSpec { relevance: 1.0, popularity: -1.0, ..Default::default() } },
    )
    .unwrap();
    let m = metrics(&w, &greedy_pop).unwrap();
    assert!((m.item_exposure.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!((m.creator_exposure.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!((m.engagement - w.policy_value(&greedy_pop, Signal::Click).unwrap()).abs() < 1e-12);
    let mf = metrics(&w, &fair).unwrap();
    assert!(m.creator_gini > mf.creator_gini && m.tail_share < mf.tail_share);
    let dyn_pop = creator_dynamics(&w, &greedy_pop, 8, 0.3).unwrap();
    assert!(dyn_pop.windows(2).all(|x| x[1].active_creators <= x[0].active_creators));
    assert!(dyn_pop.last().unwrap().active_creators < 20);
    let none_leave = creator_dynamics(&w, &greedy_pop, 5, 0.0).unwrap();
    assert!(none_leave.iter().all(|r| r.active_creators == 20));
    // at most 1,000 rounds (each recomputes the policy over what is left), and a fraction in [0, 1]
    let refused = |rounds: usize, threshold: f64| {
        creator_dynamics(&w, &greedy_pop, rounds, threshold).err().map(|e| e.argument().to_string())
    };
    assert_eq!(refused(1001, 0.3).as_deref(), Some("rounds"));
    assert_eq!(refused(5, 1.5).as_deref(), Some("threshold"));
    assert_eq!(refused(5, f64::NAN).as_deref(), Some("threshold"));
}
