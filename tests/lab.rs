#![cfg(all(not(target_arch = "wasm32"), feature = "course"))]
//! The lab's numbers are what lessons plot: check them against their own standard errors.

use receval::config::Value;
use receval::lab::{Lab, Scenario};
use receval::world::{World, WorldConfig};
use std::sync::Arc;

fn scenario(extra: Vec<(&str, Value)>) -> Scenario {
    let pol = |beta: f64, pop: f64| {
        Value::object([
            ("kind", Value::from("softmax")),
            ("beta", Value::from(beta)),
            ("score", Value::object([("relevance", Value::from(1.0)), ("popularity", Value::from(pop))])),
        ])
    };
    let mut pairs = vec![
        ("logger", pol(1.0, 0.5)),
        ("target", pol(1.0, -0.5)),
        ("nRounds", Value::from(3000.0)),
        ("replicates", Value::from(150.0)),
        ("seed", Value::from(3.0)),
        (
            "estimators",
            Value::Array(vec![
                Value::from("naive"),
                Value::from("ipw"),
                Value::from("snipw"),
                Value::from("dr"),
                Value::from("dm"),
                Value::object([("estimatorName", Value::from("ipw")), ("lambda", Value::from(3.0))]),
            ]),
        ),
        ("rewardModel", Value::object([("kind", Value::from("true")), ("misspecification", Value::from(0.5))])),
    ];
    for (k, v) in extra {
        match pairs.iter_mut().find(|(key, _)| *key == k) {
            Some(slot) => slot.1 = v,
            None => pairs.push((k, v)),
        }
    }
    Scenario::from_value(&Value::object(pairs)).unwrap()
}

fn world() -> Arc<World> {
    Arc::new(World::new(WorldConfig { n_users: 300, n_items: 40, popularity_effect: 0.8, ..Default::default() }).unwrap())
}

#[test]
fn unbiased_estimators_center_on_the_truth_and_biased_ones_do_not() {
    let mut lab = Lab::new(world(), scenario(vec![])).unwrap();
    lab.step(1000).unwrap();
    // a moderate logger/target mismatch: the effective sample size stays in the hundreds, where
    // the normal interval is trustworthy (the estimators lesson shows what happens beyond)
    let ess = lab.replicates().iter().map(|r| r.ess).sum::<f64>() / 150.0;
    assert!(ess > 300.0, "mean ESS {ess}");
    assert_eq!(lab.replicates_done(), 150);
    let s = lab.summary();
    let by = |label: &str| s.iter().find(|x| x.spec.label == label).unwrap();
    for name in ["ipw", "dr"] {
        let e = by(name);
        assert!(e.bias.abs() < 4.0 * e.mean_se, "{name}: bias {} vs se {}", e.bias, e.mean_se);
        // normal intervals cover at about 95% (150 replicates: binomial se 1.8%), on both sides:
        // an interval too wide covers too often
        let band = 4.0 * (0.95f64 * 0.05 / 150.0).sqrt();
        assert!((e.coverage - 0.95).abs() <= band, "{name}: coverage {}", e.coverage);
        // and the intervals are as wide as the estimates' spread over replicates says they should
        // be: mean width ≈ 2 × 1.96 × SD, within 4 standard errors of the SD (SD/√(2(R−1)))
        let sd_se = e.sd / (2.0 * 149.0f64).sqrt();
        let implied_sd = e.mean_width / (2.0 * 1.959_964);
        assert!(
            (implied_sd - e.sd).abs() < 4.0 * sd_se,
            "{name}: width {} implies SD {implied_sd}, spread {}",
            e.mean_width,
            e.sd
        );
    }
    for name in ["naive", "dm", "ipw (λ=3)"] {
        let e = by(name);
        assert!(e.bias.abs() > 6.0 * e.mean_se, "{name} should be biased: bias {} vs se {}", e.bias, e.mean_se);
    }
    // DR with a half-wrong model has lower variance than IPW here, and clipping cuts variance:
    // compared on the same replicates (paired), the difference of squared deviations from each
    // estimator's mean is below 0 by more than 4 of its standard errors
    let column = |label: &str| -> Vec<f64> {
        let i = s.iter().position(|x| x.spec.label == label).unwrap();
        lab.replicates().iter().map(|r| r.estimates[i].value).collect()
    };
    let ipw = column("ipw");
    for smaller in ["dr", "ipw (λ=3)"] {
        let other = column(smaller);
        let (ma, mb) = (receval::stats::mean(&other), receval::stats::mean(&ipw));
        let d: Vec<f64> = other.iter().zip(&ipw).map(|(a, b)| (a - ma).powi(2) - (b - mb).powi(2)).collect();
        let (m, se) = (receval::stats::mean(&d), receval::stats::std_dev(&d) / (d.len() as f64).sqrt());
        assert!(m < -4.0 * se, "{smaller}: variance − IPW's = {m} ± {se}");
    }
}

#[test]
fn results_do_not_depend_on_how_replicates_are_stepped() {
    let mut a = Lab::new(world(), scenario(vec![("replicates", Value::from(12.0))])).unwrap();
    let mut b = Lab::new(world(), scenario(vec![("replicates", Value::from(12.0))])).unwrap();
    a.step(12).unwrap();
    for _ in 0..6 {
        b.step(2).unwrap();
    }
    assert_eq!(a.replicates(), b.replicates());
}

#[test]
fn bucket_only_ipw_uses_the_bucket_propensities_and_is_unbiased() {
    let production = Value::object([("kind", Value::from("softmax")), ("beta", Value::from(3.0))]);
    let logger = Value::object([
        ("kind", Value::from("mixture")),
        (
            "components",
            Value::Array(vec![
                Value::object([("weight", Value::from(0.9)), ("policy", production)]),
                Value::object([("weight", Value::from(0.1)), ("policy", Value::object([("kind", Value::from("uniform"))]))]),
            ]),
        ),
    ]);
    let s = scenario(vec![
        ("logger", logger),
        (
            "estimators",
            Value::Array(vec![
                Value::object([
                    ("estimatorName", Value::from("ipw")),
                    ("component", Value::from(1.0)),
                    ("label", Value::from("bucket")),
                ]),
                Value::object([("estimatorName", Value::from("ipw")), ("label", Value::from("balanced"))]),
            ]),
        ),
    ]);
    let mut lab = Lab::new(world(), s).unwrap();
    lab.step(150).unwrap();
    for e in lab.summary() {
        assert!(e.bias.abs() < 4.0 * e.mean_se, "{}: bias {} (se {})", e.spec.label, e.bias, e.mean_se);
    }
    let rep = &lab.replicates()[0];
    let bucket_rows = rep.estimates[0].n as f64;
    assert!((bucket_rows / 3000.0 - 0.1).abs() < 4.0 * (0.09f64 / 3000.0).sqrt());
}

#[test]
fn failed_replicates_are_counted_and_never_make_an_estimator_look_better() {
    // SNIPW of a greedy target on 5 uniform rounds over 40 items: most logs never show the
    // target's item, and SNIPW is 0/0 there
    let greedy = Value::object([("kind", Value::from("greedy"))]);
    let s = scenario(vec![
        ("logger", Value::object([("kind", Value::from("uniform"))])),
        ("target", greedy),
        ("nRounds", Value::from(5.0)),
        ("replicates", Value::from(200.0)),
        ("estimators", Value::Array(vec![Value::from("snipw"), Value::from("ipw")])),
    ]);
    let mut lab = Lab::new(world(), s).unwrap();
    lab.step(200).unwrap();
    let nan = lab.replicates().iter().filter(|r| !r.estimates[0].value.is_finite()).count();
    assert!(nan > 100, "{nan} failed replicates");
    let summary = lab.summary();
    let (snipw, ipw) = (&summary[0], &summary[1]);
    assert_eq!(snipw.failed, nan);
    assert_eq!(ipw.failed, 0);
    // coverage counts a failed replicate as a miss: at most the share that succeeded
    assert!(snipw.coverage <= (200 - nan) as f64 / 200.0 + 1e-12, "{}", snipw.coverage);
}

#[test]
fn cross_fitted_reward_models_keep_dr_unbiased_and_replicates_reproducible() {
    let model = Value::object([("kind", Value::from("tabular")), ("nFolds", Value::from(5.0))]);
    let s = scenario(vec![
        ("rewardModel", model),
        ("estimators", Value::Array(vec![Value::from("dr"), Value::from("dm")])),
        ("replicates", Value::from(120.0)),
    ]);
    let mut a = Lab::new(world(), s.clone()).unwrap();
    a.step(120).unwrap();
    let mut b = Lab::new(world(), s).unwrap();
    b.step(50).unwrap();
    b.step(70).unwrap();
    assert_eq!(a.replicates(), b.replicates());
    let dr = &a.summary()[0];
    assert!(dr.bias.abs() < 4.0 * dr.sd / 120f64.sqrt(), "cross-fitted DR bias {} ± {}", dr.bias, dr.sd / 120f64.sqrt());
    // and the folds change the numbers: same-log fitting gives other estimates
    let same = scenario(vec![
        ("rewardModel", Value::object([("kind", Value::from("tabular"))])),
        ("estimators", Value::Array(vec![Value::from("dr"), Value::from("dm")])),
        ("replicates", Value::from(120.0)),
    ]);
    let mut c = Lab::new(world(), same).unwrap();
    c.step(3).unwrap();
    assert_ne!(c.replicates()[0].estimates[0].value, a.replicates()[0].estimates[0].value);
}

#[test]
fn the_summary_is_computed_from_the_replicates_as_defined() {
    // each summary figure recomputed here from the replicates the lab reports
    let mut lab = Lab::new(world(), scenario(vec![("replicates", Value::from(40.0)), ("nRounds", Value::from(500.0))])).unwrap();
    lab.step(1000).unwrap();
    let truth = lab.truth();
    for (j, s) in lab.summary().iter().enumerate() {
        let est: Vec<_> = lab.replicates().iter().map(|r| r.estimates[j]).collect();
        let vals: Vec<f64> = est.iter().map(|e| e.value).filter(|v| v.is_finite()).collect();
        let n = vals.len() as f64;
        let mean = vals.iter().sum::<f64>() / n;
        let sd = (vals.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)).sqrt();
        let rmse = (vals.iter().map(|v| (v - truth) * (v - truth)).sum::<f64>() / n).sqrt();
        let covered = est.iter().filter(|e| e.lower <= truth && truth <= e.upper).count() as f64;
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1e-3);
        let label = &s.spec.label;
        assert_eq!(s.failed, est.len() - vals.len(), "{label}");
        assert!(close(s.mean, mean) && close(s.bias, mean - truth), "{label}: mean");
        assert!(close(s.sd, sd) && close(s.mean_se, sd / n.sqrt()), "{label}: SD");
        assert!(close(s.rmse, rmse), "{label}: RMSE {} vs {rmse}", s.rmse);
        assert!(close(s.coverage, covered / est.len() as f64), "{label}: coverage {} vs {}", s.coverage, covered / 40.0);
        let width = est.iter().map(|e| e.upper - e.lower).sum::<f64>() / est.len() as f64;
        assert!(close(s.mean_width, width), "{label}: width");
    }
    // the check has teeth: some estimator's intervals miss the truth on some replicates, and
    // some cover it (a coverage of 0 or 1 everywhere could not tell "and" from "or")
    let cov: Vec<f64> = lab.summary().iter().map(|s| s.coverage).collect();
    assert!(cov.iter().any(|&c| c < 1.0) && cov.iter().any(|&c| c > 0.0), "{cov:?}");
}

#[test]
fn bootstrap_intervals_sit_on_the_same_estimates_and_are_about_as_wide_as_normal_ones() {
    // the same logs with normal and with bootstrap intervals: an unnormalized estimator's normal
    // interval needs only its plain terms, its bootstrap the whole terms (both paths are checked)
    let run = |extra: Vec<(&str, Value)>| {
        let mut base = vec![("replicates", Value::from(12.0))];
        base.extend(extra);
        let mut lab = Lab::new(world(), scenario(base)).unwrap();
        lab.step(12).unwrap();
        lab.replicates().to_vec()
    };
    let normal = run(vec![]);
    let boot = run(vec![("nBootstrapSamples", Value::from(400.0))]);
    let n_est = normal[0].estimates.len();
    for j in 0..n_est {
        let (mut wn, mut wb) = (0.0, 0.0);
        for (a, b) in normal.iter().zip(&boot) {
            let (a, b) = (&a.estimates[j], &b.estimates[j]);
            assert_eq!(a.value.to_bits(), b.value.to_bits(), "estimator {j}: the same estimate either way");
            assert_eq!(a.n, b.n);
            assert!(
                b.lower <= b.value && b.value <= b.upper,
                "estimator {j}: bootstrap [{}, {}] around {}",
                b.lower,
                b.upper,
                b.value
            );
            wn += a.upper - a.lower;
            wb += b.upper - b.lower;
        }
        // n = 3,000 rounds: the percentile bootstrap and the normal interval agree to a few per cent
        // (400 resamples put ~5% Monte Carlo error on each end; averaged over 12 logs)
        let ratio = wb / wn;
        assert!((0.85..1.15).contains(&ratio), "estimator {j}: bootstrap/normal width {ratio}");
    }
}
