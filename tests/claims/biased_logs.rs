//! Lesson 1, "Your logs are biased" (www/lessons/biased-logs.*).

use super::common::{Lesson, OTHER_SEEDS, share};
use receval::lab::{EstimatorSpec, Lab, Scenario};
use receval::lessons::{LessonOutput, biased_logs};
use receval::world::{RewardModelSpec, World};
use std::sync::Arc;

fn lesson() -> Lesson {
    Lesson::load("biased-logs")
}

fn out(l: &Lesson, state: &receval::config::Value) -> biased_logs::Output {
    #[allow(unreachable_patterns)] // reachable once the course has more than one lesson in the core
    match l.run(state) {
        LessonOutput::BiasedLogs(o) => o,
        other => panic!("not this lesson's output: {other:?}"),
    }
}

#[test]
fn every_preset_has_its_claims_tested() {
    // the presets whose notes the tests below check; a new preset must get its claims tested
    assert_eq!(lesson().preset_ids(), ["production", "random", "extreme"]);
}

#[test]
fn ips_is_unbiased_over_many_logs() {
    let l = lesson();
    l.claim("If production gives every item some chance, IPS is unbiased: averaged over many logs, it equals the truth.");
    // 300 logs at the lesson's defaults: the mean IPS estimate within 4 standard errors of the truth
    let c = biased_logs::Config::from_value(&l.state(&[])).unwrap();
    let world = Arc::new(World::new(biased_logs::world_config(&c)).unwrap());
    let scenario = Scenario {
        logger: biased_logs::production(c.beta, c.pop_bias),
        target: biased_logs::candidate(c.tail),
        n_rounds: c.rounds,
        replicates: 300,
        seed: 7,
        estimators: vec![EstimatorSpec { name: "ipw".into(), lambda: None, component: None, label: "ipw".into() }],
        reward_model: RewardModelSpec::True { misspecification: 0.0, bias: 0.0, noise: 0.0, seed: 0 },
        cross_fit: Default::default(),
        alpha: 0.05,
        n_bootstrap_samples: 0,
        reward: None,
    };
    let mut lab = Lab::new(world, scenario).unwrap();
    lab.step(300).unwrap();
    let s = &lab.summary()[0];
    let se = s.sd / 300f64.sqrt();
    assert!(s.bias.abs() < 4.0 * se, "IPS bias {} vs standard error {se}", s.bias);
}

#[test]
fn variance_grows_as_production_shows_less_of_what_the_candidate_likes() {
    let l = lesson();
    l.claim("Its price is variance: the less production shows what the candidate likes, the fewer visits the estimate effectively rests on.");
    // at every seed: the extreme production's log rests on fewer effective visits
    let (ok, n) = share(std::iter::once(1).chain(OTHER_SEEDS), |seed| {
        let typical = out(&l, &l.preset("production", &[("seed", seed as f64)]));
        let extreme = out(&l, &l.preset("extreme", &[("seed", seed as f64)]));
        extreme.main.ess < typical.main.ess
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
}

#[test]
fn at_beta_zero_the_naive_estimate_is_right_up_to_noise() {
    let l = lesson();
    l.claim("At β = 0 production shows items at random, and even the naive estimate is right up to noise");
    l.claim("With uniformly random logging every item had the same chance to be shown, so even the naive estimate is unbiased.");
    let errors: Vec<f64> = std::iter::once(1)
        .chain(OTHER_SEEDS)
        .map(|seed| {
            let o = out(&l, &l.preset("random", &[("seed", seed as f64)]));
            o.main.naive - o.truth
        })
        .collect();
    // unbiased: the mean error over 21 seeds within 4 of its standard errors of 0 ...
    let m = receval::stats::mean(&errors);
    let se = receval::stats::std_dev(&errors) / (errors.len() as f64).sqrt();
    assert!(m.abs() < 4.0 * se, "mean naive error {m} ± {se}");
    // ... and "right up to noise" at each seed: within 4 of its own standard errors (a mean of
    // 10,000 clicks weighted by π_e: sd ≈ √(V(1−V)/ESS); ESS ≈ 400 here gives ≈ 0.024)
    for e in &errors {
        assert!(e.abs() < 4.0 * 0.024, "naive error {e} at β = 0");
    }
}

#[test]
fn the_naive_error_grows_with_sharpness_then_stops_growing_popularity_usually_adds() {
    let l = lesson();
    l.claim("The sharper production is, the further above the truth the naive estimate lands, until production shows little but its favourites (around β = 3 here) and the error stops growing; a stronger pull towards popular items usually adds a little more.");
    let seeds: Vec<u64> = std::iter::once(1).chain(OTHER_SEEDS).collect();
    let mut mean_err = vec![0.0; biased_logs::SWEEP_BETAS.len()];
    for &seed in &seeds {
        let o = out(&l, &l.state(&[("seed", seed as f64)]));
        for (m, p) in mean_err.iter_mut().zip(&o.sweep) {
            *m += (p.naive - o.truth) / seeds.len() as f64;
        }
    }
    // growing up to β = 3 (index 6), then flat within 0.01
    for i in 1..=6 {
        assert!(mean_err[i] > mean_err[i - 1] - 0.002, "mean naive error at β index {i}: {:?}", mean_err);
    }
    assert!(mean_err[6] - mean_err[0] > 0.1, "{mean_err:?}");
    let tail = &mean_err[6..];
    let (lo, hi) = tail.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    assert!(hi - lo < 0.01, "after β = 3 the error should stop growing: {mean_err:?}");
    // a stronger pull towards popular items: a larger error on average (by 4 standard errors)
    // and at "usually" three seeds in four or more
    let diffs: Vec<f64> = seeds
        .iter()
        .map(|&seed| {
            let mild = out(&l, &l.state(&[("seed", seed as f64), ("popBias", 0.0)]));
            let strong = out(&l, &l.state(&[("seed", seed as f64), ("popBias", 2.0)]));
            (strong.main.naive - strong.truth) - (mild.main.naive - mild.truth)
        })
        .collect();
    let m = receval::stats::mean(&diffs);
    let se = receval::stats::std_dev(&diffs) / (diffs.len() as f64).sqrt();
    assert!(m > 4.0 * se, "mean extra error {m} ± {se}");
    let usually = diffs.iter().filter(|d| **d > 0.0).count();
    assert!(4 * usually >= 3 * diffs.len(), "larger at {usually} of {} seeds", diffs.len());
}

#[test]
fn typical_production_log_naive_looks_much_better_ips_lands_near_the_truth() {
    let l = lesson();
    l.claim("Read naively, its logs make the tail-friendly candidate look much better than it is");
    l.claim("IPS divides each logged click by how likely production was to show that item and lands near the truth.");
    let at = |seed: u64| out(&l, &l.preset("production", &[("seed", seed as f64)]));
    let o = at(1);
    assert!(o.main.naive > o.truth * 1.2, "naive {} vs truth {}", o.main.naive, o.truth);
    assert!(o.main.ipw.lower <= o.truth && o.truth <= o.main.ipw.upper, "{:?} vs {}", o.main.ipw, o.truth);
    assert_eq!(o.main.ipw.caution, None);
    // over other seeds: naive always much too high; IPS's 95% interval covers the truth about as
    // often as it should (at least 17 of 20: a binomial(20, 0.95) falls below that with p < 2%)
    let (much, n) = share(OTHER_SEEDS, |s| {
        let o = at(s);
        o.main.naive > 1.2 * o.truth
    });
    assert_eq!(much, n);
    let (covers, n) = share(OTHER_SEEDS, |s| {
        let o = at(s);
        o.main.ipw.lower <= o.truth && o.truth <= o.main.ipw.upper
    });
    assert!(covers >= 17, "IPS covered the truth at {covers} of {n} seeds");
}

#[test]
fn random_logging_gives_ips_a_wider_interval_than_the_production_log() {
    let l = lesson();
    l.claim("IPS is unbiased too, yet its interval is wider than on the typical production log: random logging spends most visits on items the candidate rarely picks.");
    let width = |o: &biased_logs::Output| o.main.ipw.upper - o.main.ipw.lower;
    let (ok, n) = share(std::iter::once(1).chain(OTHER_SEEDS), |seed| {
        let random = out(&l, &l.preset("random", &[("seed", seed as f64)]));
        let typical = out(&l, &l.preset("production", &[("seed", seed as f64)]));
        width(&random) > width(&typical) && random.main.ess < typical.main.ess
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
}

#[test]
fn very_popularity_driven_production_ips_falls_far_below_and_the_weights_say_so() {
    let l = lesson();
    l.claim("The logger almost never shows the tail, and the naive estimate is far off.");
    l.claim("the tail visits that would carry its huge weights are so rare that one log of 10,000 visits almost never contains them, so IPS lands far below the truth with an interval that misses it. The sign to look for: its importance weights average far below the 1 they should.");
    let (ok, n) = share(std::iter::once(1).chain(OTHER_SEEDS), |seed| {
        let o = out(&l, &l.preset("extreme", &[("seed", seed as f64)]));
        let m = &o.main;
        o.main.naive > 1.4 * o.truth
            && m.ipw.upper < o.truth
            && m.ipw.estimate < 0.5 * o.truth
            && m.weights.mean < 0.5
            && m.ipw.caution.as_deref().is_some_and(|c| c.contains("should average 1"))
    });
    // "almost never contains them": at the preset's seed and at least 19 of 20 others
    assert!(ok >= n - 1, "held at {ok} of {n} seeds");
    let o = out(&l, &l.preset("extreme", &[]));
    assert!(o.main.ipw.upper < o.truth && o.main.weights.mean < 0.5, "at the preset's own seed: {:?}", o.main);
}

#[test]
fn sweep_naive_above_from_half_ips_around_then_below() {
    let l = lesson();
    l.claim("The naive estimate lands above the truth from β = 0.5 on.");
    l.claim("IPS stays around the truth while production still shows the tail now and then; from about β = 3.5 on, one log mostly lacks the rare tail visits and IPS falls below the truth.");
    let seeds: Vec<u64> = std::iter::once(1).chain(OTHER_SEEDS).collect();
    let mut below_late = 0;
    let mut late = 0;
    let mut covered_early = 0;
    let mut early = 0;
    for &seed in &seeds {
        let o = out(&l, &l.state(&[("seed", seed as f64)]));
        for p in &o.sweep {
            if p.beta >= 0.5 {
                assert!(p.naive > o.truth, "seed {seed}, β {}: naive {} ≤ truth {}", p.beta, p.naive, o.truth);
            }
            if (0.5..=1.5).contains(&p.beta) {
                early += 1;
                covered_early += (p.ipw.lower <= o.truth && o.truth <= p.ipw.upper) as usize;
            }
            if p.beta >= 3.5 {
                late += 1;
                below_late += (p.ipw.upper < o.truth) as usize;
            }
        }
    }
    // "stays around": the early intervals cover the truth at least 85% of the time (nominal 95%)
    assert!(covered_early * 100 >= 85 * early, "covered {covered_early} of {early}");
    // "mostly": below the truth in more than half of the late logs
    assert!(2 * below_late > late, "below {below_late} of {late}");
}
