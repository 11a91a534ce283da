//! Lesson 2, "The 1% randomized bucket" (www/lessons/random-bucket.*).
//!
//! A full run simulates up to 100 logs of up to 280,000 visits, so each preset is run once at its
//! own seed (and shared by the tests); claims about the exact part (values, variances, days) are
//! checked at every preset over the 20 other seeds from the scenario's exact functions, and the
//! statistical claims over other seeds on fewer or shorter logs where the wording allows.

use super::common::{Lesson, OTHER_SEEDS, share};
use receval::config::Value;
use receval::lab::Lab;
use receval::lessons::common::{self as lc, Z95};
use receval::lessons::{LessonOutput, random_bucket as rb};
use receval::world::Policy;
use std::sync::OnceLock;

fn lesson() -> Lesson {
    Lesson::load("random-bucket")
}

const PRESETS: [&str; 5] = ["week", "none", "ten", "sharp", "all"];

fn out(l: &Lesson, state: &Value) -> rb::Output {
    match l.run(state) {
        LessonOutput::RandomBucket(o) => o,
        other => panic!("not this lesson's output: {other:?}"),
    }
}

/// A preset's whole run at its own seed (what a learner sees after a click), computed once.
fn preset_run(id: &str) -> &'static rb::Output {
    static RUNS: [OnceLock<rb::Output>; 5] = [const { OnceLock::new() }; 5];
    let i = PRESETS.iter().position(|p| *p == id).unwrap();
    RUNS[i].get_or_init(|| {
        let l = lesson();
        out(&l, &l.preset(id, &[]))
    })
}

fn config(state: &Value) -> rb::Config {
    rb::Config::from_value(state).unwrap()
}

/// The exact part of the lesson at a state.
fn theory(state: &Value) -> rb::Theory {
    let c = config(state);
    let world = lc::world(rb::world_config(&c)).unwrap();
    rb::theory(&world, &c).unwrap()
}

/// The first log's readings at a state (cheap: one log).
fn first(state: &Value) -> (rb::FirstLog, rb::Theory) {
    let c = config(state);
    let world = lc::world(rb::world_config(&c)).unwrap();
    let logger = Policy::compile(&world, &rb::logger(&c)).unwrap();
    let target = Policy::compile(&world, &rb::candidate()).unwrap();
    (rb::first_log(&world, &logger, &target, &c).unwrap(), rb::theory(&world, &c).unwrap())
}

/// Every preset at every seed: the preset's own and the 20 others.
fn preset_states(l: &Lesson) -> Vec<(String, u64, Value)> {
    let mut v = Vec::new();
    for id in PRESETS {
        for seed in std::iter::once(1).chain(OTHER_SEEDS) {
            v.push((id.to_string(), seed, l.preset(id, &[("seed", seed as f64)])));
        }
    }
    v
}

/// Estimates of the lesson's lab over `replicates` logs at `state`: the truth, and (value,
/// lower, upper) per log for each estimator key.
/// (value, lower, upper) per log, by estimator key.
type ByKey = std::collections::BTreeMap<&'static str, Vec<(f64, f64, f64)>>;

fn replicates(state: &Value, replicates: usize) -> (f64, ByKey) {
    let c = config(state);
    let world = lc::world(rb::world_config(&c)).unwrap();
    let mut lab = Lab::new(world, rb::lab_scenario(&c, replicates)).unwrap();
    let reps = lab.step(replicates).unwrap();
    let keys = rb::lab_estimators(c.share);
    let by_key = keys
        .iter()
        .enumerate()
        .map(|(j, k)| (k.0, reps.iter().map(|r| (r.estimates[j].value, r.estimates[j].lower, r.estimates[j].upper)).collect()))
        .collect();
    (lab.truth(), by_key)
}

#[test]
fn every_preset_has_its_claims_tested() {
    assert_eq!(lesson().preset_ids(), PRESETS);
}

#[test]
fn the_candidate_is_better_than_production() {
    let l = lesson();
    l.claim("It is better than production: the question is whether the logs can tell us so, and when.");
    // at every preset and seed, and at every production sharpness of the slider
    for (id, seed, state) in preset_states(&l) {
        let th = theory(&state);
        assert!(th.gap > 0.0, "{id} at seed {seed}: gap {}", th.gap);
    }
    for seed in std::iter::once(1).chain(OTHER_SEEDS) {
        for k in 0..=10 {
            let th = theory(&l.state(&[("seed", seed as f64), ("beta", 0.5 * k as f64)]));
            assert!(th.gap > 0.0, "β {} at seed {seed}: gap {}", 0.5 * k as f64, th.gap);
        }
    }
}

#[test]
fn ips_on_the_bucket_and_the_balanced_ips_are_unbiased() {
    let l = lesson();
    l.claim("Logs from that slice give an unbiased estimate for any candidate.");
    l.claim("is therefore unbiased for any candidate");
    l.claim("IPS with that propensity on <em>all</em> <span data-tex=\"n\"></span> visits is unbiased too");
    l.claim("Unbiased estimators centre on the truth");
    // pooled over the 21 seeds, 40 logs each of 7,000 visits with a 10% bucket: the mean error
    // of each estimator within 4 standard errors of 0
    let mut errors: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    for seed in std::iter::once(1).chain(OTHER_SEEDS) {
        let state = l.state(&[("seed", seed as f64), ("share", 0.1), ("traffic", 1000.0)]);
        let (truth, reps) = replicates(&state, 40);
        for key in [rb::BUCKET_IPW, rb::BALANCED_IPW] {
            errors.entry(key).or_default().extend(reps[key].iter().map(|r| r.0 - truth));
        }
    }
    for (key, errors) in errors {
        let m = receval::stats::mean(&errors);
        let se = receval::stats::std_dev(&errors) / (errors.len() as f64).sqrt();
        assert!(m.abs() < 4.0 * se, "{key}: mean error {m} ± {se}");
    }
    // and at each preset's own run, where the estimator exists: centred on the truth within 4
    // standard errors of the mean over its logs
    for id in PRESETS {
        let o = preset_run(id);
        for key in [rb::BUCKET_IPW, rb::REPLAY, rb::BALANCED_IPW] {
            if let Some(s) = o.sim.get(key) {
                if id == "sharp" {
                    continue; // "still unbiased in theory": its mean rests on weights no log has (see below)
                }
                assert!(s.bias.abs() < 4.0 * s.bias_se, "{id}, {key}: bias {} ± {}", s.bias, s.bias_se);
            }
        }
    }
}

#[test]
fn replay_has_a_hundred_times_the_variance_of_an_ab_test_on_the_bucket() {
    let l = lesson();
    l.claim("a hundred times that of an <a class=\"term\" href=\"../glossary.html#a-b-test\">A/B test</a> on the same number of bucket visits.");
    l.claim("A week of 10,000 visits a day with a 1% bucket gives 700 bucket visits, and about 7 matches.");
    // exactly: the delta-method variance of replay per bucket visit is m·V(1 − V), and an A/B
    // test of the candidate has V(1 − V) per visit
    for (id, seed, state) in preset_states(&l) {
        let th = theory(&state);
        let v = th.variance.value;
        if th.keys.contains(&rb::REPLAY) {
            let ratio = th.variance.replay / (v * (1.0 - v));
            assert!((ratio - 100.0).abs() < 1e-9, "{id} at seed {seed}: {ratio}");
        }
    }
    let week = preset_run("week");
    // 70,000 visits, 1% of them in the bucket: within 4 standard errors of 700 on average
    let se = (70_000.0f64 * 0.01 * 0.99).sqrt() / (week.replicates as f64).sqrt();
    assert!((week.bucket_rows - 700.0).abs() < 4.0 * se, "{}", week.bucket_rows);
    let f = week.first.as_ref().unwrap();
    // a uniformly random item is the candidate's pick 1 time in m = 100: 7 expected matches
    assert!((f.matches as f64 - 7.0).abs() < 4.0 * 7f64.sqrt(), "{} matches", f.matches);
}

#[test]
fn the_bucket_bounds_every_weight() {
    let l = lesson();
    l.claim("The bucket is what keeps it honest: its <span data-tex=\"b/m\"></span> in the denominator bounds every weight, even for items production almost never shows.");
    l.claim("(the bucket caps them at m/b)");
    for (id, seed, state) in preset_states(&l) {
        let c = config(&state);
        if c.share <= 0.0 {
            continue;
        }
        let th = theory(&state);
        assert!(th.variance.max_weight <= 100.0 / c.share * (1.0 + 1e-12), "{id} at seed {seed}: {}", th.variance.max_weight);
    }
    // on logs from the sharpest production with a 1% bucket, too
    for seed in std::iter::once(1).chain(OTHER_SEEDS) {
        let (f, _) = first(&l.state(&[("seed", seed as f64), ("beta", 5.0), ("traffic", 1000.0)]));
        assert!(f.weights[rb::BALANCED_IPW].max <= 100.0 / 0.01 + 1e-9);
    }
}

#[test]
fn snips_is_usually_much_less_variable_than_ips() {
    let l = lesson();
    l.claim("it is slightly biased for small logs and usually much less variable.");
    // the exact (delta-method) variances, at every preset and seed: SNIPS below 3/4 of IPS's in at
    // least three cases of four
    let states = preset_states(&l);
    let (ok, n) = share(0..states.len() as u64, |i| {
        let th = theory(&states[i as usize].2);
        th.variance.balanced_snipw < 0.75 * th.variance.balanced_ipw
    });
    eprintln!("much less variable at {ok} of {n}"); // the share, for the record
    assert!(4 * ok >= 3 * n, "much less variable at {ok} of {n}");
    // and in the simulated logs of each preset
    for id in PRESETS {
        let o = preset_run(id);
        let (snips, ips) = (&o.sim[rb::BALANCED_SNIPW], &o.sim[rb::BALANCED_IPW]);
        assert!(snips.sd < ips.sd, "{id}: SNIPS sd {} vs IPS {}", snips.sd, ips.sd);
        // "slightly biased": within 4 standard errors of the truth, or off by less than 0.02
        assert!(snips.bias.abs() < 4.0 * snips.bias_se + 0.02, "{id}: {snips:?}");
    }
}

#[test]
fn the_naive_mean_measures_the_logger_not_the_candidate() {
    let l = lesson();
    l.claim("The <strong>naive</strong> estimate, the mean logged click <span data-tex=\"\\frac{1}{n}\\sum_i r_i\"></span>, measures the logger, not the candidate.");
    l.claim("The naive mean of logged clicks measures the logging policy (production and its bucket), not the candidate");
    // one log at every preset and seed: its Wilson interval excludes the candidate's value and
    // covers the logger's exact value (1 − b)·V(π₀) + b·V(uniform) about 95% of the time
    let states = preset_states(&l);
    let mut covers = 0;
    for (id, seed, state) in &states {
        let (f, th) = first(state);
        let b = config(state).share;
        let logged = (1.0 - b) * th.variance.production_value + b * th.variance.uniform_value;
        let e = &f.estimates[rb::NAIVE];
        assert!(e.upper < th.variance.value, "{id} at seed {seed}: naive {e:?} vs candidate {}", th.variance.value);
        covers += (e.lower <= logged && logged <= e.upper) as usize;
    }
    // a binomial(105, 0.95) is below 92 with probability < 0.5%
    eprintln!("covered the logger's value {covers} times of {}", states.len()); // the share, for the record
    assert!(covers >= 92, "covered the logger's value {covers} times of {}", states.len());
}

#[test]
fn a_correct_call_is_a_coin_flip_at_the_crossing_and_four_in_five_takes_twice_as_long() {
    let l = lesson();
    l.claim("to decide correctly four times in five, multiply by <span data-tex=\"(2.80/1.96)^2 \\approx 2\"></span>.");
    l.claim("so the interval excludes production only about half the time");
    l.claim("(That is when a correct call is about a coin flip; for 4 times in 5, count about twice as long:");
    let factor = ((Z95 + rb::Z80) / Z95).powi(2);
    assert!((factor - 2.04).abs() < 0.01, "{factor}");
    for (id, seed, state) in preset_states(&l) {
        let th = theory(&state);
        for k in &th.keys {
            let (d, d80) = (th.days[k], th.days80[k]);
            assert!((d80 / d - factor).abs() < 1e-9, "{id} at seed {seed}, {k}: {d} vs {d80}");
        }
    }
    // simulated: at the 10% bucket the balanced SNIPS needs 3.0 days; logs of 3 days exclude
    // production about half the time (within 4 standard errors of one half)
    let state = l.preset("ten", &[("days", 3.0)]);
    let d = theory(&state).days[rb::BALANCED_SNIPW];
    assert!((d - 3.0).abs() < 0.05, "{d}");
    let th = theory(&state);
    let (_, reps) = replicates(&state, 100);
    let reps = &reps[rb::BALANCED_SNIPW];
    let excludes = reps.iter().filter(|r| r.1 > th.variance.production_value).count() as f64 / reps.len() as f64;
    assert!((excludes - 0.5).abs() < 4.0 * (0.25f64 / 100.0).sqrt(), "excluded production in {excludes} of the logs");
}

#[test]
fn the_curves_cross_the_gap_after_the_days_the_readout_gives() {
    let l = lesson();
    l.claim("Where a curve drops below the dashed line, its interval no longer reaches production’s value.");
    for (id, seed, state) in preset_states(&l) {
        let c = config(&state);
        let th = theory(&state);
        for k in &th.keys {
            let per_day = c.traffic * if *k == rb::BUCKET_IPW || *k == rb::REPLAY { c.share } else { 1.0 };
            let v = match *k {
                rb::BUCKET_IPW => th.variance.bucket_ipw,
                rb::REPLAY => th.variance.replay,
                rb::BALANCED_IPW => th.variance.balanced_ipw,
                _ => th.variance.balanced_snipw,
            };
            let at = |d: f64| Z95 * (v / (per_day * d)).sqrt();
            let d = th.days[k];
            assert!((at(d) - th.gap.abs()).abs() < 1e-9, "{id} at seed {seed}, {k}");
            assert!(at(1.01 * d) < th.gap.abs() && at(0.99 * d) > th.gap.abs());
            for p in &th.curves[k] {
                assert!((p.y - at(p.x)).abs() < 1e-12);
            }
        }
    }
}

#[test]
fn the_exact_variance_agrees_with_the_simulated_spread_unless_weights_are_enormous() {
    let l = lesson();
    l.claim("The charts compute <span data-tex=\"\\sigma^2\"></span> exactly from the simulated world, and check it against the spread of estimates over many simulated logs.");
    l.claim("Where the exact figure is much wider than the simulated spread, the variance comes from rare, enormous weights that few logs contain: most logs look precise, and a few are far off.");
    // the presets, and short logs (the slider's fewest visits and days), where it appears too
    let short: Vec<rb::Output> = [[("traffic", 1000.0)], [("days", 1.0)]].iter().map(|c| out(&l, &l.state(c))).collect();
    let runs: Vec<(&str, &rb::Output)> =
        PRESETS.iter().map(|id| (*id, preset_run(id))).chain([("1,000 a day", &short[0]), ("1 day", &short[1])]).collect();
    for (id, o) in runs {
        for (k, s) in &o.sim {
            let Some(&predicted) = o.theory.predicted_half_width.get(k) else { continue };
            let simulated = Z95 * s.sd;
            // the sd of R normal draws has a relative standard error of about 1/√(2(R − 1))
            let rse = 1.0 / (2.0 * (s.n as f64 - 1.0)).sqrt();
            let heavy = predicted > 1.5 * simulated && o.theory.variance.max_weight > 500.0;
            if heavy {
                // the page's sentence appears: the weights are enormous and most logs land closer
                // than the exact variance says
                assert!(o.theory.variance.max_weight > 500.0, "{id}, {k}: largest weight {}", o.theory.variance.max_weight);
                assert!((s.hi - s.lo) / 2.0 < predicted, "{id}, {k}: {s:?} vs {predicted}");
            } else if *k == rb::BALANCED_SNIPW || *k == rb::REPLAY || id == "ten" || id == "all" {
                assert!(
                    (simulated / predicted - 1.0).abs() < 4.0 * rse + 0.1,
                    "{id}, {k}: simulated ±{simulated} vs exact ±{predicted}"
                );
            }
        }
    }
    // the sentence does appear at the sharp preset
    let o = preset_run("sharp");
    assert!(o.theory.predicted_half_width[rb::BALANCED_IPW] > 1.5 * Z95 * o.sim[rb::BALANCED_IPW].sd);
}

#[test]
fn replays_normal_interval_can_collapse_or_overshoot_and_ips_undercovers_with_huge_weights() {
    let l = lesson();
    l.claim("With a handful of matches, replay’s normal interval can have zero width or reach past 1 (the chart of one log shows a Wilson interval for it instead, which stays between 0 and 1); with rare huge weights, plain IPS’s normal intervals cover the truth far less often than 95%");
    l.claim("the naive mean and replay are plain shares of clicks, with Wilson intervals that stay between 0 and 1");
    // logs with a handful of matches: 700 bucket visits a week at 1,000 visits a day and a 10%
    // bucket, 7 matches on average
    let state = l.state(&[("share", 0.1), ("traffic", 1000.0)]);
    let (_, reps) = replicates(&state, 100);
    let odd = reps[rb::REPLAY].iter().filter(|r| r.0.is_finite() && (r.2 - r.1 == 0.0 || r.2 > 1.0)).count();
    assert!(odd > 0, "no zero-width or overshooting replay interval in 100 logs");
    // the shown intervals stay in [0, 1] at every preset and seed
    for (id, seed, state) in preset_states(&l) {
        let (f, _) = first(&state);
        for k in [rb::NAIVE, rb::REPLAY] {
            if let Some(e) = f.estimates.get(k).filter(|e| e.estimate.is_finite()) {
                assert!(0.0 <= e.lower && e.upper <= 1.0, "{id} at seed {seed}, {k}: {e:?}");
            }
        }
    }
    // plain IPS on a sharp production's logs, 20 logs of 14,000 visits at each of the 21 seeds:
    // its intervals cover the truth in far fewer than 95% of the logs (pooled, below 80%)
    let mut covered = 0;
    let mut n = 0;
    for seed in std::iter::once(1).chain(OTHER_SEEDS) {
        let state = l.preset("sharp", &[("seed", seed as f64), ("traffic", 2000.0)]);
        let (truth, reps) = replicates(&state, 20);
        covered += reps[rb::BALANCED_IPW].iter().filter(|r| r.1 <= truth && truth <= r.2).count();
        n += reps[rb::BALANCED_IPW].len();
    }
    eprintln!("covered {covered} of {n}"); // the share, for the record
    assert!((covered as f64) < 0.8 * n as f64, "covered {covered} of {n}");
    assert!(preset_run("sharp").sim[rb::BALANCED_IPW].coverage < 0.8);
}

#[test]
fn week_preset_as_described() {
    let l = lesson();
    l.claim("A week at 10,000 visits a day puts about 700 visits in the bucket, and the candidate’s pick comes up in only about 7 of them (1 in 100 items; 3 in the log shown). On the bucket alone, replay and IPS are right on average but scattered from 0 to about 0.9 over the simulated logs. The balanced estimator uses all 70,000 visits: SNIPS on them is within about ±0.09 of the truth in 95% of logs, close to the 0.081 gap; about 11 days would do.");
    l.claim("At the default settings (a 1% bucket, 10,000 visits a day, a week), the bucket holds about 700 visits. Replay and IPS on it centre on the truth, but single estimates range from 0 to about 0.9: the bucket alone would need about 150 days (replay) to 300 days (IPS) to tell a 0.081 gap apart.");
    l.claim("The balanced estimator uses all 70,000 visits and needs about 11 days (SNIPS), a fourteenth of replay’s time, from the same 1% bucket.");
    let o = preset_run("week");
    assert_eq!(o.first.as_ref().unwrap().matches, 3);
    for k in [rb::BUCKET_IPW, rb::REPLAY] {
        let s = &o.sim[k];
        assert!(s.lo < 0.01 && (0.8..1.0).contains(&s.hi), "{k}: {s:?}");
    }
    let snips = &o.sim[rb::BALANCED_SNIPW];
    assert!((Z95 * snips.sd - 0.09).abs() < 0.01, "{snips:?}");
    assert!((o.theory.gap - 0.081).abs() < 0.0005);
    let d = &o.theory.days;
    assert_eq!(d[rb::BALANCED_SNIPW].round(), 11.0);
    assert!((d[rb::REPLAY] - 150.0).abs() < 10.0 && (d[rb::BUCKET_IPW] - 300.0).abs() < 10.0, "{d:?}");
    assert_eq!((d[rb::REPLAY] / d[rb::BALANCED_SNIPW]).round(), 14.0);
}

#[test]
fn no_bucket_takes_longer_and_ips_undercovers() {
    let l = lesson();
    l.claim("Without a bucket only production’s logs are left. Here production still gives every item a small chance, so IPS on its logs is unbiased, but the candidate’s picks are rare in them: it would take about 33 days (SNIPS) instead of about 11, and plain IPS’s intervals cover the truth in only about three logs out of four.");
    l.claim("Set the bucket to 0% and it needs about 33: the bucket helps most exactly where production rarely shows what the candidate would show.");
    let o = preset_run("none");
    assert_eq!(o.theory.days[rb::BALANCED_SNIPW].round(), 33.0);
    let cov = o.sim[rb::BALANCED_IPW].coverage;
    assert!((0.65..=0.82).contains(&cov), "IPS coverage {cov}");
    // at every seed, removing the 1% bucket makes the balanced SNIPS need longer
    for seed in std::iter::once(1).chain(OTHER_SEEDS) {
        let with = theory(&l.preset("week", &[("seed", seed as f64)])).days[rb::BALANCED_SNIPW];
        let without = theory(&l.preset("none", &[("seed", seed as f64)])).days[rb::BALANCED_SNIPW];
        assert!(without > 1.5 * with, "seed {seed}: {without} vs {with}");
    }
}

#[test]
fn a_bigger_bucket_decides_faster_and_costs_in_proportion() {
    let l = lesson();
    l.claim("Ten times more random traffic: replay on the bucket alone now needs about 15 days and the balanced estimator about 3 days. The price is ten times the online cost: about 0.034 clicks per visit, almost 8% of production’s clicks.");
    l.claim("A bigger bucket decides faster, but costs clicks in proportion: 10% decides in about 3 days and costs about 8% of production’s clicks, every day it runs. (The balanced estimators are fastest with about half the traffic random: with all of it random they lose what production’s own visits showed.)");
    let o = preset_run("ten");
    assert_eq!(o.theory.days[rb::REPLAY].round(), 15.0);
    assert_eq!(o.theory.days[rb::BALANCED_SNIPW].round(), 3.0);
    let cost = 0.1 * (o.production_value - o.uniform_value);
    assert!((cost - 0.034).abs() < 0.0005 && (0.07..0.08).contains(&(cost / o.production_value)), "{cost}");
    // at every seed: along the slider's shares, the bucket-only estimators decide faster with
    // every bigger bucket, the balanced ones up to half the traffic, and slower with all of it
    let shares = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0];
    for seed in std::iter::once(1).chain(OTHER_SEEDS) {
        let days: Vec<_> = shares.iter().map(|&b| theory(&l.state(&[("seed", seed as f64), ("share", b)])).days).collect();
        for (i, w) in days.windows(2).enumerate() {
            for k in [rb::BUCKET_IPW, rb::REPLAY] {
                assert!(w[1][k] < w[0][k], "seed {seed}, {k}: {days:?}");
            }
            for k in [rb::BALANCED_IPW, rb::BALANCED_SNIPW] {
                if shares[i + 1] <= 0.5 {
                    assert!(w[1][k] < w[0][k], "seed {seed}, {k}: {days:?}");
                } else {
                    assert!(w[1][k] > w[0][k], "seed {seed}, {k}: {days:?}");
                }
            }
        }
    }
}

#[test]
fn sharp_production_needs_centuries_which_means_never() {
    let l = lesson();
    l.claim("A very sharp production recommender almost never shows some of the candidate’s picks. IPS on its logs is still unbiased in theory, but it rests on rare, enormous weights: the exact variance says it would need about 300 years of logs, which means never, and plain IPS’s simulated intervals cover the truth in only about a third of the logs.");
    l.claim("“Never in practice” means more than ten years of logging, longer than the candidate, or the service, will exist:");
    l.claim(
        "production shows some of the candidate’s picks so rarely that a visit showing one would carry an importance weight of up to",
    );
    let o = preset_run("sharp");
    let years = o.theory.days[rb::BALANCED_IPW] / 365.0;
    assert!((250.0..350.0).contains(&years), "{years} years");
    let cov = o.sim[rb::BALANCED_IPW].coverage;
    assert!((0.25..=0.42).contains(&cov), "coverage {cov}");
    // at every seed: more than ten years (the page says "never in practice"), on weights in the
    // thousands
    for seed in std::iter::once(1).chain(OTHER_SEEDS) {
        let th = theory(&l.preset("sharp", &[("seed", seed as f64)]));
        assert!(th.days[rb::BALANCED_IPW] > 3650.0, "seed {seed}: {} days", th.days[rb::BALANCED_IPW]);
        assert!(th.variance.max_weight > 1000.0, "seed {seed}: {}", th.variance.max_weight);
    }
}

#[test]
fn all_traffic_random_the_estimators_coincide() {
    let l = lesson();
    l.claim("With every visit random, the bucket is the whole log: the bucket-only and balanced estimators coincide and replay decides in under 2 days. Nobody runs a service like this: it costs about 0.34 clicks per visit, three quarters of production’s clicks.");
    let o = preset_run("all");
    assert_eq!(o.sim[rb::BUCKET_IPW], o.sim[rb::BALANCED_IPW]);
    assert!((o.sim[rb::REPLAY].mean - o.sim[rb::BALANCED_SNIPW].mean).abs() < 1e-12);
    let cost = o.production_value - o.uniform_value;
    assert!((cost - 0.34).abs() < 0.005 && (0.72..0.78).contains(&(cost / o.production_value)), "{cost}");
    for seed in std::iter::once(1).chain(OTHER_SEEDS) {
        let th = theory(&l.preset("all", &[("seed", seed as f64)]));
        assert!(th.days[rb::REPLAY] < 2.0, "seed {seed}: {}", th.days[rb::REPLAY]);
        assert!((th.variance.bucket_ipw - th.variance.balanced_ipw).abs() < 1e-9 * th.variance.bucket_ipw);
    }
}

#[test]
fn one_bucket_visit_in_a_hundred_shows_the_candidates_pick() {
    let l = lesson();
    l.claim("and only 1 in 100 of them shows the candidate’s pick");
    // pooled over every seed at the default: matches / bucket visits within 4 standard errors of 1/100
    let (mut matches, mut visits) = (0.0, 0.0);
    for seed in std::iter::once(1).chain(OTHER_SEEDS) {
        let (f, _) = first(&l.state(&[("seed", seed as f64)]));
        matches += f.matches as f64;
        visits += f.bucket_visits as f64;
    }
    let p = matches / visits;
    assert!((p - 0.01).abs() < 4.0 * (0.01 * 0.99 / visits).sqrt(), "{p}");
}
