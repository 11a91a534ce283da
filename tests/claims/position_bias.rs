//! Lesson 4, "Position bias in rankings" (www/lessons/position-bias.*).
//!
//! Most claims read the presets at their own seed and at 20 others; each full run is computed once
//! and shared by the tests (see `at`). Statistical checks on the spread chart use the standard
//! error of the mean over the run's replicated logs (`bias_se`): "centres on the truth" means
//! within 4 of them, "biased" more than 4 away.

use super::common::{Lesson, OTHER_SEEDS, share};
use receval::config::Value;
use receval::lessons::common::Spread;
use receval::lessons::position_bias::{CtrRow, Output, Spreads};
use receval::lessons::{self, LessonOutput};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

fn lesson() -> Lesson {
    Lesson::load("position-bias")
}

/// The lesson's complete output at `state`, computed once per state for the whole test binary.
fn run(l: &Lesson, state: &Value) -> Arc<Output> {
    type Cells = Mutex<HashMap<String, Arc<OnceLock<Arc<Output>>>>>;
    static RUNS: OnceLock<Cells> = OnceLock::new();
    let cell = RUNS.get_or_init(Default::default).lock().unwrap().entry(format!("{state:?}")).or_default().clone();
    cell.get_or_init(|| match l.run(state) {
        LessonOutput::PositionBias(o) => Arc::new(o),
        other => panic!("not this lesson's output: {other:?}"),
    })
    .clone()
}

/// Preset `id` at `seed`. The first call computes every preset at every seed, on every core: the
/// tests below walk the same presets and seeds in the same order, so on their own they would wait
/// for each other's runs one at a time.
fn at(l: &Lesson, id: &str, seed: u64) -> Arc<Output> {
    static WARM: OnceLock<()> = OnceLock::new();
    WARM.get_or_init(|| {
        let jobs: Vec<(&str, u64)> = PRESETS.iter().flat_map(|id| seeds().map(move |s| (*id, s))).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    while let Some(&(id, s)) = jobs.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                        run(l, &l.preset(id, &[("seed", s as f64)]));
                    }
                });
            }
        });
    });
    run(l, &l.preset(id, &[("seed", seed as f64)]))
}

/// Only the click-through by slot (the run's first step) at a preset with changes.
fn ctr(l: &Lesson, id: &str, changes: &[(&str, f64)]) -> Vec<CtrRow> {
    match lessons::start(l.slug, &l.preset(id, changes)).unwrap().step().unwrap() {
        Some(LessonOutput::PositionBias(o)) => o.ctr,
        other => panic!("{other:?}"),
    }
}

/// The preset's own seed, then the 20 others.
fn seeds() -> impl Iterator<Item = u64> {
    std::iter::once(1).chain(OTHER_SEEDS)
}

const PRESETS: [&str; 5] = ["production", "steep", "uniform-pi", "cascade", "long-cascade"];
const POSITION_BASED: [&str; 3] = ["production", "steep", "uniform-pi"];
const CASCADE: [&str; 2] = ["cascade", "long-cascade"];

fn spread(o: &Output) -> &Spreads {
    o.spread.as_ref().expect("a complete run has its spread")
}

/// Click-through rows in a line: naive, corrected [lower, upper], truth per slot.
fn rows(c: &[CtrRow]) -> String {
    c.iter()
        .map(|x| {
            format!(
                "{}: {:.3} {:.3} [{:.3}, {:.3}] t {:.3}",
                x.position, x.naive.estimate, x.corrected.estimate, x.corrected.lower, x.corrected.upper, x.truth
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn centred(s: &Spread) -> bool {
    s.bias.abs() < 4.0 * s.bias_se
}

/// Check `holds` at every preset in `ids` and every seed; report where it fails.
fn everywhere(l: &Lesson, ids: &[&str], holds: impl Fn(&str, u64, &Output) -> Result<(), String>) {
    let mut failures = Vec::new();
    for id in ids {
        for seed in seeds() {
            if let Err(e) = holds(id, seed, &at(l, id, seed)) {
                failures.push(format!("{id} at seed {seed}: {e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_preset_has_its_claims_tested() {
    // the presets whose notes the tests below check; a new preset must get its claims tested
    assert_eq!(lesson().preset_ids(), PRESETS);
}

#[test]
fn the_naive_rate_falls_from_the_top_to_the_bottom_where_fewer_users_look() {
    let l = lesson();
    l.claim("An item in slot 3 gets fewer clicks than the same item in slot 1, not because it is worse but because fewer people ever see it.");
    l.claim("The naive rate falls from the top of the list to the bottom, partly because fewer users look there (under the cascade two neighbouring slots can come out level in one log)");
    everywhere(&l, &PRESETS, |id, _, o| {
        let falls = |f: &dyn Fn(&CtrRow) -> f64| o.ctr.windows(2).all(|w| f(&w[1]) < f(&w[0]));
        let (top, bottom) = (&o.ctr[0], &o.ctr[o.ctr.len() - 1]);
        let naive_falls =
            if CASCADE.contains(&id) { bottom.naive.estimate < top.naive.estimate } else { falls(&|c| c.naive.estimate) };
        if naive_falls && falls(&|c| c.exam) { Ok(()) } else { Err(rows(&o.ctr)) }
    });
}

#[test]
fn dividing_by_the_examination_estimates_the_attractiveness_of_what_was_shown() {
    let l = lesson();
    l.claim("the corrected average is unbiased for the mean attractiveness of the items shown in slot");
    l.claim("dividing each click by the chance its slot was examined estimates how attractive the shown items are");
    // unbiased: at each preset and slot, the mean error over the 21 seeds within 4 standard errors
    for id in PRESETS {
        let outs: Vec<_> = seeds().map(|s| at(&l, id, s)).collect();
        for k in 0..outs[0].ctr.len() {
            let e: Vec<f64> = outs.iter().map(|o| o.ctr[k].corrected.estimate - o.ctr[k].truth).collect();
            let m = receval::stats::mean(&e);
            let se = receval::stats::std_dev(&e) / (e.len() as f64).sqrt();
            assert!(m.abs() < 4.0 * se, "{id}, slot {}: mean error {m} ± {se}", k + 1);
        }
    }
}

#[test]
fn production_logs_part_of_the_drop_is_real_the_correction_lands_within_its_band_at_most_seeds() {
    let l = lesson();
    l.claim("Production puts what users like on top, so part of the drop in click-through down the list is real: the dashed truth falls too.");
    l.claim("The rest is position bias, and dividing each click by the chance that its slot was seen brings the curve back to the truth, within its band at most seeds.");
    let covers = |o: &Output| o.ctr.iter().all(|c| c.corrected.lower <= c.truth && c.truth <= c.corrected.upper);
    let (ok, n) = share(seeds(), |s| {
        let o = at(&l, "production", s);
        assert!(o.ctr.windows(2).all(|w| w[1].truth < w[0].truth), "the truth falls: {:?}", o.ctr);
        // the part of the drop that is real is smaller than the naive drop
        let (first, last) = (&o.ctr[0], &o.ctr[o.ctr.len() - 1]);
        assert!(first.naive.estimate - last.naive.estimate > first.truth - last.truth);
        covers(&o)
    });
    assert!(covers(&at(&l, "production", 1)), "at the preset's own seed");
    // "at most seeds": every slot's band holds its truth at more than half of the seeds
    assert!(2 * ok > n, "all bands held the truth at {ok} of {n} seeds");
}

#[test]
fn production_logs_every_slate_estimator_centres_on_the_truth_the_logged_clicks_do_not() {
    let l = lesson();
    l.claim("Below, over many logs every slate estimator centres on the new policy’s true value; production’s own clicks per ranking are a different number.");
    everywhere(&l, &["production"], |_, _, o| {
        let sp = spread(o);
        for (name, s) in [("SIPS", &sp.sips), ("IIPS", &sp.iips), ("RIPS", &sp.rips), ("Cascade-DR", &sp.cascade_dr)] {
            if !centred(s) {
                return Err(format!("{name} bias {} ± {}", s.bias, s.bias_se));
            }
        }
        if sp.naive.bias.abs() > 4.0 * sp.naive.bias_se { Ok(()) } else { Err(format!("logged {:?}", sp.naive)) }
    });
}

#[test]
fn the_logged_clicks_per_ranking_are_the_old_policy_s_value() {
    let l = lesson();
    l.claim("The logged clicks per ranking are the old policy’s value, not the new one’s.");
    everywhere(&l, &PRESETS, |_, _, o| {
        let n = &spread(o).naive;
        if n.bias.abs() > 4.0 * n.bias_se { Ok(()) } else { Err(format!("{n:?}")) }
    });
}

#[test]
fn steep_position_bias_flat_truth_top_slot_looks_best_correction_flattens_it_with_wider_bands_lower_down() {
    let l = lesson();
    l.claim("Rankings are random, so every slot holds equally attractive items on average: the dashed truth is flat.");
    l.claim("Yet the logs show slot 1 with almost three times the click-through of slot 2 and about five times that of slot 3, because slot k is only seen with probability (1/k)^1.5.");
    l.claim("Dividing by that probability makes the line flat again, with a wider band lower down, where few clicks are divided by a small probability.");
    // the examination ratios themselves: 2^1.5 ≈ 2.8 ("almost three"), 3^1.5 ≈ 5.2 ("about five")
    let (r2, r3) = (2f64.powf(1.5), 3f64.powf(1.5));
    assert!((2.6..3.0).contains(&r2) && (4.5..5.5).contains(&r3));
    let mut covered = 0;
    let mut slots = 0;
    let mut flat = Vec::new();
    everywhere(&l, &["steep"], |_, _, o| {
        let c = &o.ctr;
        // what the logs show: each ratio within 4 delta-method standard errors of the examination ratio
        let ratio = |k: usize, want: f64| {
            let (a, b) = (&c[0], &c[k]);
            let r = a.naive.estimate / b.naive.estimate;
            let rel_var = |x: &CtrRow| (1.0 - x.naive.estimate) / (x.naive.estimate * x.impressions);
            let se = r * (rel_var(a) + rel_var(b)).sqrt();
            // the truth is flat only on average: allow for this log's slot attractiveness too
            let want = want * a.truth / b.truth;
            if (r - want).abs() < 4.0 * se { Ok(()) } else { Err(format!("slot 1 / slot {}: {r} vs {want} ± {se}", k + 1)) }
        };
        ratio(1, r2)?;
        ratio(2, r3)?;
        let width = |x: &CtrRow| x.corrected.upper - x.corrected.lower;
        if !c.windows(2).all(|w| width(&w[1]) > width(&w[0])) {
            return Err(format!("bands do not widen: {}", rows(c)));
        }
        Ok(())
    });
    for s in seeds() {
        let o = at(&l, "steep", s);
        for x in &o.ctr {
            slots += 1;
            covered += (x.corrected.lower <= x.truth && x.truth <= x.corrected.upper) as usize;
        }
        // the truth is flat: the slots' true attractiveness differ by little
        let t: Vec<f64> = o.ctr.iter().map(|x| x.truth).collect();
        flat.push(t.iter().cloned().fold(f64::NEG_INFINITY, f64::max) - t.iter().cloned().fold(f64::INFINITY, f64::min));
    }
    // flat again: the corrected bands hold the truth about as often as 95% bands should (≥ 85%)
    assert!(covered * 100 >= 85 * slots, "held at {covered} of {slots} slots");
    // the dashed truth is flat: within a few hundredths of a click at every seed
    assert!(flat.iter().all(|d| *d < 0.04), "{flat:?}");
}

#[test]
fn under_position_based_clicks_the_corrected_rate_has_a_wider_interval_lower_down() {
    let l = lesson();
    l.claim("Under position-based clicks the corrected rate has a wider interval lower down: few clicks divided by a small examination probability.");
    everywhere(&l, &POSITION_BASED, |_, _, o| {
        let width = |x: &CtrRow| x.corrected.upper - x.corrected.lower;
        if o.ctr.windows(2).all(|w| width(&w[1]) > width(&w[0])) { Ok(()) } else { Err(rows(&o.ctr)) }
    });
}

#[test]
fn at_eta_zero_the_naive_rate_is_right_and_a_steeper_bias_makes_the_top_slot_look_better() {
    let l = lesson();
    l.claim("At η = 0 every slot is seen and the naive click-through is already right; the steeper the position bias, the more the top slot looks best for reasons that have nothing to do with what is shown there.");
    let (mut covered, mut slots) = (0, 0);
    let (ok, n) = share(seeds(), |s| {
        let seed = ("seed", s as f64);
        let zero = ctr(&l, "steep", &[seed, ("eta", 0.0)]);
        for x in &zero {
            assert_eq!(x.naive.estimate, x.corrected.estimate);
            slots += 1;
            covered += (x.naive.lower <= x.truth && x.truth <= x.naive.upper) as usize;
        }
        // the top slot's lead over the last, in naive click-through per unit of true attractiveness
        let lead = |c: &[CtrRow]| (c[0].naive.estimate / c[0].truth) / (c[c.len() - 1].naive.estimate / c[c.len() - 1].truth);
        let leads: Vec<f64> = [0.0, 1.0, 2.0, 3.0].iter().map(|&eta| lead(&ctr(&l, "steep", &[seed, ("eta", eta)]))).collect();
        leads.windows(2).all(|w| w[1] > w[0])
    });
    assert!(covered * 100 >= 85 * slots, "at η = 0 the naive bands held the truth at {covered} of {slots} slots");
    assert_eq!(ok, n, "the lead grew with η at {ok} of {n} seeds");
}

#[test]
fn sips_is_unbiased_whatever_the_click_model_but_its_variance_is_the_largest() {
    let l = lesson();
    l.claim("It is unbiased whatever the click model, but a ranking of 3 out of 10 songs has one chance in 720 under uniform logging, so its weights, and its variance, are large.");
    assert_eq!(10 * 9 * 8, 720);
    everywhere(&l, &PRESETS, |_, _, o| {
        let sp = spread(o);
        if !centred(&sp.sips) {
            return Err(format!("SIPS bias {} ± {}", sp.sips.bias, sp.sips.bias_se));
        }
        let others = [&sp.iips, &sp.rips, &sp.cascade_dr, &sp.pi];
        if others.iter().filter(|s| s.sd.is_finite()).all(|s| s.sd < sp.sips.sd) { Ok(()) } else { Err(format!("{sp:?}")) }
    });
}

#[test]
fn iips_is_right_and_tightest_under_position_based_clicks_and_biased_under_the_cascade() {
    let l = lesson();
    l.claim("That is right when a slot’s clicks depend on nothing but the item in it — the position-based model — and of the three reweighting estimators it spreads the least. Under the cascade the items above matter too, and IIPS is biased.");
    l.claim("Under position-based clicks SIPS, IIPS, RIPS, Cascade-DR and PI all centre on the truth, and of the three reweighting estimators (SIPS, IIPS, RIPS) IIPS, whose weights look at the least, spreads the least.");
    everywhere(&l, &POSITION_BASED, |_, _, o| {
        let sp = spread(o);
        let all = [("SIPS", &sp.sips), ("IIPS", &sp.iips), ("RIPS", &sp.rips), ("Cascade-DR", &sp.cascade_dr), ("PI", &sp.pi)];
        for (name, s) in all.iter().filter(|(_, s)| s.n > 0) {
            if !centred(s) {
                return Err(format!("{name} bias {} ± {}", s.bias, s.bias_se));
            }
            if ["SIPS", "RIPS"].contains(name) && s.sd <= sp.iips.sd {
                return Err(format!("{name} sd {} ≤ IIPS {}", s.sd, sp.iips.sd));
            }
        }
        Ok(())
    });
    everywhere(&l, &CASCADE, |_, _, o| {
        let s = &spread(o).iips;
        if s.bias > 4.0 * s.bias_se { Ok(()) } else { Err(format!("IIPS bias {} ± {}", s.bias, s.bias_se)) }
    });
}

#[test]
fn rips_and_cascade_dr_centre_on_the_truth_under_both_click_models() {
    let l = lesson();
    l.claim("Right whenever a slot’s clicks depend on the items at and above it, which covers the cascade.");
    l.claim("Switch to cascade clicks with random rankings and IIPS moves far off the truth, PI a little, while RIPS and Cascade-DR stay on it");
    everywhere(&l, &PRESETS, |_, _, o| {
        let sp = spread(o);
        for (name, s) in [("RIPS", &sp.rips), ("Cascade-DR", &sp.cascade_dr)] {
            if !centred(s) {
                return Err(format!("{name} bias {} ± {}", s.bias, s.bias_se));
            }
        }
        Ok(())
    });
    // "far off" and "a little": IIPS's bias under the cascade is several times PI's
    everywhere(&l, &CASCADE, |_, _, o| {
        let sp = spread(o);
        if sp.pi.bias < 0.5 * sp.iips.bias { Ok(()) } else { Err(format!("PI {} vs IIPS {}", sp.pi.bias, sp.iips.bias)) }
    });
}

#[test]
fn cascade_dr_with_the_exact_reward_model_is_usually_narrower_than_rips() {
    let l = lesson();
    l.claim(
        "Here the simulator supplies exactly that model: Cascade-DR at its best. Its spread is usually narrower than RIPS’s.",
    );
    let (mut ok, mut n) = (0, 0);
    let mut worst: f64 = 0.0;
    for id in PRESETS {
        for s in seeds() {
            let o = at(&l, id, s);
            let sp = spread(&o);
            n += 1;
            ok += (sp.cascade_dr.sd < sp.rips.sd) as usize;
            worst = worst.max(sp.cascade_dr.sd / sp.rips.sd);
            assert!(sp.cascade_dr.sd < sp.rips.sd || id != "production" || s != 1, "at the default");
        }
    }
    // "usually": at three in four (preset, seed) pairs or more; never much wider

    assert!(4 * ok >= 3 * n, "narrower at {ok} of {n}");
    assert!(worst < 1.1, "Cascade-DR's spread reached {worst} times RIPS's");
}

#[test]
fn pi_needs_a_uniform_logger_and_is_biased_under_the_cascade_by_less_than_iips() {
    let l = lesson();
    l.claim("Here it needs a uniformly random logger; with the production logger it does not apply.");
    l.claim("Under the cascade the clicks do not add up (a click above removes the chance of one below), and PI is biased too: in the same direction as IIPS, but here by far less, so that one log’s interval still holds the truth most of the time.");
    everywhere(&l, &["production"], |_, _, o| {
        let m = o.main.as_ref().unwrap();
        if m.est.pi.estimate.is_nan() && m.est.pi.caution.is_some() { Ok(()) } else { Err(format!("{:?}", m.est.pi)) }
    });
    for id in CASCADE {
        // biased: the mean bias over the 21 seeds more than 4 of its standard errors above 0
        let b: Vec<f64> = seeds().map(|s| spread(&at(&l, id, s)).pi.bias).collect();
        let m = receval::stats::mean(&b);
        assert!(m > 4.0 * receval::stats::std_dev(&b) / (b.len() as f64).sqrt(), "{id}: PI bias {b:?}");
    }
    everywhere(&l, &CASCADE, |_, _, o| {
        let sp = spread(o);
        if sp.pi.coverage > 0.5 && sp.pi.bias < 0.5 * sp.iips.bias {
            Ok(())
        } else {
            Err(format!("PI coverage {} bias {} vs IIPS {}", sp.pi.coverage, sp.pi.bias, sp.iips.bias))
        }
    });
}

#[test]
fn uniform_logger_pi_spreads_more_than_iips_and_less_than_half_of_sips() {
    let l = lesson();
    l.claim("Its spread is wider than that of IIPS but less than half of SIPS’s, which reweights whole rankings, each of which has a chance of 1 in 720 in these logs.");
    everywhere(&l, &["uniform-pi"], |_, _, o| {
        let sp = spread(o);
        let (pi, iips, sips) = (sp.pi.sd, sp.iips.sd, sp.sips.sd);
        if pi > iips && 2.0 * pi < sips { Ok(()) } else { Err(format!("PI {pi:.4}, IIPS {iips:.4}, SIPS {sips:.4}")) }
    });
}

#[test]
fn cascade_clicks_iips_and_pi_overestimate_rips_cascade_dr_and_sips_centre() {
    let l = lesson();
    l.claim("IIPS and PI assume one term per slot and item, and both overestimate: over many logs (bottom chart) their dots sit right of the truth, PI’s only a little, and few of IIPS’s intervals contain it.");
    l.claim("RIPS reweights the ranking down to each slot and centres on the truth, as does Cascade-DR; so does SIPS, with more spread.");
    everywhere(&l, &["cascade"], |_, _, o| {
        let sp = spread(o);
        if !(sp.iips.mean > o.truth && sp.pi.mean > o.truth) {
            return Err(format!("IIPS {} PI {} truth {}", sp.iips.mean, sp.pi.mean, o.truth));
        }
        // "few": at most one interval in four
        if sp.iips.coverage > 0.25 {
            return Err(format!("IIPS coverage {}", sp.iips.coverage));
        }
        for (name, s) in [("RIPS", &sp.rips), ("Cascade-DR", &sp.cascade_dr), ("SIPS", &sp.sips)] {
            if !centred(s) {
                return Err(format!("{name} bias {} ± {}", s.bias, s.bias_se));
            }
        }
        if sp.sips.sd > sp.rips.sd && sp.sips.sd > sp.cascade_dr.sd { Ok(()) } else { Err(format!("{sp:?}")) }
    });
}

#[test]
fn longer_lists_a_larger_iips_bias_rips_and_cascade_dr_centre_sips_the_widest() {
    let l = lesson();
    l.claim(
        "Five slots: more items above each slot, more interaction, and a larger IIPS bias, now far outside its own intervals.",
    );
    l.claim("PI overestimates too, by far less: most of its intervals still hold the truth. RIPS and Cascade-DR still centre on the truth.");
    l.claim("SIPS is unbiased in theory, but with 30,240 equally likely rankings in the logs its weights make it the widest.");
    assert_eq!(10 * 9 * 8 * 7 * 6, 30_240);
    everywhere(&l, &["long-cascade"], |_, seed, o| {
        let sp = spread(o);
        let short = at(&l, "cascade", seed);
        if sp.iips.bias <= spread(&short).iips.bias {
            return Err(format!("IIPS bias {} vs {} with three slots", sp.iips.bias, spread(&short).iips.bias));
        }
        // far outside its own intervals: hardly any of them holds the truth
        if sp.iips.coverage > 0.1 {
            return Err(format!("IIPS coverage {}", sp.iips.coverage));
        }
        if !(sp.pi.mean > o.truth && sp.pi.coverage > 0.5) {
            return Err(format!("PI {:?}", sp.pi));
        }
        for (name, s) in [("RIPS", &sp.rips), ("Cascade-DR", &sp.cascade_dr)] {
            if !centred(s) {
                return Err(format!("{name} bias {} ± {}", s.bias, s.bias_se));
            }
        }
        let others = [&sp.iips, &sp.rips, &sp.cascade_dr, &sp.pi];
        if others.iter().all(|s| s.sd < sp.sips.sd) { Ok(()) } else { Err(format!("{sp:?}")) }
    });
}
