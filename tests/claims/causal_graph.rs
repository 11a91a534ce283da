//! Lesson 10, "Draw the graph before you trust the data" (www/lessons/causal-graph.*).
//!
//! Exact values come from the model itself; claims about one log read the run's first output (the
//! page's log) at each seed; claims about the convergence chart read the whole run, whose sweep
//! holds up to 400 simulated logs per size: "centred on" means within 4 standard errors of the
//! mean over those logs.

use super::common::{Lesson, OTHER_SEEDS, share};
use receval::causal::Scm;
use receval::config::Value;
use receval::lessons::causal_graph::{self, Output, SweepRow};
use receval::lessons::{self, LessonOutput};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

fn lesson() -> Lesson {
    Lesson::load("causal-graph")
}

fn out(o: LessonOutput) -> Output {
    match o {
        LessonOutput::CausalGraph(o) => o,
        other => panic!("not this lesson's output: {other:?}"),
    }
}

/// A preset's state with changes: numbers, or booleans given as 0/1 for the toggles.
fn state(l: &Lesson, id: &str, changes: &[(&str, f64)]) -> Value {
    let Value::Object(mut s) = l.preset(id, &[]) else { unreachable!() };
    for (k, v) in changes {
        let slot = &mut s.iter_mut().find(|(key, _)| key == k).unwrap_or_else(|| panic!("no control {k}")).1;
        *slot = if matches!(slot, Value::Bool(_)) { Value::Bool(*v != 0.0) } else { Value::Number(*v) };
    }
    Value::Object(s)
}

/// The whole run (sweep included), once per state for the test binary.
fn full(l: &Lesson, id: &str, changes: &[(&str, f64)]) -> Arc<Output> {
    type Cells = Mutex<HashMap<String, Arc<OnceLock<Arc<Output>>>>>;
    static RUNS: OnceLock<Cells> = OnceLock::new();
    let s = state(l, id, changes);
    let cell = RUNS.get_or_init(Default::default).lock().unwrap().entry(format!("{s:?}")).or_default().clone();
    cell.get_or_init(|| Arc::new(out(l.run(&s)))).clone()
}

/// The page's log only (the run's first output).
fn first(l: &Lesson, id: &str, changes: &[(&str, f64)]) -> Output {
    out(lessons::start(l.slug, &state(l, id, changes)).unwrap().step().unwrap().unwrap())
}

fn seeds() -> impl Iterator<Item = u64> {
    std::iter::once(1).chain(OTHER_SEEDS)
}

fn model(l: &Lesson, id: &str, changes: &[(&str, f64)]) -> Scm {
    causal_graph::model(&causal_graph::Config::from_value(&state(l, id, changes)).unwrap())
}

/// Where back-door adjustment over {taste if `taste`, popularity if `popularity`} converges for
/// P(click | do(E = 1)): Σ_z P(z) P(Y=1 | E=1, z), the unadjusted variables averaged given E = 1
/// and z (the naive association when nothing is adjusted for).
fn adjusted_limit(s: &Scm, taste: bool, popularity: bool) -> f64 {
    let p = |x: usize, q: f64| if x == 1 { q } else { 1.0 - q };
    let mut v = 0.0;
    for zu in if taste { vec![Some(0), Some(1)] } else { vec![None] } {
        for zc in if popularity { vec![Some(0), Some(1)] } else { vec![None] } {
            let (mut num, mut den, mut pz) = (0.0, 0.0, 0.0);
            for u in 0..2 {
                for c in 0..2 {
                    if zu.is_some_and(|z| z != u) || zc.is_some_and(|z| z != c) {
                        continue;
                    }
                    let w = p(u, s.p_taste) * p(c, s.p_popular);
                    pz += w;
                    num += w * s.p_exposed(u, c) * s.p_click(1, u, c);
                    den += w * s.p_exposed(u, c);
                }
            }
            v += pz * num / den;
        }
    }
    v
}

fn row(o: &Output, n: usize) -> &SweepRow {
    o.sweep.iter().find(|r| r.n == n).unwrap_or_else(|| panic!("no sweep row for n = {n}"))
}

/// The sweep's adjusted (or naive) mean is within 4 standard errors of `target` at every size from
/// `from` pairs on.
fn centred_on(o: &Output, target: f64, naive: bool, from: usize) -> Result<(), String> {
    for r in o.sweep.iter().filter(|r| r.n >= from) {
        let s = if naive { &r.naive } else { &r.adjusted };
        let se = s.sd / (s.count as f64).sqrt();
        if (s.mean - target).abs() >= 4.0 * se {
            return Err(format!("n = {}: mean {} vs {target} ± {se}", r.n, s.mean));
        }
    }
    Ok(())
}

fn covers(e: &receval::lessons::common::Estimate, x: f64) -> bool {
    e.lower <= x && x <= e.upper
}

#[test]
fn every_preset_has_its_claims_tested() {
    assert_eq!(
        lesson().preset_ids(),
        ["no-confounding", "popularity", "taste-unmeasured", "few-logs", "no-effect", "positivity"]
    );
}

#[test]
fn the_model_is_the_one_the_page_writes_down() {
    let l = lesson();
    l.claim("<strong>taste</strong> <span data-tex=\"U\"></span>: the user likes this kind of item (30% of pairs);");
    l.claim("P(E=1 \\mid u, c) = \\sigma(-1.5 + 2u + 2c), \\qquad P(Y=1 \\mid e, u, c) = \\sigma(-3 + e + 2u + c).");
    let s = model(&l, "few-logs", &[("n", 1000.0)]);
    assert_eq!(
        (s.p_taste, s.p_popular, s.e0, s.e_u, s.e_c, s.y0, s.y_e, s.y_u, s.y_c),
        (0.3, 0.3, -1.5, 2.0, 2.0, -3.0, 1.0, 2.0, 1.0)
    );
    let o = first(&l, "few-logs", &[("n", 1000.0)]);
    let coef: Vec<f64> = o.graph.edges.iter().map(|e| e.coef).collect();
    assert_eq!(coef, [2.0, 2.0, 2.0, 1.0, 1.0], "the numbers the graph prints");
}

#[test]
fn seeing_is_not_doing_the_numbers_of_the_prose() {
    let l = lesson();
    l.claim("In the logs, items that were shown get clicked four times as often as items that were not.");
    l.claim("In this world <span data-tex=\"P(Y=1 \\mid E=1) = 0.396\"></span> but");
    l.claim("<span data-tex=\"P(Y=1 \\mid \\operatorname{do}(E=1)) = 0.286\"></span>, and the effect of showing,");
    l.claim("is less than half of the 0.302 difference in click rates between shown and unshown pairs.");
    l.claim("the pairs that were shown are mostly pairs the user likes or popular items, which get clicked anyway.");
    let s = Scm::default();
    let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
    assert_eq!(r3(s.observational(1)), 0.396);
    assert_eq!(r3(s.interventional(1)), 0.286);
    assert_eq!(r3(s.interventional(1) - s.interventional(0)), 0.136);
    assert_eq!(r3(s.observational(1) - s.observational(0)), 0.302);
    assert!(2.0 * (s.interventional(1) - s.interventional(0)) < s.observational(1) - s.observational(0));
    let ratio = s.observational(1) / s.observational(0);
    assert!((3.5..4.5).contains(&ratio), "four times: {ratio}");
    // shown pairs: mostly liked or popular
    let pu = |u: usize| if u == 1 { s.p_taste } else { 1.0 - s.p_taste };
    let pc = |c: usize| if c == 1 { s.p_popular } else { 1.0 - s.p_popular };
    let shown = |u: usize, c: usize| pu(u) * pc(c) * s.p_exposed(u, c);
    let all = shown(0, 0) + shown(1, 0) + shown(0, 1) + shown(1, 1);
    assert!(shown(0, 0) / all < 0.5, "{}", shown(0, 0) / all);
    // and in the default log, the naive ratio is four times within its noise
    let o = first(&l, "few-logs", &[("n", 1000.0)]);
    let (a, b) = (&o.main.shown.naive, &o.main.not_shown.naive);
    let se = |e: &receval::lessons::common::Estimate| (e.upper - e.lower) / 3.92;
    let r = a.estimate / b.estimate;
    let r_se = r * ((se(a) / a.estimate).powi(2) + (se(b) / b.estimate).powi(2)).sqrt();
    assert!((r - ratio).abs() < 4.0 * r_se, "the log's ratio {r} ± {r_se}");
}

#[test]
fn at_the_defaults_naive_is_far_off_and_adjustment_lands_on_the_truth() {
    let l = lesson();
    l.claim("At the default settings the naive estimate from 1,000 pairs says a shown item is clicked with probability 0.383; the truth is 0.286, and back-door adjustment for taste and popularity gives 0.284.");
    l.claim("In the bottom chart, 95% of the adjusted estimates from logs of only 200 pairs lie between 0.19 and 0.39, centred on the truth; 95% of the naive ones from 20,000 pairs lie between 0.389 and 0.408, nowhere near it.");
    let o = full(&l, "few-logs", &[("n", 1000.0)]);
    let r = |x: f64, d: i32| (x * 10f64.powi(d)).round() / 10f64.powi(d);
    assert_eq!(
        (r(o.main.shown.naive.estimate, 3), r(o.truth.do_exposed, 3), r(o.main.shown.adjusted.estimate, 3)),
        (0.383, 0.286, 0.284)
    );
    let (small, large) = (row(&o, 200), row(&o, 20000));
    assert_eq!((r(small.adjusted.lo, 2), r(small.adjusted.hi, 2)), (0.19, 0.39));
    assert_eq!((r(large.naive.lo, 3), r(large.naive.hi, 3)), (0.389, 0.408));
    assert!(large.naive.lo > o.truth.do_exposed);
    centred_on(&o, o.truth.do_exposed, false, 50).unwrap();
}

#[test]
fn the_convergence_chart_has_the_logs_its_caption_says() {
    let l = lesson();
    l.claim("400 logs of up to 500 pairs, fewer of the larger sizes, 30 of 20,000.");
    l.claim("The adjusted estimate (back-door and IPS give the same number) narrows around the truth; the naive one converges, with ever more confidence, to the grey line.");
    l.claim("The back-door and IPS rows always agree here.");
    for n in causal_graph::SIZES {
        let want = if n <= 500 { 400 } else { causal_graph::replicates_for(n) };
        assert_eq!(causal_graph::replicates_for(n), want);
        assert!((30..=400).contains(&want));
    }
    assert_eq!(causal_graph::replicates_for(20000), 30);
    for s in seeds() {
        let o = first(&l, "few-logs", &[("n", 1000.0), ("seed", s as f64)]);
        for r in [&o.main.shown, &o.main.not_shown] {
            assert!((r.adjusted.estimate - r.ipw.estimate).abs() < 1e-12, "seed {s}");
        }
    }
    let o = full(&l, "few-logs", &[("n", 1000.0)]);
    centred_on(&o, o.truth.do_exposed, false, 50).unwrap();
    centred_on(&o, o.truth.observed_exposed, true, 50).unwrap();
    let widths = |f: &dyn Fn(&SweepRow) -> (f64, f64)| o.sweep.iter().map(|r| f(r).1 - f(r).0).collect::<Vec<_>>();
    for w in [widths(&|r| (r.adjusted.lo, r.adjusted.hi)), widths(&|r| (r.naive.lo, r.naive.hi))] {
        assert!(w.windows(2).all(|x| x[1] < x[0]), "the spread narrows with n: {w:?}");
    }
}

#[test]
fn no_confounding_the_naive_association_is_the_effect() {
    let l = lesson();
    l.claim("Nothing but chance decides what is shown, as in an A/B test: the arrows into “shown” are gone, so no back-door path is left.");
    l.claim("Taste and popularity still drive clicks, but equally among shown and unshown pairs: the naive association is the causal effect, with nothing to adjust for.");
    let s = model(&l, "no-confounding", &[]);
    assert!((s.observational(1) - s.interventional(1)).abs() < 1e-15 && (s.observational(0) - s.interventional(0)).abs() < 1e-15);
    let o = full(&l, "no-confounding", &[]);
    assert!(o.graph.confounders.is_empty() && o.graph.edges.iter().filter(|e| e.to == "E").all(|e| !e.on));
    assert!(covers(&o.main.shown.naive, o.truth.do_exposed));
    centred_on(&o, o.truth.do_exposed, true, 50).unwrap();
}

#[test]
fn popularity_confounds_adjusting_for_it_lands_on_the_truth() {
    let l = lesson();
    l.claim("Only popularity drives both exposure and clicks. The naive estimate credits showing with clicks that popularity earned: over many logs (bottom chart) it centres above the truth, though one log’s interval may still reach it. Adjusting for popularity, which every catalog records, blocks the only back-door path and lands on the truth.");
    let o = full(&l, "popularity", &[]);
    assert_eq!(o.graph.confounders.iter().map(|c| c.name).collect::<Vec<_>>(), ["popularity"]);
    assert!(o.graph.open.is_empty());
    assert!(o.truth.observed_exposed > o.truth.do_exposed + 0.02, "{:?}", o.truth);
    assert!(covers(&o.main.shown.adjusted, o.truth.do_exposed));
    centred_on(&o, o.truth.do_exposed, false, 50).unwrap();
    centred_on(&o, o.truth.observed_exposed, true, 50).unwrap();
    // "may still reach it": at the preset's own seed it does
    assert!(covers(&o.main.shown.naive, o.truth.do_exposed));
}

#[test]
fn taste_unmeasured_adjustment_barely_moves_and_more_logs_make_it_precisely_wrong() {
    let l = lesson();
    l.claim("Adjusting for popularity closes one back-door path and leaves shown ← taste → click open: back-door and IPS barely move from the naive number, and the bottom chart shows that more logs only make them more precisely wrong.");
    l.claim("“Taste is unmeasured”: adjusting for popularity alone moves the estimate from 0.396 to only 0.376 in the limit, far from 0.286. Every extra log makes that wrong answer more precise, never less wrong.");
    let s = model(&l, "taste-unmeasured", &[]);
    let (naive, adjusted, truth) = (adjusted_limit(&s, false, false), adjusted_limit(&s, false, true), s.interventional(1));
    let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
    assert_eq!((r3(naive), r3(adjusted), r3(truth)), (0.396, 0.376, 0.286));
    assert!((naive - adjusted) < 0.25 * (naive - truth), "barely moves");
    let o = full(&l, "taste-unmeasured", &[]);
    assert_eq!(o.graph.open.iter().map(|c| c.name).collect::<Vec<_>>(), ["taste"]);
    centred_on(&o, adjusted, false, 50).unwrap();
    let last = row(&o, 20000);
    assert!(last.adjusted.lo > truth, "precisely wrong: {:?}", last.adjusted);
    let w: Vec<f64> = o.sweep.iter().map(|r| r.adjusted.hi - r.adjusted.lo).collect();
    assert!(w.windows(2).all(|x| x[1] < x[0]), "{w:?}");
}

#[test]
fn a_variable_with_one_arrow_needs_no_adjustment() {
    let l = lesson();
    l.claim("In this small graph the rule is simple: <strong>adjust for every variable with");
    l.claim("A variable with an arrow into only one of them opens no back-door");
    l.claim("Switch off either arrow out of taste (into shown or into click) and taste stops being a confounder: adjusting for popularity is now enough, whether or not taste was measured.");
    for arrow in ["tasteToExposure", "tasteToClick"] {
        for adjust_taste in [0.0, 1.0] {
            let o = full(&l, "few-logs", &[("n", 1000.0), (arrow, 0.0), ("adjustTaste", adjust_taste)]);
            assert_eq!(o.graph.confounders.iter().map(|c| c.name).collect::<Vec<_>>(), ["popularity"], "{arrow}");
            assert!(o.graph.open.is_empty());
            centred_on(&o, o.truth.do_exposed, false, 50)
                .unwrap_or_else(|e| panic!("{arrow} off, adjust taste {adjust_taste}: {e}"));
        }
    }
}

#[test]
fn few_logs_right_graph_centred_from_the_smallest_logs_the_naive_one_never() {
    let l = lesson();
    l.claim("Two hundred logged pairs, with taste and popularity measured. Both intervals are wide — the naive one may even reach the truth — but the bottom chart shows what each is centred on: the adjusted estimate on the truth from the smallest logs on, the naive one on the wrong value however many logs you add.");
    l.claim("With the right graph a small log is enough; with the wrong one no log is.");
    let o = full(&l, "few-logs", &[]);
    let w = |e: &receval::lessons::common::Estimate| e.upper - e.lower;
    assert!(w(&o.main.shown.naive) > 0.1 && w(&o.main.shown.adjusted) > 0.1, "{:?}", o.main.shown);
    centred_on(&o, o.truth.do_exposed, false, 50).unwrap();
    for r in &o.sweep {
        let se = r.naive.sd / (r.naive.count as f64).sqrt();
        assert!(r.naive.mean - o.truth.do_exposed > 4.0 * se, "naive at n = {}: {:?}", r.n, r.naive);
    }
    // "may even reach the truth": at some seed the naive interval from 200 pairs holds it
    let (reach, _) = share(seeds(), |s| {
        let o = first(&l, "few-logs", &[("seed", s as f64)]);
        covers(&o.main.shown.naive, o.truth.do_exposed)
    });
    assert!(reach > 0);
}

#[test]
fn showing_does_nothing_the_logs_say_more_than_twice_the_adjusted_effect_covers_zero() {
    let l = lesson();
    l.claim("Switch off shown → click: showing an item changes nothing, the true effect is 0. The logs still say shown items are clicked more than twice as often, because the recommender shows what users would click anyway. Adjusted for taste and popularity, the effect’s interval covers zero.");
    l.claim("“Showing does nothing”: the logs still report a large lift, because the recommender shows what users would click anyway. Only the adjusted estimate’s interval covers the zero.");
    let s = model(&l, "no-effect", &[]);
    assert_eq!(s.interventional(1), s.interventional(0));
    let ratio = s.observational(1) / s.observational(0);
    assert!((2.0..2.5).contains(&ratio), "more than twice: {ratio}");
    let at = |seed: u64| first(&l, "no-effect", &[("seed", seed as f64)]);
    let o = at(1);
    assert!(covers(&o.effect.adjusted, 0.0) && !covers(&o.effect.naive, 0.0), "{:?}", o.effect);
    // the naive lift is always far from 0; the adjusted interval covers 0 about as often as a
    // 95% interval should (at least 17 of 20 other seeds)
    let (cover, n) = share(OTHER_SEEDS, |s| {
        let o = at(s);
        assert!(!covers(&o.effect.naive, 0.0), "seed {s}: {:?}", o.effect.naive);
        covers(&o.effect.adjusted, 0.0)
    });
    assert!(cover >= 17, "covered 0 at {cover} of {n}");
}

#[test]
fn stronger_confounding_more_naive_bias_and_positivity_fails() {
    let l = lesson();
    l.claim("Raise the confounding strength: the naive bias grows, and the pairs the recommender loves — popular items for users who like them — are almost never left unshown. From about ×1.5 a log of 1,000 pairs may contain not one: positivity fails, and neither adjustment nor IPS can estimate do(not show) or the effect.");
    l.claim("The recommender now almost always shows popular items to users who like them. In these 1,000 logged pairs not one such pair went unshown, so nothing says what those users do when the item is not shown: do(not show), and the effect, cannot be estimated by adjustment or IPS (the readout says which stratum is empty).");
    let bias = |k: f64| {
        let s = model(&l, "few-logs", &[("confounding", k)]);
        s.observational(1) - s.interventional(1)
    };
    let ks = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0];
    assert!(ks.windows(2).all(|w| bias(w[1]) > bias(w[0])), "{:?}", ks.map(bias));
    // P(no unshown liked-and-popular pair among 1,000): small at ×1, sizeable from ×1.5
    let none = |k: f64| {
        let s = model(&l, "few-logs", &[("confounding", k)]);
        (1.0 - s.p_taste * s.p_popular * (1.0 - s.p_exposed(1, 1))).powi(1000)
    };
    assert!(none(1.0) < 0.01 && none(1.25) < 0.1 && none(1.5) > 0.25, "{} {} {}", none(1.0), none(1.25), none(1.5));
    let s = model(&l, "positivity", &[]);
    assert!(s.p_exposed(1, 1) > 0.99);
    let o = first(&l, "positivity", &[]);
    let p = o.main.not_shown.positivity.as_ref().expect("positivity fails at the preset's seed");
    assert_eq!((p.exposure, p.taste, p.popularity), (0, Some(1), Some(1)));
    assert!(o.effect.adjusted.estimate.is_nan() && o.main.not_shown.adjusted.estimate.is_nan());
    let (fails, n) =
        share(OTHER_SEEDS, |seed| first(&l, "positivity", &[("seed", seed as f64)]).main.not_shown.positivity.is_some());
    assert!(fails + 1 >= n, "failed at {fails} of {n} other seeds");
}
