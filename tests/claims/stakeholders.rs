//! Lesson 9, "Who else does the recommender serve?" (www/lessons/stakeholders.*).

use super::common::{Lesson, OTHER_SEEDS, share};
use receval::config::Value;
use receval::lessons::LessonOutput;
use receval::lessons::common::Estimate;
use receval::lessons::stakeholders::{self as st, Output};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

fn lesson() -> Lesson {
    Lesson::load("stakeholders")
}

/// Runs are shared by the tests of this file (each state is run once per test process).
fn out(l: &Lesson, state: &Value) -> Arc<Output> {
    static RUNS: OnceLock<Mutex<HashMap<String, Arc<Output>>>> = OnceLock::new();
    let key = format!("{state:?}");
    if let Some(o) = RUNS.get_or_init(Default::default).lock().unwrap().get(&key) {
        return o.clone();
    }
    let o = match l.run(state) {
        LessonOutput::Stakeholders(o) => Arc::new(o),
        other => panic!("not this lesson's output: {other:?}"),
    };
    RUNS.get_or_init(Default::default).lock().unwrap().insert(key, o.clone());
    o
}

fn preset(l: &Lesson, id: &str, seed: u64) -> Arc<Output> {
    out(l, &l.preset(id, &[("seed", seed as f64)]))
}

fn at(l: &Lesson, seed: u64, changes: &[(&str, f64)]) -> Arc<Output> {
    let mut c = vec![("seed", seed as f64)];
    c.extend_from_slice(changes);
    out(l, &l.state(&c))
}

fn seeds() -> impl Iterator<Item = u64> {
    std::iter::once(1).chain(OTHER_SEEDS)
}

/// `x` printed with `digits` decimals reads `text`.
fn reads(x: f64, digits: usize, text: &str) -> bool {
    format!("{x:.digits$}") == text
}

fn covers(e: &Estimate, truth: f64) -> bool {
    e.lower <= truth && truth <= e.upper
}

/// Half-width of an interval relative to the exact value, in percent.
fn rel_half(e: &Estimate, exact: f64) -> f64 {
    100.0 * (e.upper - e.lower) / 2.0 / exact
}

#[test]
fn every_preset_has_its_claims_tested() {
    assert_eq!(lesson().preset_ids(), ["clicks-only", "little-fairness", "too-much", "long-run", "small-log"]);
}

#[test]
fn the_catalogues_are_unequal() {
    let l = lesson();
    l.claim("the largest has 31 items, and 11 of the 40 have a single one.");
    let o = preset(&l, "clicks-only", 1);
    assert_eq!(o.beta, 3.0);
    let world = receval::lessons::common::world(st::world_config(1)).unwrap();
    let mut sizes = [0; st::N_CREATORS];
    for &c in world.item_creator() {
        sizes[c as usize] += 1;
    }
    assert_eq!(*sizes.iter().max().unwrap(), 31);
    assert_eq!(sizes.iter().filter(|&&n| n == 1).count(), 11);
}

#[test]
fn the_frontier_is_flat_near_zero_then_over_corrects_and_is_dominated() {
    let l = lesson();
    l.claim("The frontier is flat near γ = 0. Clicks-only ranking concentrates exposure far beyond what users’ tastes require, so the first steps towards fairness cost little engagement: with the default world, γ = 0.2 gives up 1.4% of clicks and 4% of revenue and cuts the Gini from 0.54 to 0.33.");
    l.claim("Past the bottom of the Gini curve, more boost over-corrects: the formerly ignored creators now get more than their share, the Gini rises again, and engagement keeps falling. Those policies are dominated; no stakeholder should want them.");
    l.claim("The frontier is flat near γ = 0: the first steps towards fairness cost almost nothing.");
    l.claim("from clicks only (top, γ = 0) to γ = 0.6 (bottom)");
    let o = preset(&l, "little-fairness", 1);
    let (p, t) = (&o.production, &o.selected);
    assert!(reads(100.0 * (1.0 - t.engagement / p.engagement), 1, "1.4") && reads(100.0 * (1.0 - t.revenue / p.revenue), 0, "4"));
    assert!(reads(p.gini, 2, "0.54") && reads(t.gini, 2, "0.33"));
    let (ok, n) = share(seeds(), |seed| {
        let f = &preset(&l, "little-fairness", seed).frontier;
        assert_eq!(f.len(), 13);
        // flat: from γ = 0 to 0.2 engagement falls by less than a tenth of the Gini's relative fall
        let flat = (1.0 - f[4].engagement / f[0].engagement) < (1.0 - f[4].gini / f[0].gini) / 10.0;
        // engagement falls all the way; the Gini falls to a bottom before 0.6 and rises after it
        let falls = f.windows(2).all(|w| w[1].engagement < w[0].engagement);
        let bottom = (0..f.len()).min_by(|&a, &b| f[a].gini.total_cmp(&f[b].gini)).unwrap();
        let rises = bottom < f.len() - 1 && f[bottom..].windows(2).all(|w| w[1].gini > w[0].gini);
        // past the bottom: every policy dominated by the bottom's (more engagement, lower Gini)
        let dominated = f[bottom + 1..].iter().all(|q| q.engagement < f[bottom].engagement && q.gini > f[bottom].gini);
        // γ = 0 at the top (the most engagement), γ = 0.6 at the bottom
        let corners = f.iter().all(|q| q.engagement <= f[0].engagement) && f.iter().all(|q| q.engagement >= f[12].engagement);
        // over-correcting: past the bottom the bottom half gets more than its share of impressions
        flat && falls && rises && dominated && corners && f[12].small_exposure > 0.5
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
}

#[test]
fn beyond_the_slider_every_step_makes_both_numbers_worse() {
    let l = lesson();
    l.claim("(The slider stops at γ = 0.6: beyond it, every step makes both numbers worse.)");
    let (ok, n) = share(seeds(), |seed| {
        let pts: Vec<_> = (12..=20).map(|k| st::point_at(seed, 3.0, k as f64 / 20.0).unwrap()).collect();
        pts.windows(2).all(|w| w[1].engagement < w[0].engagement && w[1].gini > w[0].gini)
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
}

#[test]
fn clicks_only_preset() {
    let l = lesson();
    l.claim("The 8 most-shown creators (of 40) get 60% of all impressions, the bottom half 16%, and the Gini of creator exposure is 0.54. Evaluated on its own log, every weight is 1: IPS and SNIPS are just the logged click rate (0.540 against the exact 0.545).");
    let o = preset(&l, "clicks-only", 1);
    let g = o.groups.as_ref().unwrap();
    assert!(reads(100.0 * g.production.exposure[0], 0, "60") && reads(100.0 * o.production.small_exposure, 0, "16"));
    assert!(reads(o.production.gini, 2, "0.54"));
    let (ok, n) = share(seeds(), |seed| {
        let o = preset(&l, "clicks-only", seed);
        let e = o.estimates.as_ref().unwrap();
        e.weights.max == 1.0
            && (e.weights.mean - 1.0).abs() < 1e-12
            && (e.clicks.ips.estimate - e.logged).abs() < 1e-12
            && (e.clicks.snips.estimate - e.logged).abs() < 1e-12
    });
    assert_eq!(ok, n);
    let e = o.estimates.as_ref().unwrap();
    assert!(reads(e.logged, 3, "0.540") && reads(o.production.engagement, 3, "0.545"));
}

#[test]
fn a_little_fairness_preset() {
    let l = lesson();
    l.claim("γ = 0.2 blends a fifth of the creator boost into the score. Engagement falls by 1.4% (0.545 → 0.538 clicks per visit) and revenue by 4%, while the Gini of creator exposure drops from 0.54 to 0.33 and the bottom half of creators go from 16% to 29% of impressions.");
    let o = preset(&l, "little-fairness", 1);
    let (p, t) = (&o.production, &o.selected);
    assert!(reads(p.engagement, 3, "0.545") && reads(t.engagement, 3, "0.538"));
    assert!(reads(100.0 * p.small_exposure, 0, "16") && reads(100.0 * t.small_exposure, 0, "29"));
}

#[test]
fn too_much_fairness_preset() {
    let l = lesson();
    l.claim("Past γ ≈ 0.4 the boost over-corrects: the creators production ignored now get far more than a fair share, the Gini rises again (0.44) and engagement falls to 0.398. Such policies are worse on both axes than a smaller γ (the pale dots), and in the loop it is mostly the big creators who leave (10 remain). Off-policy, production rarely showed what this policy favours: IPS lands at 0.346 and its interval misses the exact value; SNIPS (0.418, 95% 0.338 to 0.497) covers it.");
    let o = preset(&l, "too-much", 1);
    let t = &o.selected;
    assert!(reads(t.gini, 2, "0.44") && reads(t.engagement, 3, "0.398") && t.small_exposure > 0.7);
    let fair = o.r#loop.as_ref().unwrap().fair.as_ref().unwrap();
    assert_eq!(fair.last().unwrap().active_creators, 10);
    let e = o.estimates.as_ref().unwrap();
    assert!(reads(e.clicks.ips.estimate, 3, "0.346") && !covers(&e.clicks.ips, t.engagement));
    let s = &e.clicks.snips;
    assert!(reads(s.estimate, 3, "0.418") && reads(s.lower, 3, "0.338") && reads(s.upper, 3, "0.497") && covers(s, t.engagement));
    // mostly the big creators leave: in the loop's first round, more than half of the creators
    // below the bar are among the 20 production shows most (at every seed)
    let (ok, n) = share(seeds(), |seed| {
        st::point_at(seed, 3.0, 0.6).unwrap(); // registers the boost on this thread's world
        let world = receval::lessons::common::world(st::world_config(seed)).unwrap();
        let m = |spec| receval::stakeholders::metrics(&world, &receval::world::Policy::compile(&world, &spec).unwrap()).unwrap();
        let (e0, e6) = (m(st::production(3.0)).creator_exposure, m(st::fair_policy(3.0, 0.6)).creator_exposure);
        let mut rank: Vec<usize> = (0..e0.len()).collect();
        rank.sort_by(|&a, &b| e0[b].total_cmp(&e0[a]));
        let leave: Vec<usize> = (0..e6.len()).filter(|&c| e6[c] < 0.5 / e6.len() as f64).collect();
        let big = leave.iter().filter(|c| rank.iter().position(|x| x == *c).unwrap() < e0.len() / 2).count();
        2 * big > leave.len()
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
    // off-policy far from production: IPS's interval misses the truth at this seed; how often
    // over the others is what the prose's 100 simulated logs measure (below)
}

#[test]
fn long_run_preset_and_the_loop() {
    let l = lesson();
    l.claim("Under clicks only, 40 creators shrink to 4 within four rounds and engagement falls from 0.545 to 0.518: the users who liked the departed creators’ items lose them. With γ = 0.2, 30 creators stay and engagement ends at 0.539, above clicks only, although it started lower. (With γ = 0.4 all 40 stay, at 0.508.)");
    l.claim("In the creator loop, clicks only leads for the first rounds and usually loses the long run: its own ranking starves the small creators, they leave, and the users who liked them lose those items. A little fairness keeps many more creators and usually ends with more engagement.");
    l.claim("Clicks only starts higher; watch whether it stays there.");
    let o = preset(&l, "long-run", 1);
    let lp = o.r#loop.as_ref().unwrap();
    let (c, f) = (&lp.clicks_only, lp.fair.as_ref().unwrap());
    assert!(c[0].active_creators == 40 && c[4].active_creators == 4 && c[3].active_creators > 4);
    assert!(reads(c[0].engagement, 3, "0.545") && reads(c.last().unwrap().engagement, 3, "0.518"));
    assert!(f.last().unwrap().active_creators == 30 && reads(f.last().unwrap().engagement, 3, "0.539"));
    let o4 = at(&l, 1, &[("gamma", 0.4), ("rounds", 20.0)]);
    let f4 = o4.r#loop.as_ref().unwrap().fair.clone().unwrap();
    assert!(f4.last().unwrap().active_creators == 40 && reads(f4.last().unwrap().engagement, 3, "0.508"));
    // at every seed, with the default loop (10 rounds): clicks only starts higher and leads after
    // the first round, and γ = 0.2 keeps many more creators (at least half again as many) ...
    let loops: Vec<_> = seeds().map(|seed| preset(&l, "little-fairness", seed).r#loop.clone().unwrap()).collect();
    let (ok, n) = share(0..loops.len() as u64, |i| {
        let (c, f) = (&loops[i as usize].clicks_only, loops[i as usize].fair.as_ref().unwrap());
        c[0].engagement > f[0].engagement
            && c[1].engagement > f[1].engagement
            && 2 * f.last().unwrap().active_creators >= 3 * c.last().unwrap().active_creators
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
    // ... and usually (at least 3 seeds in 4) ends with more engagement
    let (ok, n) = share(0..loops.len() as u64, |i| {
        let (c, f) = (&loops[i as usize].clicks_only, loops[i as usize].fair.as_ref().unwrap());
        c.last().unwrap().engagement < f.last().unwrap().engagement
    });
    assert!(4 * ok >= 3 * n, "ends higher at {ok} of {n} seeds");
}

#[test]
fn a_small_log_preset() {
    let l = lesson();
    l.claim("With 1,000 logged visits instead of 10,000, every interval is about 3 times wider (√10 ≈ 3.2; here 3.0 to 3.9 times), the exposure metrics’ too: they depend on which users happened to visit. In this log IPS puts the clicks at 0.569, 6% above the exact 0.538, and its interval still covers the truth.");
    let widths = |o: &Output| {
        let e = o.estimates.as_ref().unwrap();
        [&e.clicks.ips, &e.clicks.snips, &e.revenue.ips, &e.revenue.snips, &e.small_revenue, &e.gini, &e.small_exposure, &e.tail]
            .map(|x| x.upper - x.lower)
    };
    let (small, big) = (preset(&l, "small-log", 1), preset(&l, "little-fairness", 1));
    let (a, b) = (widths(&small), widths(&big));
    let r: Vec<f64> = (0..8).map(|k| a[k] / b[k]).collect();
    assert!(
        reads(r.iter().cloned().fold(f64::INFINITY, f64::min), 1, "3.0")
            && reads(r.iter().cloned().fold(0.0, f64::max), 1, "3.9"),
        "{r:?}"
    );
    let e = small.estimates.as_ref().unwrap();
    let t = small.selected.engagement;
    assert!(
        reads(e.clicks.ips.estimate, 3, "0.569")
            && reads(100.0 * (e.clicks.ips.estimate / t - 1.0), 0, "6")
            && reads(t, 3, "0.538")
    );
    assert!(covers(&e.clicks.ips, t));
    // "about 3 times" at every seed: the mean ratio of the eight widths within 2.5 to 4 (√10 up
    // to the noise of one log)
    let (ok, n) = share(OTHER_SEEDS, |seed| {
        let (a, b) = (widths(&preset(&l, "small-log", seed)), widths(&preset(&l, "little-fairness", seed)));
        let mean = (0..8).map(|k| a[k] / b[k]).sum::<f64>() / 8.0;
        (2.5..4.0).contains(&mean)
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
}

#[test]
fn ips_intervals_widen_away_from_production_and_exposure_stays_about_the_same() {
    let l = lesson();
    l.claim("Engagement and revenue need IPS, whose intervals widen as γ moves away from production: fewer and fewer logged visits carry the weights, and the");
    l.claim("shrinks.");
    l.claim("Exposure metrics need no clicks and no propensities: their uncertainty comes only from which users visited, so it stays small at every γ (within ±0.01 of a share or of the Gini), far below IPS’s away from production (at γ = 0.6: ±9% for IPS, about ±1% for the exposure metrics).");
    l.claim("The bottom half’s share of revenue has the widest interval near production (±6% at γ = 0.2, against ±2.4% for clicks): it rests on the few logged sales of small creators.");
    let (ok, n) = share(seeds(), |seed| {
        let os: Vec<_> = [0.0, 0.2, 0.4, 0.6].iter().map(|&g| at(&l, seed, &[("gamma", g)])).collect();
        let es: Vec<_> = os.iter().map(|o| o.estimates.clone().unwrap()).collect();
        let widen = es.windows(2).all(|w| {
            w[1].clicks.ips.upper - w[1].clicks.ips.lower > w[0].clicks.ips.upper - w[0].clicks.ips.lower
                && w[1].revenue.ips.upper - w[1].revenue.ips.lower > w[0].revenue.ips.upper - w[0].revenue.ips.lower
                && w[1].weights.ess < w[0].weights.ess
        });
        // exposure: small at every γ (half-widths below 0.01), and at γ = 0.6 below a third of
        // IPS's relative half-width
        let small = es.iter().all(|e| [&e.gini, &e.small_exposure, &e.tail].iter().all(|x| (x.upper - x.lower) / 2.0 < 0.01));
        let (o6, e6) = (&os[3], &es[3]);
        let ips6 = rel_half(&e6.clicks.ips, o6.selected.engagement);
        let below = [
            rel_half(&e6.gini, o6.selected.gini),
            rel_half(&e6.small_exposure, o6.selected.small_exposure),
            rel_half(&e6.tail, o6.selected.tail),
        ]
        .iter()
        .all(|x| *x < ips6 / 3.0);
        // near production (γ = 0 and 0.2) the revenue share's interval is the widest, relative to
        // its exact value
        let widest = os[..2].iter().zip(&es[..2]).all(|(o, e)| {
            let t = &o.selected;
            let mine = rel_half(&e.small_revenue, t.small_revenue);
            [
                rel_half(&e.clicks.ips, t.engagement),
                rel_half(&e.clicks.snips, t.engagement),
                rel_half(&e.revenue.ips, t.revenue),
                rel_half(&e.revenue.snips, t.revenue),
                rel_half(&e.gini, t.gini),
                rel_half(&e.small_exposure, t.small_exposure),
                rel_half(&e.tail, t.tail),
            ]
            .iter()
            .all(|x| *x < mine)
        });
        widen && small && below && widest
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
    // the numbers at the default seed
    let o6 = at(&l, 1, &[("gamma", 0.6)]);
    let (e, t) = (o6.estimates.as_ref().unwrap(), &o6.selected);
    assert!(reads(rel_half(&e.clicks.ips, t.engagement), 0, "9"));
    for (x, exact) in [(&e.gini, t.gini), (&e.small_exposure, t.small_exposure), (&e.tail, t.tail)] {
        assert!((0.5..1.5).contains(&rel_half(x, exact)), "about ±1%: {x:?} vs {exact}");
    }
    let o2 = at(&l, 1, &[("gamma", 0.2)]);
    let (e, t) = (o2.estimates.as_ref().unwrap(), &o2.selected);
    assert!(reads(rel_half(&e.small_revenue, t.small_revenue), 0, "6") && reads(rel_half(&e.clicks.ips, t.engagement), 1, "2.4"));
}

/// How often the page's intervals cover the exact values over 100 more simulated logs.
fn coverage(gamma: f64, visits: usize) -> (usize, usize, usize, usize) {
    let l = lesson();
    let o = at(&l, 1, &[("gamma", gamma), ("visits", visits as f64)]);
    let c = st::Config::from_value(&l.state(&[("gamma", gamma), ("visits", visits as f64)])).unwrap();
    let (mut ips, mut snips, mut gini, mut pct) = (0, 0, 0, 0);
    for r in 0..100 {
        let (e, p) = st::simulate(&c, r).unwrap();
        ips += covers(&e.clicks.ips, o.selected.engagement) as usize;
        snips += covers(&e.clicks.snips, o.selected.engagement) as usize;
        gini += covers(&e.gini, o.selected.gini) as usize;
        pct += (p.0 <= o.selected.gini && o.selected.gini <= p.1) as usize;
    }
    (ips, snips, gini, pct)
}

#[test]
fn far_from_production_the_normal_intervals_stop_meaning_95_percent() {
    let l = lesson();
    l.claim("Far from it the log hardly contains what the policy favours, and the normal intervals stop meaning 95%: in 100 simulated logs of 10,000 visits at γ = 0.6, the intervals of IPS and SNIPS covered the exact engagement 77 and 52 times (at γ = 0.2: 96 and 96).");
    let (i6, s6, _, _) = coverage(0.6, 10_000);
    let (i2, s2, _, _) = coverage(0.2, 10_000);
    assert_eq!((i6, s6, i2, s2), (77, 52, 96, 96));
}

#[test]
fn the_basic_bootstrap_covers_the_gini_and_the_percentile_interval_does_not() {
    let l = lesson();
    l.claim("In 100 simulated logs of 1,000 visits at γ = 0.4 it covered the exact Gini 89 times; the plain percentile interval, 8 times.");
    let (_, _, basic, percentile) = coverage(0.4, 1_000);
    assert_eq!((basic, percentile), (89, 8));
}

#[test]
fn ips_above_the_largest_click_rate_is_labelled() {
    // "Never show an impossible value without saying so": wherever IPS's estimate or interval
    // leaves [0, 1] (one item per visit: at most one click), its caution says why.
    let l = lesson();
    l.claim("careful: ${e.clicks.ips.caution}");
    let (ok, n) = share(seeds(), |seed| {
        [0.4, 0.5, 0.6].iter().all(|&g| {
            let o = at(&l, seed, &[("gamma", g), ("visits", 1000.0)]);
            let e = &o.estimates.as_ref().unwrap().clicks.ips;
            (e.lower >= 0.0 && e.upper <= 1.0) || e.caution.is_some()
        })
    });
    assert_eq!(ok, n);
}
