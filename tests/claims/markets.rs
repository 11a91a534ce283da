//! Lesson 11, "Many markets, many languages" (www/lessons/markets.*).
//!
//! Index 0 of a `markets` array is the large market, 1 the small one. A/B comparisons count as
//! "far" when the difference exceeds 4 of its standard errors (from the arms' own click rates).

use super::common::{Lesson, OTHER_SEEDS, share};
use receval::config::Value;
use receval::lessons::LessonOutput;
use receval::lessons::markets::{ArmStat, Output, Segment};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

fn lesson() -> Lesson {
    Lesson::load("markets")
}

/// The lesson's complete output at `state`, computed once per state for the whole test binary.
fn run(l: &Lesson, state: &Value) -> Arc<Output> {
    type Cells = Mutex<HashMap<String, Arc<OnceLock<Arc<Output>>>>>;
    static RUNS: OnceLock<Cells> = OnceLock::new();
    let cell = RUNS.get_or_init(Default::default).lock().unwrap().entry(format!("{state:?}")).or_default().clone();
    cell.get_or_init(|| match l.run(state) {
        LessonOutput::Markets(o) => Arc::new(o),
        other => panic!("not this lesson's output: {other:?}"),
    })
    .clone()
}

fn at(l: &Lesson, id: &str, seed: u64, changes: &[(&str, f64)]) -> Arc<Output> {
    let mut c = vec![("seed", seed as f64)];
    c.extend_from_slice(changes);
    run(l, &l.preset(id, &c))
}

fn seeds() -> impl Iterator<Item = u64> {
    std::iter::once(1).chain(OTHER_SEEDS)
}

fn width(s: &Segment) -> f64 {
    s.snips.upper - s.snips.lower
}

/// C's pooled click rate in the A/B test minus A's, in standard errors of the difference.
fn pooled_lead(o: &Output) -> f64 {
    let ab = o.ab.as_ref().unwrap();
    let var = |a: &ArmStat| a.rate.estimate * (1.0 - a.rate.estimate) / a.n as f64;
    (ab.c.pooled.rate.estimate - ab.a.pooled.rate.estimate) / (var(&ab.c.pooled) + var(&ab.a.pooled)).sqrt()
}

#[test]
fn every_preset_has_its_claims_tested() {
    assert_eq!(lesson().preset_ids(), ["hidden-loss", "no-language", "simpson", "fair-test"]);
}

#[test]
fn the_average_hides_a_market_at_this_seed_and_the_small_market_always_loses() {
    let l = lesson();
    l.claim("An average over all users is mostly the big market’s number — and it can improve while a small market gets worse.");
    l.claim("At this seed, one global model (B) beats one model per market (A) overall — and in the large market — while the small market, whose users want items in their own language, gets clearly worse: a dashboard with one number would ship B.");
    l.claim("The small market loses under B at every seed; whether B also wins the average depends on the seed (it does at somewhat more than half of them).");
    l.claim("With a language barrier, B loses heavily in the small market at every seed; it wins in the large market at most seeds, and overall at somewhat more than half of them");
    let o = at(&l, "hidden-loss", 1, &[]);
    let t = &o.truth;
    assert!(t.b.all > t.a.all && t.b.markets[0] > t.a.markets[0] && t.b.markets[1] < t.a.markets[1], "{t:?}");
    let mut large = 0;
    let (overall, n) = share(seeds(), |s| {
        let t = at(&l, "hidden-loss", s, &[]).truth;
        // heavily: B loses more than a quarter of A's click rate in the small market
        assert!(t.b.markets[1] < 0.75 * t.a.markets[1], "seed {s}: {t:?}");
        large += (t.b.markets[0] > t.a.markets[0]) as usize;
        t.b.all > t.a.all
    });
    assert!(2 * large > n, "B won the large market at {large} of {n} seeds");
    // "somewhat more than half": more than half, and not three in four
    assert!(2 * overall > n && 4 * overall < 3 * n, "B won overall at {overall} of {n} seeds");
}

#[test]
fn a_loss_in_a_tenth_of_the_traffic_costs_the_average_a_tenth() {
    let l = lesson();
    l.claim("a loss of 0.04 in the small market costs the average only 0.004");
    // the value over all users is the traffic-weighted mean of the markets' values, exactly
    for s in seeds() {
        let o = at(&l, "hidden-loss", s, &[]);
        for v in [&o.truth.a, &o.truth.b] {
            let mixed = o.traffic[0] * v.markets[0] + o.traffic[1] * v.markets[1];
            assert!((mixed - v.all).abs() < 1e-12, "seed {s}: {mixed} vs {}", v.all);
        }
        assert!((o.traffic[1] - 0.1).abs() < 0.03, "the small market has about a tenth of the traffic: {:?}", o.traffic);
    }
}

#[test]
fn the_small_market_s_intervals_are_usually_wider_often_several_times() {
    let l = lesson();
    l.claim("the small market’s estimates rest on a tenth of the data, and on few");
    l.claim("are usually wider, often several times so (a narrow one there, with a ⚠, only means that its few weighted visits happen to agree)");
    l.claim("The small market’s intervals are usually the wider ones");
    let (mut several, mut wider, mut pairs) = (0, 0, 0);
    for s in seeds() {
        let o = at(&l, "hidden-loss", s, &[]);
        let rows = o.rows;
        assert!((rows[1] as f64) < 0.15 * (rows[0] + rows[1]) as f64, "seed {s}: rows {rows:?}");
        let e = o.estimates.as_ref().unwrap();
        for (name, m) in [("A", &e.a), ("B", &e.b)] {
            let (large, small) = (&m.markets[0], &m.markets[1]);
            assert!(
                small.ess < large.ess && small.ess < 100.0,
                "seed {s}, {name}: effective visits {} vs {}",
                small.ess,
                large.ess
            );
            if width(small) > width(large) {
                wider += 1;
            } else {
                assert!(
                    small.snips.caution.is_some(),
                    "seed {s}, {name}: a narrow interval without a caution: {:?}",
                    small.snips
                );
            }
            pairs += 1;
            several += (width(small) > 2.0 * width(large)) as usize;
        }
    }
    assert!(4 * wider >= 3 * pairs, "wider at {wider} of {pairs}");
    // "often": at least a third of the (seed, model) pairs
    assert!(3 * several >= pairs, "at least twice as wide at {several} of {pairs}");
}

#[test]
fn per_segment_estimates_usually_show_the_small_market_s_loss_not_at_the_default_seed() {
    let l = lesson();
    l.claim("Per-segment off-policy estimates usually show the small market’s loss, but they rest on few effective visits: at some seeds — the default one among them — the small market’s estimates rank A and B the wrong way round, and the ⚠ beside them says why.");
    l.claim("and a single log can even rank the two models the wrong way round there");
    let right = |o: &Output| {
        let e = o.estimates.as_ref().unwrap();
        e.a.markets[1].snips.estimate > e.b.markets[1].snips.estimate
    };
    let d = at(&l, "hidden-loss", 1, &[]);
    assert!(!right(&d), "the default seed gets it backwards");
    let e = d.estimates.as_ref().unwrap();
    assert!(e.b.markets[1].snips.caution.as_deref().is_some_and(|c| c.contains("effective sample")), "{:?}", e.b.markets[1]);
    let (ok, n) = share(OTHER_SEEDS, |s| right(&at(&l, "hidden-loss", s, &[])));
    assert!(4 * ok >= 3 * n, "right at {ok} of {n} other seeds");
}

#[test]
fn shrinking_the_small_market_widens_its_intervals() {
    let l = lesson();
    l.claim("Shrink the small market: it gets fewer logged visits and, at most seeds, wider intervals.");
    let (ok, n) = share(seeds(), |s| {
        let (big, small) = (at(&l, "hidden-loss", s, &[]), at(&l, "hidden-loss", s, &[("smallShare", 0.02)]));
        assert!(small.rows[1] < big.rows[1], "seed {s}: {:?} vs {:?}", small.rows, big.rows);
        let w = |o: &Output| {
            let e = o.estimates.as_ref().unwrap();
            width(&e.a.markets[1]) + width(&e.b.markets[1])
        };
        w(&small) > w(&big)
    });
    assert!(2 * ok > n, "wider at {ok} of {n} seeds");
}

#[test]
fn without_a_language_barrier_pooling_costs_the_small_market_little() {
    let l = lesson();
    l.claim("When language does not matter, the markets differ only in size, and pooling all data into one model costs the small market little — far less than with a language barrier.");
    l.claim("(This preset also sets the rollout skew to 0: the A/B test below is a fair 50/50 one.)");
    let mut costs = Vec::new();
    for s in seeds() {
        let free = at(&l, "no-language", s, &[]);
        let barrier = at(&l, "hidden-loss", s, &[]);
        assert_eq!((free.allocation.large, free.allocation.small), (0.5, 0.5));
        let cost = |o: &Output| o.truth.a.markets[1] - o.truth.b.markets[1];
        assert!(cost(&free) < 0.5 * cost(&barrier), "seed {s}: {} vs {}", cost(&free), cost(&barrier));
        costs.push(cost(&free));
    }
    // little: on average over the seeds, within 0.02 of nothing
    assert!(receval::stats::mean(&costs).abs() < 0.02, "{costs:?}");
}

#[test]
fn a_staged_rollout_flips_the_pooled_comparison_at_most_seeds() {
    let l = lesson();
    l.claim("Candidate C is worse than A in both markets. But it was rolled out mostly in the large market, whose users click more anyway: pooled over markets, C’s click rate looks far better at this seed.");
    l.claim("The flip needs the large market’s lead in clicks to outweigh C’s loss within each market; at some seeds it does not (try a few).");
    l.claim("and C can win the pooled comparison while losing in every market — when the large market’s lead in clicks outweighs C’s loss within each market.");
    l.claim("With a skewed rollout the pooled A/B comparison can flip: at most seeds C looks better pooled while it is worse in each market.");
    let o = at(&l, "simpson", 1, &[]);
    assert!(o.truth.a.markets[0] > o.truth.a.markets[1] && o.truth.c.markets[0] > o.truth.c.markets[1]);
    assert!(pooled_lead(&o) > 4.0, "C's pooled lead at the preset's seed: {} standard errors", pooled_lead(&o));
    let (flips, n) = share(seeds(), |s| {
        let o = at(&l, "simpson", s, &[]);
        let t = &o.truth;
        // worse in both markets: exactly, and in the A/B test's own per-market numbers
        assert!(t.c.markets[0] < t.a.markets[0] && t.c.markets[1] < t.a.markets[1], "seed {s}: {t:?}");
        let ab = o.ab.as_ref().unwrap();
        for m in 0..2 {
            assert!(ab.c.markets[m].rate.estimate < ab.a.markets[m].rate.estimate, "seed {s}, market {m}");
        }
        // a flip in the test is a flip of the exact pooled values (not noise), and needs the
        // large market to click more
        let flip = pooled_lead(&o) > 0.0;
        if pooled_lead(&o).abs() > 4.0 {
            assert_eq!(flip, o.pooled.c > o.pooled.a, "seed {s}");
        }
        if flip {
            assert!(t.a.markets[0] > t.a.markets[1], "seed {s}: a flip without the large market's lead");
        }
        flip
    });
    assert!(2 * flips > n && flips < n, "C looked better pooled at {flips} of {n} seeds");
}

#[test]
fn a_fair_test_agrees_with_the_markets() {
    let l = lesson();
    l.claim("With the same split in every market, the pooled comparison agrees with the per-market ones: C is worse.");
    l.claim("Setting the rollout skew to 0 removes the paradox.");
    for s in seeds() {
        let o = at(&l, "fair-test", s, &[]);
        assert!(pooled_lead(&o) < -4.0, "seed {s}: C's pooled lead {}", pooled_lead(&o));
        assert!(o.pooled.c < o.pooled.a);
    }
}
