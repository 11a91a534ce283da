//! Lesson 3, "IPS, SNIPS, DM, DR and friends" (www/lessons/estimators.*).
//!
//! A full run is 200 logs with 47 estimators each, so each preset is run once at its own seed and
//! shared by the tests; over the 20 other seeds the claims are checked on 40 logs of the default
//! setting with only the estimators they name (the lesson's own lab, fewer replicates), with
//! tolerances from those replicates' standard errors.

use super::common::{Lesson, OTHER_SEEDS, share};
use receval::config::Value;
use receval::estimators::Kernel;
use receval::lab::Lab;
use receval::lessons::common::{self as lc, Spread};
use receval::lessons::{self, LessonOutput, estimators as est};
use receval::world::{CollectOptions, Log, Policy};
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn lesson() -> Lesson {
    Lesson::load("estimators")
}

const PRESETS: [&str; 5] = ["close", "far", "bad-model", "fitted", "big"];

fn out(l: &Lesson, state: &Value) -> est::Output {
    match l.run(state) {
        LessonOutput::Estimators(o) => o,
        other => panic!("not this lesson's output: {other:?}"),
    }
}

/// A preset's whole run at its own seed, computed once.
fn preset_run(id: &str) -> &'static est::Output {
    static RUNS: [OnceLock<est::Output>; 5] = [const { OnceLock::new() }; 5];
    let i = PRESETS.iter().position(|p| *p == id).unwrap();
    RUNS[i].get_or_init(|| {
        let l = lesson();
        out(&l, &l.preset(id, &[]))
    })
}

/// The default run at its own seed (the page untouched).
fn default_run() -> &'static est::Output {
    static RUN: OnceLock<est::Output> = OnceLock::new();
    RUN.get_or_init(|| {
        let l = lesson();
        out(&l, &l.state(&[]))
    })
}

fn config(state: &Value) -> est::Config {
    est::Config::from_value(state).unwrap()
}

/// The estimators the seed-by-seed checks need.
fn few() -> Vec<String> {
    let mut ids = est::shown(30.0);
    for f in ["ipwc", "sgipw", "drc", "switch", "dros", "sgdr"] {
        ids.push(est::id_at(f, 1.0));
        ids.push(est::id_at(f, 1000.0));
    }
    ids
}

/// The lesson's lab at `state` with `replicates` logs and the estimators `ids` only: truth and
/// summaries by id, and each estimator's values per log.
struct Reduced {
    truth: f64,
    logger_value: f64,
    stats: BTreeMap<String, Spread>,
    values: BTreeMap<String, Vec<f64>>,
}

fn reduced(state: &Value, replicates: usize, ids: &[String]) -> Reduced {
    let c = config(state);
    let world = lc::world(est::world_config(&c)).unwrap();
    let mut s = est::lab_scenario(&c, replicates);
    s.estimators.retain(|e| ids.contains(&e.label));
    let mut lab = Lab::new(world.clone(), s).unwrap();
    lab.step(replicates).unwrap();
    let stats = est::summarize(&lab);
    let values = lab
        .scenario()
        .estimators
        .iter()
        .enumerate()
        .map(|(j, e)| (e.label.clone(), lab.replicates().iter().map(|r| r.estimates[j].value).collect()))
        .collect();
    let logger_value =
        world.policy_value(&Policy::compile(&world, &est::logger()).unwrap(), receval::world::Signal::Click).unwrap();
    Reduced { truth: lab.truth(), logger_value, stats, values }
}

/// The default setting at each of the 20 other seeds, 40 logs each, computed once per seed.
fn other_seed(seed: u64) -> &'static Reduced {
    static RUNS: [OnceLock<Reduced>; 20] = [const { OnceLock::new() }; 20];
    let i = OTHER_SEEDS.clone().position(|s| s == seed).unwrap();
    RUNS[i].get_or_init(|| {
        let l = lesson();
        reduced(&l.state(&[("seed", seed as f64)]), 40, &few())
    })
}

fn within(s: &Spread, k: f64) -> bool {
    s.bias.abs() < k * s.bias_se
}

#[test]
fn every_preset_has_its_claims_tested() {
    assert_eq!(lesson().preset_ids(), PRESETS);
}

#[test]
fn the_mismatch_slider_goes_from_equal_weights_to_weights_in_the_thousands() {
    let l = lesson();
    l.claim("at 0 every weight is 1; at 1 the candidate prefers long-tail items production rarely shows, and a few weights reach the hundreds or thousands.");
    l.claim("At 0 the candidate is production itself (every weight is 1); at 1 it is sharper and prefers the long tail that production rarely shows, with weights up to about 1,000.");
    for seed in std::iter::once(1).chain(OTHER_SEEDS) {
        let c = config(&l.state(&[("seed", seed as f64)]));
        let world = lc::world(est::world_config(&c)).unwrap();
        let at0 = est::exact_weights(&world, 0.0).unwrap();
        assert!((at0.max_weight - 1.0).abs() < 1e-12 && (at0.ew2 - 1.0).abs() < 1e-12, "seed {seed}");
        let at1 = est::exact_weights(&world, 1.0).unwrap();
        assert!((300.0..3000.0).contains(&at1.max_weight), "seed {seed}: largest weight {}", at1.max_weight);
        // the weights grow with the mismatch: E[w²] increases along the slider
        let ew2: Vec<f64> = (0..=20).map(|k| est::exact_weights(&world, k as f64 / 20.0).unwrap().ew2).collect();
        assert!(ew2.windows(2).all(|w| w[1] > w[0]), "seed {seed}: {ew2:?}");
    }
}

#[test]
fn ips_is_unbiased_and_its_variance_grows_with_the_weights() {
    let l = lesson();
    l.claim("If production gave every item the candidate might show some chance, IPS is unbiased: over many logs it averages to the truth.");
    l.claim("Its variance grows with <span data-tex=\"\\mathbb{E}[w^2]\"></span>");
    for id in PRESETS {
        let s = &preset_run(id).stats["ipw"];
        assert!(within(s, 4.0), "{id}: IPS bias {} ± {}", s.bias, s.bias_se);
    }
    // pooled over the other seeds' logs at the default setting
    let errors: Vec<f64> =
        OTHER_SEEDS.flat_map(|s| other_seed(s).values["ipw"].iter().map(move |v| v - other_seed(s).truth)).collect();
    let m = receval::stats::mean(&errors);
    let se = receval::stats::std_dev(&errors) / (errors.len() as f64).sqrt();
    assert!(m.abs() < 4.0 * se, "mean IPS error {m} ± {se}");
    // at every seed, 40 logs of 1,000 rounds: IPS spreads more at mismatch 1 than at 0.25
    let ipw = vec!["ipw".to_string()];
    for seed in std::iter::once(1).chain(OTHER_SEEDS) {
        let near = reduced(&l.state(&[("seed", seed as f64), ("rounds", 1000.0), ("mismatch", 0.25)]), 40, &ipw);
        let far = reduced(&l.state(&[("seed", seed as f64), ("rounds", 1000.0), ("mismatch", 1.0)]), 40, &ipw);
        assert!(far.stats["ipw"].sd > 2.0 * near.stats["ipw"].sd, "seed {seed}");
    }
}

#[test]
fn snips_stays_in_range_and_spreads_less_on_heavy_weights() {
    let l = lesson();
    l.claim("It is slightly biased (a ratio of two noisy sums) but consistent, always stays within the range of the rewards, and has much less variance when the weights are heavy.");
    for seed in OTHER_SEEDS {
        let r = other_seed(seed);
        assert!(r.values["snipw"].iter().all(|v| (0.0..=1.0).contains(v)), "seed {seed}");
    }
    for s in [preset_run("far"), default_run()] {
        assert!(s.stats["snipw"].lo >= 0.0 && s.stats["snipw"].hi <= 1.0);
        assert!(s.stats["snipw"].sd.powi(2) < 0.75 * s.stats["ipw"].sd.powi(2), "{:?} vs {:?}", s.stats["snipw"], s.stats["ipw"]);
    }
    // "much less variance": at most three quarters of IPS's, at three seeds of four or more
    let (ok, n) = share(OTHER_SEEDS, |seed| {
        let r = other_seed(seed);
        r.stats["snipw"].sd.powi(2) < 0.75 * r.stats["ipw"].sd.powi(2)
    });
    eprintln!("much less variable at {ok} of {n} seeds"); // the share, for the record
    assert!(4 * ok >= 3 * n, "much less variable at {ok} of {n} seeds");
}

#[test]
fn dm_is_precise_and_exactly_as_wrong_as_its_model() {
    let l = lesson();
    l.claim("Its variance is small, but it is exactly as wrong as the model is, and no amount of data fixes that.");
    l.claim("With the default settings DM is the most stable estimator and the wrong one: its spread is the narrowest, it is off by about −0.07, and its intervals never contain the truth.");
    let d = default_run();
    let dm = &d.stats["dm"];
    assert!((dm.bias - -0.07).abs() < 0.005 && dm.coverage == 0.0, "{dm:?}");
    for (id, s) in &d.stats {
        if id != "dm" {
            assert!(dm.sd < s.sd, "{id}: {} vs DM {}", s.sd, dm.sd);
        }
    }
    // four times the data: DM's bias stays (within 4 standard errors of the difference)
    let big = &preset_run("big").stats["dm"];
    assert!((big.bias - dm.bias).abs() < 4.0 * big.bias_se.hypot(dm.bias_se), "{} vs {}", big.bias, dm.bias);
    for seed in OTHER_SEEDS {
        let r = other_seed(seed);
        let dm = &r.stats["dm"];
        assert!(dm.coverage == 0.0 && dm.bias < -0.03, "seed {seed}: {dm:?}");
        assert!(r.stats.iter().all(|(id, s)| id == "dm" || dm.sd < s.sd), "seed {seed}");
    }
}

#[test]
fn dr_is_unbiased_with_a_bad_model_and_better_models_make_it_less_noisy() {
    let l = lesson();
    l.claim("so DR is unbiased when the propensities are right <em>or</em> when the model is right");
    l.claim("Its variance depends on the residuals <span data-tex=\"r_i - \\hat q(x_i, a_i)\"></span> rather than on the rewards: the better the model, the less noise the weights amplify.");
    l.claim("The reward model ignores who the user is. DM, which trusts it entirely, is off by −0.31 on a truth of 0.50, and its narrow spread gives no hint of it. DR and SNDR use the same model and stay unbiased, with intervals that cover: the weighted correction repairs the model’s error. With a model this poor, though, DR is barely more precise than IPS.");
    let o = preset_run("bad-model");
    let dm = &o.stats["dm"];
    assert!((dm.bias - -0.31).abs() < 0.005 && (o.truth - 0.50).abs() < 0.005 && dm.sd < 0.01, "{dm:?}");
    for k in ["dr", "sndr"] {
        let s = &o.stats[k];
        assert!(within(s, 4.0) && s.coverage_hi >= 0.95 && s.coverage > 0.9, "{k}: {s:?}");
    }
    let (dr, ipw) = (&o.stats["dr"], &o.stats["ipw"]);
    assert!(dr.sd < ipw.sd && dr.sd > 0.8 * ipw.sd, "DR {} vs IPS {}", dr.sd, ipw.sd);
    // the same logs with a perfect and with a useless model: DR spreads less with the better one,
    // at every seed (40 logs of 5,000 rounds)
    let ids = vec!["dr".to_string()];
    for seed in std::iter::once(1).chain(OTHER_SEEDS) {
        let good = reduced(&l.state(&[("seed", seed as f64), ("misspec", 0.0)]), 40, &ids);
        let bad = reduced(&l.state(&[("seed", seed as f64), ("misspec", 1.0)]), 40, &ids);
        assert!(good.stats["dr"].sd < bad.stats["dr"].sd, "seed {seed}");
        // and with the useless model DR stays unbiased (pooled below would be stricter; per seed 4 SE)
        assert!(within(&bad.stats["dr"], 4.0), "seed {seed}: {:?}", bad.stats["dr"]);
    }
}

#[test]
fn a_model_fitted_on_the_same_log_leaves_dr_biased() {
    let l = lesson();
    l.claim("One ridge regression per item, fitted on each log and then used on that same log. On rare items it fits the few logged rounds closely, and those are exactly the rounds with large weights, so DR’s correction shrinks and DR keeps part of DM’s bias (about −0.05), with intervals that cover the truth only a third of the time. IPS and SNIPS, which use no model, are unaffected.");
    l.claim("if <span data-tex=\"\\hat q\"></span> is fitted on the same log, it can fit away the very residuals the correction needs (see the preset)");
    let o = preset_run("fitted");
    let dr = &o.stats["dr"];
    assert!((dr.bias - -0.05).abs() < 0.01 && dr.bias < -4.0 * dr.bias_se, "{dr:?}");
    assert!((0.25..=0.42).contains(&dr.coverage), "{dr:?}");
    // its DM is further off still: DR keeps part of it
    assert!(o.stats["dm"].bias < dr.bias);
    // IPS and SNIPS: the very same numbers as with the simulated model (same logs, no model)
    let d = default_run();
    assert_eq!(o.stats["ipw"], d.stats["ipw"]);
    assert_eq!(o.stats["snipw"], d.stats["snipw"]);
    // at other seeds (30 logs each): DR with the fitted model lands below the truth, usually
    let ids = vec!["dr".to_string()];
    let (ok, n) = share(OTHER_SEEDS, |seed| {
        let r = reduced(&l.preset("fitted", &[("seed", seed as f64)]), 30, &ids);
        r.stats["dr"].bias < 0.0
    });
    eprintln!("DR below the truth at {ok} of {n} seeds"); // the share, for the record
    assert!(4 * ok >= 3 * n, "DR below the truth at {ok} of {n} seeds");
}

#[test]
fn the_lambda_conventions_hold() {
    let l = lesson();
    l.claim("λ = ∞ gives IPS and DR; clipped DR at λ = 0 is DM.");
    l.claim("λ = 0 gives DM, λ = ∞ gives DR.");
    l.claim("λ = 0 gives DM (OBP’s default), λ = ∞ gives DR.");
    l.claim("λ = 0 gives IPS and DR; λ = 1 gives every round weight 1.");
    l.claim("DRos shrinks every weight, most strongly those around and above <span data-tex=\"\\sqrt{\\lambda}\"></span> (its shrunk weight peaks at <span data-tex=\"\\sqrt{\\lambda}/2\"></span>). The sub-Gaussian estimators bend weights smoothly towards a ceiling of <span data-tex=\"1/\\lambda\"></span>.");
    // on one log of the default setting, with the simulated model
    let c = config(&l.state(&[]));
    let world = lc::world(est::world_config(&c)).unwrap();
    let log = Log::collect(world.clone(), &est::logger(), &CollectOptions { n_rounds: 5000, seed: 9, len_list: 1, reward: None })
        .unwrap();
    let target = Policy::compile(&world, &est::target(c.mismatch)).unwrap();
    let q = est::reward_model(&c).user_table(&log).unwrap();
    let ni = world.n_items();
    let value = |k: Kernel| {
        let terms: Vec<_> = (0..log.n_rows())
            .map(|r| {
                let u = log.user[r] as usize;
                let pe = target.probs(u);
                let dm: f64 = pe.iter().zip(&q[u * ni..(u + 1) * ni]).map(|(p, q)| p * q).sum();
                k.round_terms(log.reward[r], log.pscore[r], pe[log.action[r] as usize], q[u * ni + log.action[r] as usize], dm)
            })
            .collect();
        receval::estimators::interval::estimate_and_se(k.normalizer(), &terms).0
    };
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    let (ips, dr, dm) = (value(Kernel::Ipw(f64::INFINITY)), value(Kernel::Dr(f64::INFINITY)), value(Kernel::Dm));
    assert!(close(value(Kernel::Ipw(1e300)), ips) && close(value(Kernel::Dr(1e300)), dr) && close(value(Kernel::Dr(0.0)), dm));
    assert!(close(value(Kernel::SwitchDr(0.0)), dm) && close(value(Kernel::SwitchDr(f64::INFINITY)), dr));
    assert!(close(value(Kernel::DrOs(1e-300)), dm) && close(value(Kernel::DrOs(f64::INFINITY)), dr));
    assert!(close(value(Kernel::SgIpw(0.0)), ips) && close(value(Kernel::SgDr(0.0)), dr));
    for w in [0.001, 0.5, 3.0, 70.0] {
        assert!(close(Kernel::SgIpw(1.0).effective_weight(w), 1.0));
    }
    for lambda in [4.0, 900.0] {
        let shrunk = |w: f64| Kernel::DrOs(lambda).effective_weight(w);
        let peak = lambda.sqrt();
        assert!(close(shrunk(peak), peak / 2.0));
        assert!(shrunk(0.9 * peak) < shrunk(peak) && shrunk(1.1 * peak) < shrunk(peak));
        // relative shrinkage grows with the weight
        assert!(
            shrunk(2.0 * peak) / (2.0 * peak) < shrunk(peak) / peak && shrunk(peak) / peak < shrunk(0.1 * peak) / (0.1 * peak)
        );
        let sg = |w: f64| Kernel::SgIpw(1.0 / lambda).effective_weight(w);
        assert!(sg(1e9) < lambda && sg(1e9) > 0.999 * lambda && sg(10.0) < sg(20.0));
    }
}

#[test]
fn moving_lambda_redraws_from_memory() {
    let l = lesson();
    l.claim("The λ-estimators run at every λ of the slider at once, so moving λ redraws instantly.");
    // a run to the end at λ = 30, then λ = 3 at the same setting: its first output has every log
    let state = |lambda: f64| l.state(&[("rounds", 500.0), ("lambda", lambda), ("seed", 7.0)]);
    let first = lessons::run_to_end("estimators", &state(30.0)).unwrap();
    let mut run = lessons::start("estimators", &state(3.0)).unwrap();
    let Some(LessonOutput::Estimators(o)) = run.step().unwrap() else { panic!() };
    assert_eq!(o.progress.done, est::REPLICATES as f64);
    let LessonOutput::Estimators(first) = first else { panic!() };
    assert_eq!(o.stats, first.stats);
}

#[test]
fn close_policies_and_a_good_model_every_estimator_lands_on_the_truth() {
    let l = lesson();
    l.claim("The candidate is close to production (the largest weight in a log is about 8) and the reward model is exact. Every estimator lands on the truth, and the intervals cover it about 95% of the time. With a perfect model, DM is the most precise of all, about three times as precise as DR: DR’s correction can only add noise here.");
    let o = preset_run("close");
    assert_eq!(o.weights.as_ref().unwrap().max_weight.round(), 8.0);
    for id in est::shown(100.0) {
        let s = &o.stats[&id];
        assert!(s.bias.abs() < 4.0 * s.bias_se + 0.003, "{id}: {s:?}");
        assert!(s.coverage_lo <= 0.95 && 0.95 <= s.coverage_hi, "{id}: coverage {}", s.coverage);
    }
    let ratio = o.stats["dr"].sd / o.stats["dm"].sd;
    assert!((2.5..3.5).contains(&ratio), "{ratio}");
    for id in est::shown(100.0) {
        if id != "dm" {
            assert!(o.stats["dm"].sd < o.stats[&id].sd, "{id}");
        }
    }
}

/// The λ at which a family's RMSE is lowest.
fn best_lambda(stats: &BTreeMap<String, Spread>, family: &str) -> f64 {
    est::LAMBDAS
        .iter()
        .copied()
        .min_by(|a, b| stats[&est::id_at(family, *a)].rmse.total_cmp(&stats[&est::id_at(family, *b)].rmse))
        .unwrap()
}

#[test]
fn far_policies_small_logs_ips_explodes_and_the_model_helps() {
    let l = lesson();
    l.claim("The candidate likes what production rarely shows: a log of 1,000 rounds is worth about a dozen equally weighted ones (see the effective sample size). IPS is still unbiased, but the middle 95% of its estimates run from about half to about twice the truth, and its intervals miss the truth one time in five. Clipping IPS at λ = 10 cuts its spread about sixfold and pays with a large bias. The estimators with a model lean on it where weights are large: DR clipped at 10 has less than a third of DR’s RMSE, and in the λ sweep the model-based curves are lowest at λ of 30 or below, where they lean most on the model.");
    let o = preset_run("far");
    let w = o.weights.as_ref().unwrap();
    assert!((9.0..16.0).contains(&w.ess_expected), "expected ESS {}", w.ess_expected);
    let ipw = &o.stats["ipw"];
    assert!((0.4..0.6).contains(&(ipw.lo / o.truth)) && (1.7..2.3).contains(&(ipw.hi / o.truth)), "{ipw:?}");
    assert!((0.75..=0.85).contains(&ipw.coverage), "{}", ipw.coverage);
    let clipped = &o.stats["ipwc@10"];
    assert!((5.0..7.0).contains(&(ipw.sd / clipped.sd)) && clipped.bias < -0.1, "{clipped:?}");
    assert!(o.stats["drc@10"].rmse < o.stats["dr"].rmse / 3.0);
    for f in ["drc", "switch", "dros", "sgdr"] {
        let best = best_lambda(&o.stats, f);
        assert!(best <= 30.0, "{f}: best at {best}");
        assert!(o.stats[&est::id_at(f, 1000.0)].rmse > 2.0 * o.stats[&est::id_at(f, best)].rmse, "{f}");
    }
}

#[test]
fn long_logs_halve_the_spread_bias_stays_and_the_best_lambda_moves_right() {
    let l = lesson();
    l.claim("Four times more data halves every spread (IPS’s SD goes from 0.048 to 0.022). Bias does not shrink: DM and the clipped estimators stay as far from the truth as before, so their intervals, now narrower, miss it more often (IPS clipped at 30 covers the truth 10% of the time instead of 64%), and the best λ in the sweep moves right.");
    l.claim("The best λ is at the bottom of each curve; it moves right as logs get longer, because variance shrinks with more data and bias does not.");
    let (small, big) = (default_run(), preset_run("big"));
    assert!((small.stats["ipw"].sd - 0.048).abs() < 0.0005 && (big.stats["ipw"].sd - 0.022).abs() < 0.0005);
    for (id, s) in &big.stats {
        let ratio = s.sd / small.stats[id].sd;
        // "halves": the ratio of two SDs over 200 logs each is within about ±0.1 of its mean
        assert!((0.35..0.65).contains(&ratio), "{id}: SD ratio {ratio}");
    }
    for id in ["dm", "ipwc@30", "ipwc@10", "drc@10"] {
        let (a, b) = (&small.stats[id], &big.stats[id]);
        assert!((a.bias - b.bias).abs() < 4.0 * a.bias_se.hypot(b.bias_se) + 0.005, "{id}: {} vs {}", a.bias, b.bias);
    }
    assert_eq!((100.0 * big.stats["ipwc@30"].coverage).round(), 10.0);
    assert_eq!((100.0 * small.stats["ipwc@30"].coverage).round(), 64.0);
    let mut moved = 0;
    for f in ["ipwc", "sgipw", "drc", "switch", "dros", "sgdr"] {
        let (a, b) = (best_lambda(&small.stats, f), best_lambda(&big.stats, f));
        assert!(b >= a, "{f}: best λ {a} with 5,000 rounds, {b} with 20,000");
        moved += (b > a) as usize;
    }
    assert!(moved >= 3, "the best λ moved right for {moved} families");
}

#[test]
fn default_run_as_described() {
    let l = lesson();
    l.claim("IPS, SNIPS, DR and SNDR are centred on the truth, give or take the Monte Carlo noise of 200 logs; SNIPS, DR and SNDR spread about a third less than IPS. Even IPS’s intervals cover only about 90% of the time: with heavy-tailed weights the normal approximation is optimistic.");
    l.claim("At λ = 30 the λ-estimators with a model (clipped DR, Switch-DR, DRos, SG-DR) have the lowest RMSE, about 0.02 against DR’s 0.03, but Switch-DR, DRos and SG-DR cover the truth only 75–83% of the time: an interval around a biased estimate is too short.");
    let o = default_run();
    for k in ["ipw", "snipw", "dr", "sndr"] {
        assert!(within(&o.stats[k], 4.0), "{k}: {:?}", o.stats[k]);
    }
    for k in ["snipw", "dr", "sndr"] {
        let r = o.stats[k].sd / o.stats["ipw"].sd;
        assert!((0.55..0.75).contains(&r), "{k}: {r}");
    }
    assert!((0.87..0.93).contains(&o.stats["ipw"].coverage));
    for k in ["drc@30", "switch@30", "dros@30", "sgdr@30"] {
        assert!((o.stats[k].rmse - 0.02).abs() < 0.003 && o.stats[k].rmse < o.stats["dr"].rmse, "{k}");
        for other in est::shown(30.0) {
            if !["drc@30", "switch@30", "dros@30", "sgdr@30"].contains(&other.as_str()) {
                assert!(o.stats[k].rmse < o.stats[&other].rmse, "{k} vs {other}");
            }
        }
    }
    assert!((o.stats["dr"].rmse - 0.03).abs() < 0.003);
    for k in ["switch@30", "dros@30", "sgdr@30"] {
        let c = (100.0 * o.stats[k].coverage).round();
        assert!((75.0..=83.0).contains(&c), "{k}: {c}%");
    }
    // over the other seeds (40 logs each): the unbiased four centred within 4 standard errors;
    // SNIPS, DR and SNDR spread less than IPS in at least three seeds of four; IPS's pooled
    // coverage short of 95% by more than 4 standard errors
    let (mut covered, mut n) = (0.0, 0.0);
    for seed in OTHER_SEEDS {
        let r = other_seed(seed);
        for k in ["ipw", "snipw", "dr", "sndr"] {
            assert!(within(&r.stats[k], 4.0), "seed {seed}, {k}: {:?}", r.stats[k]);
        }
        covered += r.stats["ipw"].coverage * r.stats["ipw"].n as f64;
        n += r.stats["ipw"].n as f64;
    }
    eprintln!("pooled IPS coverage {}", covered / n); // the share, for the record
    assert!(covered / n < 0.95 - 4.0 * (0.95f64 * 0.05 / n).sqrt(), "pooled IPS coverage {}", covered / n);
    for k in ["snipw", "dr", "sndr"] {
        let (ok, m) = share(OTHER_SEEDS, |s| other_seed(s).stats[k].sd < other_seed(s).stats["ipw"].sd);
        eprintln!("{k}: less spread at {ok} of {m}"); // the share, for the record
        assert!(4 * ok >= 3 * m, "{k}: less spread at {ok} of {m}");
    }
}

#[test]
fn sg_ips_at_lambda_one_is_productions_click_rate() {
    let l = lesson();
    l.claim("At λ = 1, SG-IPS gives every round the same weight: it is the plain average of the logged clicks, production’s own click rate, whatever the candidate does.");
    let mut runs: Vec<(String, &est::Output)> = PRESETS.iter().map(|id| (id.to_string(), preset_run(id))).collect();
    runs.push(("default".into(), default_run()));
    for (id, o) in runs {
        let s = &o.stats["sgipw@1"];
        assert!((s.mean - o.logger_value).abs() < 4.0 * s.bias_se + 1e-9, "{id}: {} vs {}", s.mean, o.logger_value);
    }
    for seed in OTHER_SEEDS {
        let r = other_seed(seed);
        let s = &r.stats["sgipw@1"];
        assert!((s.mean - r.logger_value).abs() < 4.0 * s.bias_se, "seed {seed}");
    }
}

#[test]
fn the_crown_is_the_lowest_rmse_and_a_degenerate_setting_is_explained() {
    let l = lesson();
    l.claim("the estimator with the lowest RMSE is named above the charts.");
    l.claim("but it is no estimate of the candidate: at this λ it gives every round the same weight, so it reports production’s own click rate, ${fmt(r.loggerValue)}, whatever the candidate does. That it wins means every estimator that does look at the candidate is off, on average, by more than the whole gap between production’s click rate and the candidate’s ${fmt(r.truth)}: on these logs none of them can tell the candidate apart from production.)");
    l.claim("When the logs hold almost nothing about the candidate (mismatch 1, a poor or self-fitted model, short logs), that can be the lowest RMSE on the chart: every estimator that does look at the candidate is then off by more than the whole gap between production and the candidate.");
    let mut runs: Vec<&est::Output> = PRESETS.iter().map(|id| preset_run(id)).collect();
    runs.push(default_run());
    // logs that hold almost nothing about the candidate: SG-IPS's production click rate wins on
    // RMSE at the preset's seed, and where it wins at other seeds the explanation holds
    let state =
        |seed: u64| l.state(&[("mismatch", 1.0), ("misspec", 1.0), ("lambda", 1.0), ("rounds", 500.0), ("seed", seed as f64)]);
    let poor: Vec<est::Output> = std::iter::once(1).chain(OTHER_SEEDS).map(|s| out(&l, &state(s))).collect();
    assert!(poor[0].crown[0].degenerate.is_some(), "{:?}", poor[0].crown[0]);
    runs.extend(poor.iter());
    for o in runs {
        for c in &o.crown {
            let best = c.best.as_ref().unwrap();
            assert!(!est::degenerate(best));
            for id in est::shown(c.lambda) {
                if !est::degenerate(&id) {
                    assert!(o.stats[best].rmse <= o.stats[&id].rmse, "λ {}: {best} vs {id}", c.lambda);
                }
            }
            if let Some(d) = &c.degenerate {
                let s = &o.stats[d];
                assert!(s.rmse < o.stats[best].rmse);
                assert!((s.mean - o.logger_value).abs() < 4.0 * s.bias_se + 1e-9);
                assert!((o.logger_value - o.truth).abs() < o.stats[best].rmse, "off by more than the whole gap");
            }
        }
    }
}

#[test]
fn small_lambda_is_steady_large_lambda_is_ips_or_dr() {
    let l = lesson();
    l.claim("Every λ-estimator moves from a low-variance end at small λ, biased unless it leans on an exact model, towards IPS or DR as λ grows (unbiased, unless DR’s model was fitted on the same log).");
    l.claim("Small λ gives a low-variance estimate, biased unless it leans on an exact model; large λ approaches the noisy IPS or DR (unbiased, unless DR’s model was fitted on the same log).");
    let mut runs: Vec<(&str, &est::Output)> = PRESETS.iter().map(|id| (*id, preset_run(id))).collect();
    runs.push(("default", default_run()));
    for (id, o) in runs {
        for f in ["ipwc", "sgipw", "drc", "switch", "dros", "sgdr"] {
            let (lo, hi) = (&o.stats[&est::id_at(f, 1.0)], &o.stats[&est::id_at(f, 1000.0)]);
            assert!(lo.sd < hi.sd, "{id}, {f}: SD {} at λ 1, {} at 1000", lo.sd, hi.sd);
            // at λ = 1000: close to IPS or DR on the same logs (within half their spread), closer in
            // mean than at λ = 1; IPS and DR unbiased unless DR's model was fitted on the same log
            let base = &o.stats[if f == "ipwc" || f == "sgipw" { "ipw" } else { "dr" }];
            assert!((hi.mean - base.mean).abs() < 0.5 * base.sd, "{id}, {f} at λ 1000: {} vs {}", hi.mean, base.mean);
            assert!((hi.mean - base.mean).abs() <= (lo.mean - base.mean).abs(), "{id}, {f}");
            assert!(within(base, 4.0) || (id == "fitted" && base == &o.stats["dr"]), "{id}: {base:?}");
            let exact_model = id == "close" && f != "ipwc" && f != "sgipw";
            if !exact_model {
                assert!(!within(lo, 4.0), "{id}, {f} at λ 1: {lo:?}");
            }
        }
    }
}

#[test]
fn rmse_is_bias_and_sd_and_coverage_falls_short_when_biased() {
    let l = lesson();
    l.claim("<span data-tex=\"\\mathrm{RMSE}^2 = \\mathrm{bias}^2 + \\mathrm{SD}^2\"></span>");
    l.claim(
        "The dashed line is the promised 95%: a biased estimator, or a spread the interval underestimates, falls short of it.",
    );
    let o = default_run();
    for (id, s) in &o.stats {
        let n = s.n as f64;
        assert!((s.rmse.powi(2) - (s.bias.powi(2) + s.sd.powi(2) * (n - 1.0) / n)).abs() < 1e-12, "{id}");
    }
    assert!(o.stats["dm"].coverage_hi < 0.95);
    assert!(preset_run("far").stats["ipw"].coverage_hi < 0.95);
}

#[test]
fn the_exact_weight_shares_are_the_candidates_probabilities() {
    let l = lesson();
    l.claim("the expected share of the weight in a bin is the candidate’s own probability of showing such items");
    for id in PRESETS {
        let w = preset_run(id).weights.as_ref().unwrap();
        let mass: f64 = w.bins.iter().map(|b| b.mass_exact).sum();
        let rounds: f64 = w.bins.iter().map(|b| b.rounds_exact).sum();
        assert!((mass - 1.0).abs() < 5e-3 && (rounds - 1.0).abs() < 5e-3, "{id}: {mass} {rounds}");
    }
}
