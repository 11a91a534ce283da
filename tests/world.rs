#![cfg(all(not(target_arch = "wasm32"), feature = "course"))]
//! The simulated world's promises: exact propensities (single items and rankings), exact policy
//! values (checked against large Monte-Carlo runs within their standard errors), determinism,
//! and the end-to-end contract with the estimators.

use receval::config::Value;
use receval::estimators::{IntervalMethod, estimate_interval, estimate_policy_value};
use receval::world::{CollectOptions, Log, Policy, PolicySpec, ScoreSpec, Signal, World, WorldConfig};
use std::sync::Arc;

fn world(c: WorldConfig) -> Arc<World> {
    Arc::new(World::new(c).unwrap())
}

fn softmax(beta: f64) -> PolicySpec {
    PolicySpec::Softmax { beta, score: ScoreSpec::relevance() }
}

fn collect(w: &Arc<World>, spec: &PolicySpec, n: usize, seed: u64, len: usize) -> Log {
    Log::collect(w.clone(), spec, &CollectOptions { n_rounds: n, seed, len_list: len, reward: None }).unwrap()
}

/// Pearson chi-square of observed counts against expected counts (cells with expectation ≥ 5).
fn chi_square(observed: &[f64], expected: &[f64]) -> (f64, usize) {
    let mut chi = 0.0;
    let mut cells = 0;
    for (o, e) in observed.iter().zip(expected) {
        if *e >= 5.0 {
            chi += (o - e) * (o - e) / e;
            cells += 1;
        }
    }
    (chi, cells)
}

/// Upper 0.1% point of chi-square with `df` degrees of freedom (Wilson–Hilferty).
fn chi2_999(df: usize) -> f64 {
    let d = df as f64;
    let z = 3.090232; // Φ⁻¹(0.999)
    d * (1.0 - 2.0 / (9.0 * d) + z * (2.0 / (9.0 * d)).sqrt()).powi(3)
}

#[test]
fn single_item_propensities_are_exact() {
    let w = world(WorldConfig { n_users: 4, n_items: 6, user_activity_skew: 1.0, ..Default::default() });
    let spec = PolicySpec::with_random_bucket(softmax(2.0), 0.2);
    let policy = Policy::compile(&w, &spec).unwrap();
    let n = 60_000;
    let log = collect(&w, &spec, n, 1, 1);
    let (nu, ni) = (4, 6);
    let mut observed = vec![0.0; nu * ni];
    for r in 0..n {
        let (u, a) = (log.user[r] as usize, log.action[r] as usize);
        observed[u * ni + a] += 1.0;
        assert_eq!(log.pscore[r], policy.probs(u)[a], "logged pscore is the policy's probability");
    }
    let expected: Vec<f64> = (0..nu * ni).map(|x| n as f64 * w.arrival()[x / ni] * policy.probs(x / ni)[x % ni]).collect();
    let (chi, cells) = chi_square(&observed, &expected);
    assert!(chi < chi2_999(cells - 1), "chi-square {chi} over {cells} cells");
    // the mixture records its component: about 20% of rounds came from the uniform bucket
    let bucket = log.component.iter().filter(|&&c| c == 1).count() as f64 / n as f64;
    assert!((bucket - 0.2).abs() < 4.0 * (0.2f64 * 0.8 / n as f64).sqrt(), "bucket share {bucket}");
}

#[test]
fn a_popularity_ranking_is_plackett_luce_over_popularity_to_the_power() {
    // rankings from a weight node (popularity^power), not from logits: each pick's probability is
    // its weight over the weights still in play
    let w = world(WorldConfig { n_users: 3, n_items: 5, ..Default::default() });
    let policy = Policy::compile(&w, &PolicySpec::Popularity { power: 1.5 }).unwrap();
    let weight: Vec<f64> = w.popularity().iter().map(|p| p.powf(1.5)).collect();
    let l = 3;
    let mut total = 0.0;
    for a in 0..5 {
        for b in (0..5).filter(|&b| b != a) {
            for c in (0..5).filter(|&c| c != a && c != b) {
                let s = [a, b, c];
                let mut left: f64 = weight.iter().sum();
                let mut want = [0.0; 3];
                let mut p = 1.0;
                for (k, &i) in s.iter().enumerate() {
                    p *= weight[i] / left;
                    left -= weight[i];
                    want[k] = p;
                }
                let got = policy.prefix_probs(1, &s);
                for k in 0..l {
                    assert!((got[k] - want[k]).abs() < 1e-12 * want[k], "{s:?} prefix {k}: {} vs {}", got[k], want[k]);
                }
                total += got[l - 1];
            }
        }
    }
    assert!((total - 1.0).abs() < 1e-12, "{total}");
    // and the item-position marginals: the first position's is the weight share
    let marg = policy.marginals(2, l).unwrap();
    let sum: f64 = weight.iter().sum();
    for (i, wi) in weight.iter().enumerate() {
        assert!((marg[i * l] - wi / sum).abs() < 1e-12, "item {i}");
    }
}

#[test]
fn slate_propensities_match_enumeration_and_frequencies() {
    let w = world(WorldConfig { n_users: 2, n_items: 5, ..Default::default() });
    let spec = PolicySpec::Mixture { components: vec![(0.7, softmax(1.5)), (0.3, PolicySpec::Uniform)] };
    let policy = Policy::compile(&w, &spec).unwrap();
    let (m, l) = (5usize, 3usize);
    let mut slates = Vec::new();
    for a in 0..m {
        for b in 0..m {
            for c in 0..m {
                if a != b && b != c && a != c {
                    slates.push(vec![a, b, c]);
                }
            }
        }
    }
    for u in 0..2 {
        let probs: Vec<f64> = slates.iter().map(|s| policy.prefix_probs(u, s)[l - 1]).collect();
        assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1e-12, "slate probabilities sum to 1");
        let marg = policy.marginals(u, l).unwrap();
        for a in 0..m {
            for k in 0..l {
                let enumerated: f64 = slates.iter().zip(&probs).filter(|(s, _)| s[k] == a).map(|(_, p)| p).sum();
                assert!((marg[a * l + k] - enumerated).abs() < 1e-12);
            }
        }
        // prefix probabilities are sums of whole-slate probabilities
        let s = &slates[7];
        let prefix = policy.prefix_probs(u, s);
        let first_two: f64 = slates.iter().zip(&probs).filter(|(t, _)| t[..2] == s[..2]).map(|(_, p)| p).sum();
        assert!((prefix[1] - first_two).abs() < 1e-12);
    }
    // sampled slates follow the logged whole-slate probabilities
    let n = 40_000;
    let log = collect(&w, &spec, n, 3, l);
    let mut observed = vec![0.0; 2 * slates.len()];
    let mut expected = vec![0.0; 2 * slates.len()];
    for round in 0..n {
        let rows = round * l..(round + 1) * l;
        let s: Vec<usize> = rows.clone().map(|r| log.action[r] as usize).collect();
        let u = log.user[round * l] as usize;
        let idx = slates.iter().position(|t| *t == s).unwrap();
        observed[u * slates.len() + idx] += 1.0;
        assert!((log.pscore_slate[round * l] - policy.prefix_probs(u, &s)[l - 1]).abs() < 1e-15);
    }
    for u in 0..2 {
        for (i, s) in slates.iter().enumerate() {
            expected[u * slates.len() + i] = n as f64 * w.arrival()[u] * policy.prefix_probs(u, s)[l - 1];
        }
    }
    let (chi, cells) = chi_square(&observed, &expected);
    assert!(chi < chi2_999(cells - 1), "chi-square {chi} over {cells} cells");
}

#[test]
fn policy_value_matches_monte_carlo_for_every_signal() {
    let w = world(WorldConfig {
        n_users: 300,
        n_items: 40,
        intent: receval::world::IntentConfig { sampling_share: 0.3, taste_link: 1.0, declared_share: 0.0 },
        ..Default::default()
    });
    let spec = softmax(1.0);
    let policy = Policy::compile(&w, &spec).unwrap();
    let n = 200_000;
    let log = collect(&w, &spec, n, 5, 1);
    for s in Signal::ALL {
        let truth = w.policy_value(&policy, s).unwrap();
        let xs = log.signal(s);
        let m = receval::stats::mean(xs);
        let se = receval::stats::std_dev(xs) / (n as f64).sqrt();
        assert!((m - truth).abs() < 4.0 * se + 1e-12, "{}: MC {m} ± {se} vs exact {truth}", s.name());
    }
}

#[test]
fn per_user_values_give_each_markets_value() {
    let w = world(WorldConfig {
        n_users: 300,
        n_items: 60,
        markets: vec![
            receval::world::Market { name: "large".into(), user_share: 0.8, item_share: 0.7 },
            receval::world::Market { name: "small".into(), user_share: 0.2, item_share: 0.3 },
        ],
        language_penalty: 2.0,
        ..Default::default()
    });
    let spec = softmax(2.0);
    let policy = Policy::compile(&w, &spec).unwrap();
    let by_user = w.policy_value_by_user(&policy, Signal::Click).unwrap();
    assert_eq!(by_user.len(), 300);
    let total: f64 = w.arrival().iter().zip(&by_user).map(|(a, v)| a * v).sum();
    assert_eq!(total, w.policy_value(&policy, Signal::Click).unwrap());
    // Each market's exact value (arrival-weighted mean over its users) against the click rate of
    // that market's rows in a large log, within 4 standard errors.
    let log = collect(&w, &spec, 200_000, 9, 1);
    let mut values = vec![];
    for m in 0..2u32 {
        let (mut num, mut den) = (0.0, 0.0);
        for (u, (&a, &v)) in w.arrival().iter().zip(&by_user).enumerate() {
            if w.user_market()[u] == m {
                num += a * v;
                den += a;
            }
        }
        let exact = num / den;
        let rows: Vec<f64> =
            log.user.iter().zip(&log.reward).filter(|(u, _)| w.user_market()[**u as usize] == m).map(|(_, r)| *r).collect();
        let mc = receval::stats::mean(&rows);
        let se = receval::stats::std_dev(&rows) / (rows.len() as f64).sqrt();
        assert!((mc - exact).abs() < 4.0 * se, "market {m}: MC {mc} ± {se} vs exact {exact}");
        values.push(exact);
    }
    assert!((values[0] - values[1]).abs() > 0.01, "the markets differ: {values:?}");
}

#[test]
fn ranking_values_are_exact_under_both_click_models() {
    for model in ["pbm", "cascade"] {
        let cfg = WorldConfig::from_value(&Value::object([
            ("nUsers", Value::from(50.0)),
            ("nItems", Value::from(8.0)),
            ("positionBias", Value::object([("model", Value::from(model)), ("eta", Value::from(1.2))])),
        ]))
        .unwrap();
        let w = world(cfg);
        let spec = PolicySpec::with_random_bucket(softmax(2.0), 0.1);
        let policy = Policy::compile(&w, &spec).unwrap();
        let exact = w.ranking_value(&policy, 3, Signal::Click, 0, 0).unwrap();
        assert!(exact.exact);
        let n = 100_000;
        let log = collect(&w, &spec, n, 9, 3);
        let per_round: Vec<f64> = log.reward.chunks_exact(3).map(|c| c.iter().sum()).collect();
        let m = receval::stats::mean(&per_round);
        let se = receval::stats::std_dev(&per_round) / (n as f64).sqrt();
        assert!((m - exact.value).abs() < 4.0 * se, "{model}: MC {m} ± {se} vs exact {}", exact.value);
    }
}

#[test]
fn worlds_and_logs_are_deterministic() {
    let cfg = WorldConfig { n_users: 100, n_items: 30, seed: 42, ..Default::default() };
    let (a, b) = (world(cfg.clone()), world(cfg));
    let spec = softmax(3.0);
    let (la, lb) = (collect(&a, &spec, 1000, 7, 1), collect(&b, &spec, 1000, 7, 1));
    assert_eq!(la.action, lb.action);
    assert_eq!(la.reward, lb.reward);
    assert_eq!(la.pscore, lb.pscore);
    let lc = collect(&a, &spec, 1000, 8, 1);
    assert_ne!(la.action, lc.action);
}

#[test]
fn ipw_recovers_a_new_policy_from_biased_logs_and_the_naive_mean_does_not() {
    let w = world(WorldConfig { n_users: 500, n_items: 50, popularity_effect: 0.8, ..Default::default() });
    // target: surfaces the tail (relevance minus popularity)
    let target = PolicySpec::Softmax { beta: 2.0, score: ScoreSpec { relevance: 1.0, popularity: -1.0, ..Default::default() } };
    let target_policy = Policy::compile(&w, &target).unwrap();
    let truth = w.policy_value(&target_policy, Signal::Click).unwrap();
    let production =
        PolicySpec::Softmax { beta: 3.0, score: ScoreSpec { relevance: 1.0, popularity: 1.0, ..Default::default() } };
    for (label, logger) in [
        ("uniform", PolicySpec::Uniform),
        ("softmax", production.clone()),
        ("1% bucket", PolicySpec::with_random_bucket(production.clone(), 0.01)),
    ] {
        let log = collect(&w, &logger, 50_000, 11, 1);
        let data = log.bandit_data(&target_policy, None).unwrap();
        let v = data.view().unwrap();
        let iv = estimate_interval("ipw", &v, None, IntervalMethod::Normal { alpha: 6.3e-5 }).unwrap(); // ±4 se
        assert!(iv.lower <= truth && truth <= iv.upper, "{label}: IPW {iv:?} vs truth {truth}");
        let ipw = estimate_policy_value("ipw", &v, None).unwrap();
        assert!(ipw.is_finite());
        if label != "uniform" {
            let naive = log.naive_value();
            let se = receval::stats::std_dev(&log.reward) / (log.n_rows() as f64).sqrt();
            assert!((naive - truth).abs() > 10.0 * se, "{label}: naive {naive} should miss {truth} by far");
        }
    }
}

#[test]
fn thompson_logger_logs_the_propensities_it_used() {
    let w = world(WorldConfig { n_users: 200, n_items: 10, ..Default::default() });
    let spec = PolicySpec::from_value(
        &Value::object([("kind", Value::from("thompson")), ("batchSize", Value::from(500.0)), ("nSamples", Value::from(400.0))]),
        "policy",
    )
    .unwrap();
    let log = collect(&w, &spec, 5000, 2, 1);
    let pi_b = log.pi_b().unwrap();
    for r in 0..log.n_rows() {
        assert!(log.pscore[r] > 0.0);
        assert_eq!(log.pscore[r], pi_b[r * 10 + log.action[r] as usize]);
    }
    // it learns: the last batch puts more mass on the best item than the first
    let best = (0..10).max_by(|&a, &b| {
        let va: f64 = (0..200).map(|u| w.arrival()[u] * w.rel(u, a)).sum();
        let vb: f64 = (0..200).map(|u| w.arrival()[u] * w.rel(u, b)).sum();
        va.total_cmp(&vb)
    });
    let best = best.unwrap();
    assert!(pi_b[(log.n_rows() - 1) * 10 + best] > pi_b[best]);
    // an online bandit has no fixed value
    assert!(Policy::compile(&w, &spec).is_err());
}

#[test]
fn bad_configs_are_clear_errors() {
    let cases = [
        (Value::object([("kind", Value::from("softmax"))]), "policy.beta"),
        (Value::object([("kind", Value::from("softmx")), ("beta", Value::from(1.0))]), "policy.kind"),
        (
            Value::object([
                ("kind", Value::from("mixture")),
                (
                    "components",
                    Value::Array(vec![
                        Value::object([
                            ("weight", Value::from(0.5)),
                            ("policy", Value::object([("kind", Value::from("uniform"))])),
                        ]),
                        Value::object([
                            ("weight", Value::from(0.6)),
                            ("policy", Value::object([("kind", Value::from("uniform"))])),
                        ]),
                    ]),
                ),
            ]),
            "policy.components",
        ),
        (
            Value::object([
                ("kind", Value::from("epsilon-greedy")),
                ("epsilon", Value::from(1.5)),
                ("base", Value::object([("kind", Value::from("uniform"))])),
            ]),
            "policy.epsilon",
        ),
        (
            Value::object([("kind", Value::from("softmax")), ("beta", Value::from(1.0)), ("score", Value::from("model:none"))]),
            "score.model",
        ),
    ];
    let w = world(WorldConfig { n_users: 10, n_items: 5, ..Default::default() });
    for (v, arg) in cases {
        let e = Policy::from_value(&w, &v, "policy").unwrap_err();
        assert_eq!(e.argument(), arg, "{e}");
    }
    let e = Policy::from_value(
        &w,
        &Value::object([
            ("kind", Value::from("mixture")),
            (
                "components",
                Value::Array(vec![Value::object([
                    ("weight", Value::from(-1.0)),
                    ("policy", Value::object([("kind", Value::from("uniform"))])),
                ])]),
            ),
        ]),
        "policy",
    )
    .unwrap_err();
    assert!(e.to_string().contains("positive and sum to 1"), "{e}");
}

#[test]
fn ranking_metrics_have_their_definitions_at_the_extremes() {
    use receval::metrics::ranking_metrics;
    let w = world(WorldConfig { n_users: 50, n_items: 12, ..Default::default() });
    let log = collect(&w, &softmax(1.0), 3000, 4, 1);
    let scores = Policy::compile(&w, &softmax(2.0)).unwrap().score_table();
    // k = all items: every clicked item is in the top k, so recall is 1.
    let all = ranking_metrics(&log, &scores, 12, false).unwrap();
    assert!((all.recall - 1.0).abs() < 1e-12);
    assert!(all.ndcg > 0.0 && all.ndcg <= 1.0 + 1e-12);
    // a candidate ordering each user's clicked items first has NDCG 1 at every k
    let mut oracle = vec![0.0; 50 * 12];
    for r in 0..log.n_rows() {
        if log.reward[r] > 0.0 {
            oracle[log.user[r] as usize * 12 + log.action[r] as usize] = 1.0;
        }
    }
    for k in [1, 3, 12] {
        assert!((ranking_metrics(&log, &oracle, k, false).unwrap().ndcg - 1.0).abs() < 1e-12);
    }
    // precision@all = mean over users of (distinct clicked items / 12)
    let mut per_user = std::collections::BTreeMap::<u32, std::collections::BTreeSet<u32>>::new();
    for r in 0..log.n_rows() {
        if log.reward[r] > 0.0 {
            per_user.entry(log.user[r]).or_default().insert(log.action[r]);
        }
    }
    let want = per_user.values().map(|s| s.len() as f64 / 12.0).sum::<f64>() / per_user.len() as f64;
    assert!((all.precision - want).abs() < 1e-12);
    assert_eq!(all.users, per_user.len());
    // a candidate that agrees with the logger scores higher than its mirror image
    let good = ranking_metrics(&log, &scores, 3, false).unwrap();
    let bad = ranking_metrics(&log, &scores.iter().map(|x| -x).collect::<Vec<_>>(), 3, false).unwrap();
    assert!(good.precision > bad.precision && good.ndcg > bad.ndcg);
    assert!(ranking_metrics(&log, &scores, 0, false).is_err());
}

#[test]
fn set_dynamic_programming_matches_brute_force_enumeration() {
    // 9 items, 4 positions: marginals and cascade values from the dynamic programming over sets
    // of placed items equal sums over all 3,024 orderings.
    let cfg = WorldConfig::from_value(&Value::object([
        ("nUsers", Value::from(3.0)),
        ("nItems", Value::from(9.0)),
        ("positionBias", Value::object([("model", Value::from("cascade"))])),
    ]))
    .unwrap();
    let w = world(cfg);
    let (m, l) = (9usize, 4usize);
    let mut slates = Vec::new();
    let mut cur = Vec::new();
    fn rec(m: usize, l: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if cur.len() == l {
            out.push(cur.clone());
            return;
        }
        for a in 0..m {
            if !cur.contains(&a) {
                cur.push(a);
                rec(m, l, cur, out);
                cur.pop();
            }
        }
    }
    rec(m, l, &mut cur, &mut slates);
    let specs = [
        softmax(1.5),
        PolicySpec::with_random_bucket(softmax(-1.0), 0.3),
        PolicySpec::TopK { k: 6, score: ScoreSpec::relevance() },
        PolicySpec::EpsilonGreedy { epsilon: 0.2, base: Box::new(PolicySpec::Greedy { score: ScoreSpec::relevance() }) },
    ];
    for spec in &specs {
        let p = Policy::compile(&w, spec).unwrap();
        for u in 0..3 {
            let probs: Vec<f64> = slates.iter().map(|s| p.prefix_probs(u, s)[l - 1]).collect();
            let marg = p.marginals(u, l).unwrap();
            for a in 0..m {
                for k in 0..l {
                    let brute: f64 = slates.iter().zip(&probs).filter(|(s, _)| s[k] == a).map(|(_, q)| q).sum();
                    assert!((marg[a * l + k] - brute).abs() < 1e-12, "{spec:?} u={u} a={a} k={k}");
                }
            }
            let rel: Vec<f64> = (0..m).map(|i| w.rel(u, i)).collect();
            let brute: f64 = slates
                .iter()
                .zip(&probs)
                .map(|(s, q)| {
                    let (mut reach, mut v) = (1.0, 0.0);
                    for &a in s {
                        v += reach * rel[a];
                        reach *= 1.0 - rel[a];
                    }
                    q * v
                })
                .sum();
            let dp = p.cascade_value(u, l, &rel, &rel).unwrap();
            assert!((dp - brute).abs() < 1e-12, "{spec:?} u={u}: {dp} vs {brute}");
        }
    }
}

#[test]
fn a_components_rows_carry_that_components_propensities() {
    let w = world(WorldConfig { n_users: 100, n_items: 20, ..Default::default() });
    let spec = PolicySpec::with_random_bucket(softmax(3.0), 0.2);
    for len in [1usize, 3] {
        let log = collect(&w, &spec, 4000, 6, len);
        let bucket = log.component_subset(1).unwrap();
        assert!(bucket.n_rows() > 0 && bucket.n_rows() < log.n_rows());
        let uniform_slate = (0..len).map(|k| 1.0 / (20 - k) as f64).product::<f64>();
        for r in 0..bucket.n_rows() {
            assert!((bucket.pscore[r] - 1.0 / 20.0).abs() < 1e-15, "item-position propensity of a uniform ranking");
            assert!((bucket.pscore_slate[r] - uniform_slate).abs() < 1e-15);
        }
        // the production rows keep production's own probabilities, not the mixture's
        let prod = log.component_subset(0).unwrap();
        let p = Policy::compile(&w, &softmax(3.0)).unwrap();
        if len == 1 {
            for r in 0..prod.n_rows() {
                assert_eq!(prod.pscore[r], p.probs(prod.user[r] as usize)[prod.action[r] as usize]);
            }
        }
        assert!(log.component_subset(2).is_err());
    }
    // a logger that is not a mixture has one component, itself: its rows are the whole log
    let plain = collect(&w, &softmax(3.0), 500, 7, 1);
    let all = plain.component_subset(0).unwrap();
    assert_eq!((all.n_rows(), &all.action, &all.pscore), (plain.n_rows(), &plain.action, &plain.pscore));
    assert!(plain.component_subset(1).is_err());
}

#[test]
fn a_cascade_ranking_value_is_enumerated_up_to_twenty_million_ranking_user_pairs_then_simulated() {
    // Over 128 items the cascade's closed form is off, so the world enumerates every ranking of
    // every user while that is at most 2·10⁷ pairs, and simulates beyond.
    let cascade = |users: f64, items: f64| {
        world(
            WorldConfig::from_value(&Value::object([
                ("nUsers", Value::from(users)),
                ("nItems", Value::from(items)),
                ("positionBias", Value::object([("model", Value::from("cascade"))])),
            ]))
            .unwrap(),
        )
    };
    let small = cascade(3.0, 129.0); // 129 × 128 rankings × 3 users = 5·10⁴
    let p = Policy::compile(&small, &softmax(1.0)).unwrap();
    let v = small.ranking_value(&p, 2, Signal::Click, 1000, 1).unwrap();
    assert!(v.exact && v.standard_error == 0.0, "{v:?}");
    let mc = small.ranking_value_monte_carlo(&p, 2, Signal::Click, 4000, 2).unwrap();
    assert!((mc.value - v.value).abs() < 4.0 * mc.standard_error, "MC {mc:?} vs exact {v:?}");
    let large = cascade(600.0, 200.0); // 200 × 199 × 600 = 2.4·10⁷
    let p = Policy::compile(&large, &softmax(1.0)).unwrap();
    let v = large.ranking_value(&p, 2, Signal::Click, 200, 1).unwrap();
    assert!(!v.exact && v.n_rounds == 200 && v.standard_error > 0.0, "{v:?}");
}

#[test]
fn a_noisy_true_reward_model_gives_the_same_table_per_user_as_per_row() {
    use receval::world::RewardModelSpec;
    let w = world(WorldConfig { n_users: 30, n_items: 8, ..Default::default() });
    let log = collect(&w, &softmax(1.0), 400, 3, 1);
    let truth = RewardModelSpec::True { misspecification: 0.0, bias: 0.0, noise: 0.0, seed: 0 }.user_table(&log).unwrap();
    for (misspecification, bias, noise) in [(0.0, 0.0, 0.5), (0.5, 0.0, 0.0), (0.0, 0.1, 0.0)] {
        let spec = RewardModelSpec::True { misspecification, bias, noise, seed: 9 };
        let (table, rows) = (spec.user_table(&log).unwrap(), spec.fit(&log).unwrap());
        let ni = w.n_items();
        for r in 0..log.n_rows() {
            let u = log.user[r] as usize;
            assert_eq!(&rows[r * ni..(r + 1) * ni], &table[u * ni..(u + 1) * ni], "row {r}");
        }
        let moved = table.iter().zip(&truth).filter(|(a, b)| (*a - *b).abs() > 1e-9).count();
        assert!(
            moved > table.len() / 2,
            "{misspecification} {bias} {noise}: only {moved} of {} values differ from the truth",
            table.len()
        );
    }
}

#[test]
fn ipw_weighted_matrix_factorization_stays_finite() {
    use receval::world::RecommenderSpec;
    let w = world(WorldConfig { n_users: 200, n_items: 50, ..Default::default() });
    // 50,000 rounds: at 5,000 (25 per user) the default factorization (8 factors, 15 epochs) has
    // not learned enough to beat random picks, weighted or not
    let log = collect(&w, &softmax(4.0), 50_000, 2, 1);
    let spec =
        RecommenderSpec::from_value(&Value::object([("kind", Value::from("mf")), ("weighting", Value::from("ipw"))]), "spec")
            .unwrap();
    let scores = spec.fit(&log).unwrap();
    assert!(scores.iter().all(|x| x.is_finite()));
    // and it learned something: a policy that follows its scores is worth more (exactly, in the
    // world's click probabilities) than picking items at random, and a policy that avoids them less
    w.add_model("mf-ipw", scores).unwrap();
    let by_model = |sign: f64| PolicySpec::Softmax {
        beta: 5.0,
        score: ScoreSpec { relevance: 0.0, model: Some(("mf-ipw".into(), sign)), ..Default::default() },
    };
    let value = |spec: &PolicySpec| w.policy_value(&Policy::compile(&w, spec).unwrap(), Signal::Click).unwrap();
    let (follow, random, avoid) = (value(&by_model(1.0)), value(&PolicySpec::Uniform), value(&by_model(-1.0)));
    assert!(follow > random && random > avoid, "follow {follow}, random {random}, avoid {avoid}");
}

#[test]
fn plackett_luce_stays_exact_at_the_largest_beta() {
    // Before: the remaining weight was `total − picked`, which at β = 30 was off by ~1e-3 and at
    // β = 40 came out exactly 0, so rankings the sampler drew got propensity 0 (and at β = 1000
    // the sampler could repeat an item). Every β the config allows must give propensities that
    // match sampling frequencies and sum to one.
    let w = world(WorldConfig { n_users: 3, n_items: 6, ..Default::default() });
    let (m, l) = (6usize, 3usize);
    let slates: Vec<Vec<usize>> = (0..m)
        .flat_map(|a| (0..m).flat_map(move |b| (0..m).map(move |c| vec![a, b, c])))
        .filter(|s| s[0] != s[1] && s[1] != s[2] && s[0] != s[2])
        .collect();
    for beta in [30.0, 40.0, 1000.0] {
        let spec = softmax(beta);
        let policy = Policy::compile(&w, &spec).unwrap();
        for u in 0..3 {
            let probs: Vec<f64> = slates.iter().map(|s| policy.prefix_probs(u, s)[l - 1]).collect();
            assert!(
                (probs.iter().sum::<f64>() - 1.0).abs() < 1e-12,
                "β {beta}: slate probabilities sum to {}",
                probs.iter().sum::<f64>()
            );
            let marg = policy.marginals(u, l).unwrap();
            for k in 0..l {
                let col: f64 = (0..m).map(|a| marg[a * l + k]).sum();
                assert!((col - 1.0).abs() < 1e-12, "β {beta}: position {k} marginals sum to {col}");
            }
        }
        let n = 20_000;
        let log = collect(&w, &spec, n, 11, l);
        let mut observed = vec![0.0; 3 * slates.len()];
        for round in 0..n {
            let s: Vec<usize> = (round * l..(round + 1) * l).map(|r| log.action[r] as usize).collect();
            assert!(s[0] != s[1] && s[1] != s[2] && s[0] != s[2], "β {beta}: a ranking repeats an item: {s:?}");
            let u = log.user[round * l] as usize;
            assert!(log.pscore_slate[round * l] > 0.0, "β {beta}: a sampled ranking has propensity 0");
            observed[u * slates.len() + slates.iter().position(|t| *t == s).unwrap()] += 1.0;
        }
        let policy = Policy::compile(&w, &spec).unwrap();
        let expected: Vec<f64> = (0..3)
            .flat_map(|u| slates.iter().map(move |s| (u, s)))
            .map(|(u, s)| n as f64 * w.arrival()[u] * policy.prefix_probs(u, s)[l - 1])
            .collect();
        let (chi, cells) = chi_square(&observed, &expected);
        if cells > 1 {
            assert!(chi < chi2_999(cells - 1), "β {beta}: chi-square {chi} over {cells} cells");
        }
    }
}

#[test]
fn a_long_ranking_over_a_large_catalog_has_a_monte_carlo_value_that_says_so() {
    // Before: exact marginals of a softmax ranking of 5 among 200 items were too large to
    // enumerate, and the Monte-Carlo fallback called the same marginals and failed.
    let w = world(WorldConfig::default());
    assert_eq!(w.n_items(), 200);
    let policy = Policy::compile(&w, &softmax(2.0)).unwrap();
    let v = w.ranking_value(&policy, 5, Signal::Click, 20_000, 3).unwrap();
    assert!(!v.exact);
    assert_eq!(v.n_rounds, 20_000);
    assert!(v.value > 0.0 && v.standard_error > 0.0 && v.standard_error < 0.05 * v.value, "{v:?}");
    // The Monte-Carlo value agrees with the exact one where both apply (a small catalog: force
    // Monte Carlo by asking for it through a policy the exact path cannot take)
    for model in ["pbm", "cascade"] {
        let cfg = WorldConfig::from_value(&Value::object([
            ("nUsers", Value::from(40.0)),
            ("nItems", Value::from(8.0)),
            ("positionBias", Value::object([("model", Value::from(model)), ("eta", Value::from(1.0))])),
        ]))
        .unwrap();
        let small = world(cfg);
        let p = Policy::compile(&small, &softmax(1.5)).unwrap();
        let exact = small.ranking_value(&p, 3, Signal::Click, 0, 0).unwrap();
        let mc = small.ranking_value_monte_carlo(&p, 3, Signal::Click, 200_000, 5).unwrap();
        assert!(exact.exact && !mc.exact);
        assert!((mc.value - exact.value).abs() < 4.0 * mc.standard_error, "{model}: MC {mc:?} vs exact {}", exact.value);
    }
}

#[test]
fn cascade_dr_with_the_cumulative_reward_model_is_unbiased_even_with_wrong_propensities() {
    use receval::estimators::{PreparedSlateEstimate, SlateEstimator, SlateFeedbackParts};
    use receval::world::{SlateRewardModel, slate_feedback_with};
    // A 6-item, 3-slot cascade. Cascade-DR is doubly robust when q̂ₖ is the expected reward from
    // slot k to the end (with the evaluation policy below k): then even wrong propensities leave
    // it unbiased. The immediate reward at k (what `slate_feedback` used to give) is not that.
    let cfg = WorldConfig::from_value(&Value::object([
        ("nUsers", Value::from(30.0)),
        ("nItems", Value::from(6.0)),
        ("baseClickRate", Value::from(0.3)),
        ("positionBias", Value::object([("model", Value::from("cascade"))])),
    ]))
    .unwrap();
    let w = world(cfg);
    let (l, ni) = (3usize, 6usize);
    let target = Policy::compile(&w, &softmax(2.0)).unwrap();
    let truth = w.ranking_value(&target, l, Signal::Click, 0, 0).unwrap();
    assert!(truth.exact);
    let log = collect(&w, &softmax(1.0), 60_000, 21, l);
    let slate_id: Vec<u32> = log.slate_id.clone();
    // wrong propensities: the logger's prefix probabilities as if it had been uniform
    let wrong: Vec<f64> = log.position.iter().map(|&k| (0..=k as usize).map(|j| 1.0 / (ni - j) as f64).product()).collect();
    let estimate = |model: SlateRewardModel, pscore_cascade: &[f64]| {
        let fb = slate_feedback_with(&log, &target, model).unwrap();
        let p = PreparedSlateEstimate::new(
            SlateEstimator::CascadeDr,
            SlateFeedbackParts {
                slate_id: &slate_id,
                position: &log.position,
                reward: &log.reward,
                len_list: l,
                pscore_cascade: Some(pscore_cascade),
                evaluation_policy_pscore_cascade: Some(&fb.pscore_cascade),
                action: Some(&log.action),
                n_unique_action: Some(ni),
                q_hat: Some(&fb.q_hat),
                evaluation_policy_action_dist: Some(&fb.action_dist),
                ..Default::default()
            },
        )
        .unwrap();
        let iv = p.normal(0.05).unwrap();
        (p.value(), (iv.upper - iv.lower) / (2.0 * 1.959_963_984_540_054))
    };
    let (exact_right, se1) = estimate(SlateRewardModel::Cumulative, &log.pscore_cascade);
    let (exact_wrong, se2) = estimate(SlateRewardModel::Cumulative, &wrong);
    let (fitted_right, se3) = estimate(SlateRewardModel::Fitted, &log.pscore_cascade);
    let (immediate_wrong, se4) = estimate(SlateRewardModel::Immediate, &wrong);
    let t = truth.value;
    assert!((exact_right - t).abs() < 4.0 * se1, "cumulative, right propensities: {exact_right} ± {se1} vs {t}");
    assert!((exact_wrong - t).abs() < 4.0 * se2, "cumulative, wrong propensities: {exact_wrong} ± {se2} vs {t}");
    assert!((fitted_right - t).abs() < 4.0 * se3, "fitted, right propensities: {fitted_right} ± {se3} vs {t}");
    assert!(
        (immediate_wrong - t).abs() > 6.0 * se4,
        "immediate, wrong propensities should be biased: {immediate_wrong} ± {se4} vs {t}"
    );
    println!(
        "truth {t}: cumulative {exact_right} / wrong pscores {exact_wrong}; fitted {fitted_right}; immediate, wrong pscores {immediate_wrong} ({:+.1}%)",
        100.0 * (immediate_wrong - t) / t
    );
    // with a perfect model the weights only add noise: far less than the immediate model leaves
    assert!(se2 < se4, "{se2} vs {se4}");
}

#[test]
fn a_deterministic_target_gives_cascade_dr_a_distribution_on_every_row() {
    use receval::estimators::{PreparedSlateEstimate, SlateEstimator, SlateFeedbackParts};
    use receval::world::{SlateRewardModel, slate_feedback_with};
    // A greedy ranking never places most logged prefixes: π_e(a | prefix) is undefined there.
    // Every row must still be a distribution (the estimator checks it), and the estimate equals
    // the truth within its standard error.
    let cfg = WorldConfig::from_value(&Value::object([
        ("nUsers", Value::from(20.0)),
        ("nItems", Value::from(4.0)),
        ("positionBias", Value::object([("model", Value::from("cascade"))])),
    ]))
    .unwrap();
    let w = world(cfg);
    let (l, ni) = (2usize, 4usize);
    let greedy = PolicySpec::Greedy { score: ScoreSpec::relevance() };
    let target = Policy::compile(&w, &greedy).unwrap();
    let log = collect(&w, &softmax(0.5), 20_000, 3, l);
    let fb = slate_feedback_with(&log, &target, SlateRewardModel::Cumulative).unwrap();
    for (r, row) in fb.action_dist.chunks(ni).enumerate() {
        let sum: f64 = row.iter().sum();
        assert!((sum - 1.0).abs() < 1e-12, "row {r} sums to {sum}");
    }
    let p = PreparedSlateEstimate::new(
        SlateEstimator::CascadeDr,
        SlateFeedbackParts {
            slate_id: &log.slate_id,
            position: &log.position,
            reward: &log.reward,
            len_list: l,
            pscore_cascade: Some(&log.pscore_cascade),
            evaluation_policy_pscore_cascade: Some(&fb.pscore_cascade),
            action: Some(&log.action),
            n_unique_action: Some(ni),
            q_hat: Some(&fb.q_hat),
            evaluation_policy_action_dist: Some(&fb.action_dist),
            ..Default::default()
        },
    )
    .unwrap();
    let truth = w.ranking_value(&target, l, Signal::Click, 0, 0).unwrap().value;
    let se = {
        let iv = p.normal(0.05).unwrap();
        (iv.upper - iv.lower) / (2.0 * 1.959_963_984_540_054)
    };
    assert!((p.value() - truth).abs() < 4.0 * se.max(1e-12), "{} ± {se} vs {truth}", p.value());
}

#[test]
fn cross_fitted_reward_models_never_score_a_round_with_a_model_that_saw_it() {
    use receval::world::{CrossFit, RewardModelSpec};
    let w = world(WorldConfig { n_users: 40, n_items: 5, ..Default::default() });
    let log = collect(&w, &PolicySpec::Uniform, 400, 2, 1);
    let model = RewardModelSpec::Tabular { smoothing: 0.0 };
    let cross = CrossFit { n_folds: 4, seed: 9 };
    let q = model.fit_cross(&log, cross).unwrap();
    let same = model.fit(&log).unwrap();
    assert_ne!(q, same);
    // Each row's prediction is the mean reward of the item over the rows of the other folds: find
    // the folds back from the predictions and check one fold's rows against a direct computation.
    // The folds: the same seed gives the same split, and every fold has 100 of the 400 rounds.
    let (tables, fold) = model.user_tables_cross(&log, cross).unwrap();
    assert_eq!(tables.len(), 4);
    for f in 0..4u8 {
        assert_eq!(fold.iter().filter(|&&x| x == f).count(), 100);
    }
    let ni = 5;
    for r in 0..log.n_rows() {
        for a in 0..ni {
            let (sum, cnt) = (0..log.n_rows())
                .filter(|&s| fold[s] != fold[r] && log.action[s] as usize == a)
                .fold((0.0, 0.0), |(x, c), s| (x + log.reward[s], c + 1.0));
            assert!((q[r * ni + a] - sum / cnt).abs() < 1e-12, "row {r}, item {a}");
            assert!((tables[fold[r] as usize][log.user[r] as usize * ni + a] - sum / cnt).abs() < 1e-12);
        }
    }
    // one fold is the same-log fit
    assert_eq!(model.fit_cross(&log, CrossFit { n_folds: 1, seed: 9 }).unwrap(), same);
    // the true model is not fitted: asking to cross-fit it is an error naming the key
    let v = Value::object([("kind", Value::from("true")), ("nFolds", Value::from(3.0))]);
    assert_eq!(RewardModelSpec::from_value_cross(&v, "rewardModel").unwrap_err().argument(), "rewardModel.nFolds");
}

#[test]
fn signals_round_trip_by_name() {
    for s in Signal::ALL {
        assert_eq!(Signal::by_name(s.name(), "reward").unwrap(), s, "{}", s.name());
    }
    assert_eq!(Signal::Click.name(), "click");
    assert_eq!(Signal::ThumbsUp.name(), "thumbsUp");
    let e = Signal::by_name("clicks", "reward").unwrap_err().to_string();
    assert!(e.contains("reward") && e.contains("click, stream, skip"), "{e}");
}

#[test]
fn obp_feedback_has_obps_shapes_and_the_worlds_features() {
    use receval::world::obp_feedback;
    let w = world(WorldConfig { n_users: 30, n_items: 12, seed: 4, ..Default::default() });
    let log = collect(&w, &softmax(1.0), 200, 9, 1);
    let f = obp_feedback(&log);
    let (nt, d) = (w.config().n_topics, w.config().n_features);
    assert_eq!((f.n_rounds, f.n_actions, f.len_list), (200, 12, 1));
    assert_eq!((f.context_dim, f.action_context_dim), (d, nt + 1));
    assert_eq!(f.context.len(), 200 * d);
    assert_eq!(f.action_context.len(), 12 * (nt + 1));
    for i in 0..12 {
        let row = &f.action_context[i * (nt + 1)..(i + 1) * (nt + 1)];
        assert_eq!(&row[..nt], &w.item_topics()[i * nt..(i + 1) * nt], "item {i}: its topic mix");
        assert!((row[nt] - w.popularity()[i].ln()).abs() < 1e-12, "item {i}: its log-popularity");
    }
    for r in [0, 57, 199] {
        let u = log.user[r] as usize;
        assert_eq!(&f.context[r * d..(r + 1) * d], &w.user_features()[u * d..(u + 1) * d], "round {r}: its user's features");
    }
    assert_eq!((&f.action, &f.reward, &f.pscore), (&log.action, &log.reward, &log.pscore));
    let pi_b = f.pi_b.as_ref().expect("a softmax logger's distribution is known");
    assert_eq!(pi_b.len(), 200 * 12);
    for r in [0, 199] {
        let p = pi_b[r * 12 + log.action[r] as usize];
        assert!((p - log.pscore[r]).abs() < 1e-12, "π_b of the logged action is its propensity");
    }
    // the JSON has the same shapes
    let j: serde_json::Value = serde_json::from_str(&f.to_json()).unwrap();
    assert_eq!(j["action_context"].as_array().unwrap().len(), 12);
    assert_eq!(j["action_context"][0].as_array().unwrap().len(), nt + 1);
    assert_eq!(j["context"].as_array().unwrap().len(), 200);
}

#[test]
fn a_score_named_by_a_string_is_the_documented_weights() {
    let parse = |score: &str| {
        let v = Value::object([("kind", Value::from("greedy")), ("score", Value::from(score))]);
        match PolicySpec::from_value(&v, "policy").unwrap() {
            PolicySpec::Greedy { score } => score,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(parse("relevance"), ScoreSpec::relevance());
    assert_eq!(parse("popularity"), ScoreSpec { popularity: 1.0, ..Default::default() });
    assert_eq!(parse("noise"), ScoreSpec { noise: 1.0, ..Default::default() });
    assert_eq!(parse("model:mf"), ScoreSpec { model: Some(("mf".to_string(), 1.0)), ..Default::default() });
    let e = PolicySpec::from_value(&Value::object([("kind", Value::from("greedy")), ("score", Value::from("nois"))]), "policy")
        .unwrap_err()
        .to_string();
    assert!(e.contains("policy.score") && e.contains("unknown score"), "{e}");
}

#[test]
fn continuation_values_equal_enumeration_over_completions_for_a_mixture() {
    use receval::world::Policy;
    // 5 items, rankings of 3; mixtures (softmax or greedy production + uniform bucket), so the
    // continuation weighs each component by how likely it was to place the prefix
    let (ni, len) = (5usize, 3usize);
    let w = world(WorldConfig { n_users: 4, n_items: ni, seed: 8, ..Default::default() });
    let greedy = PolicySpec::Greedy { score: ScoreSpec::relevance() };
    for production in [softmax(2.0), greedy] {
        mixture_continuations_match(&Policy::compile(&w, &PolicySpec::with_random_bucket(production, 0.3)).unwrap(), ni, len);
    }
}

/// [`continuation_values_equal_enumeration_over_completions_for_a_mixture`] for one policy.
fn mixture_continuations_match(policy: &receval::world::Policy, ni: usize, len: usize) {
    use receval::world::Examination;
    let value = [0.9, 0.1, 0.5, 0.3, 0.7];
    let exam = [1.0, 0.6, 0.35];
    let rel = [0.2, 0.5, 0.1, 0.4, 0.3];
    let prob = |u: usize, s: &[usize]| if s.is_empty() { 1.0 } else { policy.prefix_probs(u, s)[s.len() - 1] };
    for u in 0..4 {
        for placed in [vec![], vec![2], vec![4, 0]] {
            let start = placed.len();
            // every completion of `placed` to a full ranking
            let mut completions: Vec<Vec<usize>> = vec![placed.clone()];
            for _ in start..len {
                completions = completions
                    .iter()
                    .flat_map(|c| (0..ni).filter(|a| !c.contains(a)).map(move |a| [c.clone(), vec![a]].concat()))
                    .collect();
            }
            let (mut pbm, mut cascade) = (0.0, 0.0);
            for c in &completions {
                let p = prob(u, c) / prob(u, &placed);
                pbm += p * (start..len).map(|k| exam[k] * value[c[k]]).sum::<f64>();
                let mut reach = 1.0;
                for k in start..len {
                    cascade += p * reach * value[c[k]];
                    reach *= 1.0 - rel[c[k]];
                }
            }
            let got = policy.continuation_value(u, &placed, len, Examination::PositionBased(&exam), &value).unwrap();
            assert!((got - pbm).abs() < 1e-12, "{:?}, user {u}, placed {placed:?}: PBM {got} vs {pbm}", policy.spec());
            let got = policy.continuation_value(u, &placed, len, Examination::Cascade(&rel), &value).unwrap();
            assert!(
                (got - cascade).abs() < 1e-12,
                "{:?}, user {u}, placed {placed:?}: cascade {got} vs {cascade}",
                policy.spec()
            );
        }
    }
}
