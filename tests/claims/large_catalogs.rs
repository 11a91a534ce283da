//! Lesson "Large catalogs" (www/lessons/large-catalogs.*).
//!
//! A run covers every catalog size at once, and the catalog slider changes only which size the
//! lower charts detail: so a preset's run and the default run at the same seed and γ share their
//! numbers. Runs are kept once per state and shared by the tests. MSEs over replicates are compared
//! with a margin of two standard errors of the MSE (from the replicates' spread), so that a
//! claim fails only when the numbers say so.

use super::common::{Lesson, OTHER_SEEDS, share};
use receval::config::Value;
use receval::lessons::LessonOutput;
use receval::lessons::common::Spread;
use receval::lessons::large_catalogs::{Output, SizeResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

fn lesson() -> Lesson {
    Lesson::load("large-catalogs")
}

const PRESETS: [&str; 4] = ["small", "huge", "miss-some", "miss-half"];

/// The lesson's output at a state, computed once per state for all tests.
fn run(state: &Value) -> Arc<Output> {
    static RUNS: OnceLock<Mutex<HashMap<String, Arc<Output>>>> = OnceLock::new();
    let key = format!("{state:?}");
    let cache = RUNS.get_or_init(Default::default);
    if let Some(o) = cache.lock().unwrap().get(&key) {
        return o.clone();
    }
    let o = match lesson().run(state) {
        LessonOutput::LargeCatalogs(o) => Arc::new(o),
        other => panic!("not this lesson's output: {other:?}"),
    };
    cache.lock().unwrap().insert(key, o.clone());
    o
}

fn preset(id: &str, seed: Option<u64>) -> Arc<Output> {
    let l = lesson();
    let changes: Vec<(&str, f64)> = seed.map(|s| vec![("seed", s as f64)]).unwrap_or_default();
    run(&l.preset(id, &changes))
}

fn default_at(seed: u64) -> Arc<Output> {
    run(&lesson().state(&[("seed", seed as f64)]))
}

/// How many of (the preset's own seed, then every other seed) `holds` holds at: (holds, tried).
fn over_seeds(mut holds: impl FnMut(Option<u64>) -> bool) -> (usize, usize) {
    let own = holds(None);
    let (ok, n) = share(OTHER_SEEDS, |s| holds(Some(s)));
    (ok + own as usize, n + 1)
}

fn size(o: &Output, items: usize) -> &SizeResult {
    o.sizes.iter().find(|s| s.items == items).unwrap()
}

fn mse(s: &Spread) -> f64 {
    s.rmse * s.rmse
}

/// Half the width of the 95% Monte Carlo interval of the MSE, from the spread's RMSE interval.
fn mse_half(s: &Spread) -> f64 {
    (s.rmse_hi * s.rmse_hi - s.rmse_lo * s.rmse_lo) / 2.0
}

/// `a`'s MSE is below `b`'s by more than the Monte Carlo noise of both.
fn clearly_below(a: &Spread, b: &Spread) -> bool {
    mse(a) + mse_half(a) < mse(b) - mse_half(b)
}

#[test]
fn every_preset_has_its_claims_tested() {
    assert_eq!(lesson().preset_ids(), PRESETS);
}

#[test]
fn ips_error_grows_tenfold_with_the_catalog_and_mips_stays_within_three() {
    let l = lesson();
    l.claim("IPS’s error grows with the catalog: at 5,000 items its MSE is more than ten times what it is at 10 items. MIPS’s stays within a factor of three.");
    l.claim("MIPS weighs 10 topics, whose shares do not depend on the catalog’s size, and its error stays within a factor of three of its value at 10 items.");
    let (ok, n) = share(std::iter::once(1).chain(OTHER_SEEDS), |seed| {
        let o = default_at(seed);
        let (a, b) = (size(&o, 10), size(&o, 5000));
        // exact, and over the replicates
        let exact = b.exact.mse_ipw > 10.0 * a.exact.mse_ipw && b.exact.mse_mipw < 3.0 * a.exact.mse_mipw;
        let ips = mse(&b.stats["ipw"]) - mse_half(&b.stats["ipw"]) > 10.0 * (mse(&a.stats["ipw"]) + mse_half(&a.stats["ipw"]));
        let mips = mse(&b.stats["mipw"]) < 3.0 * mse(&a.stats["mipw"]);
        exact && ips && mips
    });
    assert_eq!(ok, n);
}

#[test]
fn by_default_mips_beats_ips_at_every_size_and_tenfold_from_3000_items() {
    let l = lesson();
    l.claim("With the default settings, MIPS’s MSE is below IPS’s at every catalog size, and more than ten times below from 3,000 items on.");
    let (ok, n) = share(std::iter::once(1).chain(OTHER_SEEDS), |seed| {
        let o = default_at(seed);
        let every = o.sizes.iter().all(|s| s.exact.mse_mipw < s.exact.mse_ipw && mse(&s.stats["mipw"]) < mse(&s.stats["ipw"]));
        let tenfold = o.sizes.iter().filter(|s| s.items >= 3000).all(|s| {
            10.0 * s.exact.mse_mipw < s.exact.mse_ipw
                && 10.0 * (mse(&s.stats["mipw"]) + mse_half(&s.stats["mipw"])) < mse(&s.stats["ipw"])
        });
        every && tenfold
    });
    assert_eq!(ok, n);
}

#[test]
fn snips_usually_helps_ips_a_little_and_grows_with_the_catalog_too() {
    let l = lesson();
    l.claim("SNIPS usually helps IPS a little, but not enough: its MSE grows with the catalog too, far above MIPS’s.");
    let seeds = || std::iter::once(1).chain(OTHER_SEEDS);
    // always: it grows with the catalog and stays clearly above MIPS at 5,000 items
    let (ok, n) = share(seeds(), |seed| {
        let o = default_at(seed);
        let (a, b) = (size(&o, 10), size(&o, 5000));
        clearly_below(&b.stats["mipw"], &b.stats["snipw"]) && mse(&b.stats["snipw"]) > 5.0 * mse(&a.stats["snipw"])
    });
    assert_eq!(ok, n);
    // usually (at least 3 seeds in 4): below IPS at 5,000 items
    let (ok, n) = share(seeds(), |seed| {
        let o = default_at(seed);
        let b = size(&o, 5000);
        mse(&b.stats["snipw"]) < mse(&b.stats["ipw"])
    });
    assert!(4 * ok >= 3 * n, "{ok} of {n}");
}

#[test]
fn with_ten_items_ips_and_mips_are_unbiased_close_and_cover() {
    let l = lesson();
    l.claim("With ten items, production shows each user’s favourite often enough: IPS and MIPS are both unbiased, their MSEs are within a factor of three of each other, and both intervals cover the truth about 95% of the time.");
    let (ok, n) = over_seeds(|seed| {
        let o = preset("small", seed);
        let s = &o.sizes[o.chosen];
        assert_eq!(s.items, 10);
        let (ips, mips) = (&s.stats["ipw"], &s.stats["mipw"]);
        let unbiased =
            ips.bias.abs() < 4.0 * ips.bias_se && mips.bias.abs() < 4.0 * mips.bias_se && s.exact.bias_mipw.abs() < 1e-12;
        let close = mse(ips) < 3.0 * mse(mips) && mse(mips) < 3.0 * mse(ips);
        // "about 95%": the Wilson interval of the share of 100 logs reaches 95%, give or take 3 points
        let covers = [ips, mips].iter().all(|x| x.coverage_lo <= 0.95 + 0.03 && x.coverage_hi >= 0.95 - 0.03);
        unbiased && close && covers
    });
    assert_eq!(ok, n);
}

#[test]
fn with_5000_items_ips_weights_reach_the_hundreds_and_its_mse_is_ten_times_mips() {
    let l = lesson();
    l.claim("With 5,000 items, IPS’s weights reach the hundreds and its MSE is more than ten times MIPS’s.");
    let (ok, n) = over_seeds(|seed| {
        let o = preset("huge", seed);
        let s = &o.sizes[o.chosen];
        assert_eq!(s.items, 5000);
        let (ips, mips) = (&s.stats["ipw"], &s.stats["mipw"]);
        s.exact.max_weight_ipw >= 100.0
            && s.exact.mse_ipw > 10.0 * s.exact.mse_mipw
            && mse(ips) - mse_half(ips) > 10.0 * mse(mips)
    });
    assert_eq!(ok, n);
}

#[test]
fn a_fifth_missed_makes_mips_biased_and_undercovering_but_better_than_ips_at_5000() {
    let l = lesson();
    l.claim("MIPS is now biased downwards and its intervals cover the truth far less often than 95%. At 5,000 items it still has a lower MSE than IPS: a little bias costs less than IPS’s variance.");
    let (ok, n) = over_seeds(|seed| {
        let o = preset("miss-some", seed);
        let s = &o.sizes[o.chosen];
        assert_eq!(s.items, 5000);
        let (ips, mips) = (&s.stats["ipw"], &s.stats["mipw"]);
        let biased = s.exact.bias_mipw < 0.0 && mips.bias + 4.0 * mips.bias_se < 0.0;
        let undercovers = mips.coverage_hi < 0.8;
        biased && undercovers && s.exact.mse_mipw < s.exact.mse_ipw && clearly_below(mips, ips)
    });
    assert_eq!(ok, n);
}

#[test]
fn half_missed_mips_bias_dominates_and_at_300_items_ips_wins_here_and_mostly() {
    let l = lesson();
    l.claim("With half of the appeal outside the topic, MIPS’s bias dominates its error and its intervals almost never cover the truth. At 300 items IPS, unbiased, has the lower MSE here, and with most other seeds too.");
    // the lower MSE: exactly, and over the page's replicates
    let ips_wins = |s: &SizeResult| s.exact.mse_ipw < s.exact.mse_mipw && mse(&s.stats["ipw"]) < mse(&s.stats["mipw"]);
    // always: the bias dominates, IPS is unbiased, MIPS's intervals (almost) never cover
    let (ok, n) = over_seeds(|seed| {
        let o = preset("miss-half", seed);
        let s = &o.sizes[o.chosen];
        assert_eq!(s.items, 300);
        let (ips, mips) = (&s.stats["ipw"], &s.stats["mipw"]);
        s.exact.bias_mipw.powi(2) > 0.5 * s.exact.mse_mipw && ips.bias.abs() < 4.0 * ips.bias_se && mips.coverage < 0.2
    });
    assert_eq!(ok, n);
    // "here": at the preset's own seed
    let o = preset("miss-half", None);
    assert!(ips_wins(&o.sizes[o.chosen]));
    // "with most other seeds too": more than half of them
    let (ok, n) = share(OTHER_SEEDS, |seed| {
        let o = preset("miss-half", Some(seed));
        ips_wins(&o.sizes[o.chosen])
    });
    assert!(2 * ok > n, "{ok} of {n}");
}

#[test]
fn when_the_topics_miss_part_of_the_appeal_mips_bias_grows_with_the_catalog() {
    let l = lesson();
    l.claim("When the topics miss part of the appeal, MIPS is biased, its bias grows with the catalog (the best item of a larger catalog stands further above its topic’s average), and its intervals stop covering the truth.");
    let (ok, n) = over_seeds(|seed| {
        [preset("miss-some", seed), preset("miss-half", seed)].iter().all(|o| {
            let (a, b) = (size(o, 10), size(o, 5000));
            a.exact.bias_mipw < 0.0 && b.exact.bias_mipw < 2.0 * a.exact.bias_mipw && b.stats["mipw"].coverage < 0.5
        })
    });
    assert_eq!(ok, n);
}

#[test]
fn at_no_miss_mips_is_exactly_unbiased_and_ips_always_is() {
    let l = lesson();
    l.claim("At <span data-tex=\"\\gamma = 0\"></span> the topic says everything and MIPS is exactly unbiased.");
    l.claim("IPS stays unbiased whatever <span data-tex=\"\\gamma\"></span> is.");
    for seed in std::iter::once(1).chain(OTHER_SEEDS) {
        for miss in [0.0, 0.5, 1.0] {
            let o = run(&lesson().state(&[("seed", seed as f64), ("miss", miss), ("rounds", 500.0)]));
            for s in &o.sizes {
                assert_eq!(s.exact.bias_mipw.abs() < 1e-12, miss == 0.0, "seed {seed}, miss {miss}, {} items", s.items);
                let ips = &s.stats["ipw"];
                // one test per (seed, γ, size): 4.5 standard errors keeps the family's false alarms rare
                assert!(
                    ips.bias.abs() < 4.5 * ips.bias_se,
                    "seed {seed}, miss {miss}, {} items: IPS bias {} ± {}",
                    s.items,
                    ips.bias,
                    ips.bias_se
                );
            }
        }
    }
}
