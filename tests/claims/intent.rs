//! Lesson 6, "A skip is not always a dislike" (www/lessons/intent.*).

use super::common::{Lesson, OTHER_SEEDS, share};
use receval::config::Value;
use receval::lessons::ab_test::Verdict;
use receval::lessons::intent::{self, Output, Runner, VerdictRow};
use receval::lessons::{LessonOutput, Run};
use receval::world::{Policy, PolicySpec, Signal, World};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

fn lesson() -> Lesson {
    Lesson::load("intent")
}

/// The default seed (the presets' own), then the 20 others.
const SEED: u64 = 2;
fn seeds() -> impl Iterator<Item = u64> {
    std::iter::once(SEED).chain(std::iter::once(1)).chain(OTHER_SEEDS)
}
/// The 21 seeds the "It is not a quirk of one seed" bullet names: 1 and 101–120.
fn other_seeds() -> impl Iterator<Item = u64> {
    std::iter::once(1).chain(OTHER_SEEDS)
}

/// Each state is run once per test process; `sweep: false` runs the chosen share only (the
/// production log, both candidates exactly and the A/B test), which is all most claims need.
fn out(state: &Value, sweep: bool) -> Arc<Output> {
    type Slot = Arc<OnceLock<Arc<Output>>>;
    static RUNS: OnceLock<Mutex<HashMap<String, Slot>>> = OnceLock::new();
    let slot = RUNS.get_or_init(Default::default).lock().unwrap().entry(format!("{sweep} {state:?}")).or_default().clone();
    slot.get_or_init(|| {
        let config = intent::Config::from_value(state).unwrap();
        let mut run = if sweep { Runner::new(config) } else { Runner::without_sweep(config) }.unwrap();
        let mut last = None;
        while let Some(o) = run.step().unwrap() {
            last = Some(o);
        }
        match last.unwrap() {
            LessonOutput::Intent(o) => Arc::new(o),
            other => panic!("not this lesson's output: {other:?}"),
        }
    })
    .clone()
}

/// Preset `id` at `seed` (the chosen share only unless `sweep`).
fn preset(l: &Lesson, id: &str, seed: u64, sweep: bool) -> Arc<Output> {
    out(&l.preset(id, &[("seed", seed as f64)]), sweep)
}

fn row<'a>(o: &'a Output, key: &str) -> &'a VerdictRow {
    o.verdicts.iter().find(|v| v.key == key).unwrap()
}

fn rule<'a>(o: &'a Output, method: &str) -> &'a intent::RuleOut {
    o.rules.as_ref().unwrap().iter().find(|r| r.method == method).unwrap()
}

/// Shown as a percentage with one decimal, e.g. `pct(x, 12.3)`.
fn pct(x: f64, want: f64) -> bool {
    (100.0 * x - want).abs() < 0.05 + 1e-9
}

/// Shown with `digits` decimals as `want`.
fn shows(x: f64, want: f64, digits: i32) -> bool {
    (x - want).abs() < 0.5 * 10f64.powi(-digits) + 1e-9
}

#[test]
fn every_preset_has_its_claims_tested() {
    // the presets whose notes the tests below check; a new preset must get its claims tested
    assert_eq!(lesson().preset_ids(), ["flip", "listen", "saves", "burst", "declared"]);
}

#[test]
fn the_presets_run_at_the_default_seed() {
    // a preset is a whole setup: the tests below read the presets' notes at this seed
    let l = lesson();
    let Value::Object(s) = l.state(&[]) else { unreachable!() };
    assert_eq!(s.iter().find(|(k, _)| k == "seed").unwrap().1, Value::Number(SEED as f64));
}

#[test]
fn reading_skips_as_dislikes_can_pick_the_wrong_winner() {
    let l = lesson();
    l.claim("Read every skip as a dislike, and you can train the wrong model and then pick the wrong winner in the");
    l.claim("When a change helps the users who sample and costs the listeners a little, streams and skips can declare the wrong winner, with a narrow confidence");
    let o = preset(&l, "flip", SEED, false);
    assert!(o.truth.unwrap() > 0.0 && row(&o, "stream").verdict == Verdict::AWins && row(&o, "skip").verdict == Verdict::AWins);
    assert!(o.serves[0].exact < 0.0 && o.serves[1].exact > 0.0);
    // A, trained on streams, is worse at every seed; the streams test picks it at most
    let (worse, n) = share(other_seeds(), |seed| preset(&l, "flip", seed, false).truth.unwrap() > 0.0);
    assert_eq!(worse, n);
    let (picks_a, n) = share(other_seeds(), |seed| row(&preset(&l, "flip", seed, false), "stream").verdict == Verdict::AWins);
    assert!(2 * picks_a > n, "streams picked A at {picks_a} of {n} seeds");
}

/// The world at the default seed and 40% sampling.
fn world() -> World {
    World::new(intent::world_config(SEED, intent::sampling_base(SEED, 0.4).unwrap(), 0.2)).unwrap()
}

/// (P(signal | liked), P(signal | disliked)) given the intent, solved from two items' expectations.
fn by_liking(w: &World, s: Signal, intent: usize) -> (f64, f64) {
    let (a, b) = ((0, 0), (0, 1));
    let (ra, rb) = (w.rel(a.0, a.1), w.rel(b.0, b.1));
    let (ea, eb) = (w.expected_signal_given_intent(s, a.0, a.1, intent), w.expected_signal_given_intent(s, b.0, b.1, intent));
    // e = r·liked + (1 − r)·disliked
    let liked_minus = (ea - eb) / (ra - rb);
    let disliked = ea - ra * liked_minus;
    (disliked + liked_minus, disliked)
}

#[test]
fn the_response_model_is_as_described() {
    let l = lesson();
    l.claim("The user skips 85% of the tracks they dislike and 5% of those they like. A disliked track is dropped within 2.5–7.5 seconds; a track that is not skipped streams for 60–240 seconds. They save 5% of the tracks they like.");
    l.claim("The user previews and skips 90% of the tracks, liked or not: 4–12 seconds for a track they dislike, 12.5–37.5 seconds for one they like. They save 60% of the tracks they like.");
    l.claim("Here 0.95 and 0.15 are the chances that a listener streams a track they like and one they dislike, and 0.60 the chance that a playlist builder saves a track they like.");
    let w = world();
    let close = |x: f64, want: f64| (x - want).abs() < 1e-9;
    let (l0, d0) = by_liking(&w, Signal::Skip, 0);
    let (l1, d1) = by_liking(&w, Signal::Skip, 1);
    assert!(close(l0, 0.05) && close(d0, 0.85) && close(l1, 0.90) && close(d1, 0.90), "{l0} {d0} {l1} {d1}");
    assert!(close(by_liking(&w, Signal::Save, 0).0, 0.05) && close(by_liking(&w, Signal::Save, 1).0, 0.60));
    assert!(close(by_liking(&w, Signal::Save, 0).1, 0.0) && close(by_liking(&w, Signal::Save, 1).1, 0.0));
    // the dwell ranges, from simulated sessions: (intent, liked, skipped) → [lo, hi]
    let p = Policy::compile(&w, &PolicySpec::Uniform).unwrap();
    let log = receval::lessons::ab_test::run_arm(&Arc::new(w), &p, 20_000, intent::LEN, 1).unwrap();
    let (liked, skip, dwell) = (log.signal(Signal::Click), log.signal(Signal::Skip), log.signal(Signal::Dwell));
    let ranges = [
        ((0, false, true), (2.5, 7.5)),
        ((0, true, false), (60.0, 240.0)),
        ((1, false, true), (4.0, 12.0)),
        ((1, true, true), (12.5, 37.5)),
    ];
    for ((it, lk, sk), (lo, hi)) in ranges {
        let ds: Vec<f64> = (0..log.n_rows())
            .filter(|&r| log.intent[r] as usize == it && (liked[r] > 0.0) == lk && (skip[r] > 0.0) == sk)
            .map(|r| dwell[r])
            .collect();
        let (a, b) = ds.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &d| (a.min(d), b.max(d)));
        let slack = 0.02 * (hi - lo);
        assert!(
            a >= lo && b <= hi && a < lo + slack && b > hi - slack,
            "intent {it}, liked {lk}, skip {sk}: {a}–{b} vs {lo}–{hi}"
        );
    }
}

#[test]
fn sampling_follows_the_taste_for_one_genre() {
    let l = lesson();
    l.claim("Users who love one of the three genres sample more often than others, so playlist sessions favour that genre.");
    let (ok, n) = share(seeds(), |seed| {
        let w = World::new(intent::world_config(seed, intent::sampling_base(seed, 0.4).unwrap(), 0.2)).unwrap();
        let nt = w.config().n_topics;
        let taste0 = |u: usize| w.user_taste()[u * nt];
        // the mean taste for genre 0 of users in sampling sessions, against in listening ones
        let (mut s, mut sw, mut ls, mut lw) = (0.0, 0.0, 0.0, 0.0);
        for (u, a) in w.arrival().iter().enumerate() {
            let p = w.user_sampling()[u];
            s += a * p * taste0(u);
            sw += a * p;
            ls += a * (1.0 - p) * taste0(u);
            lw += a * (1.0 - p);
        }
        s / sw > ls / lw + 0.5
    });
    assert_eq!(ok, n);
}

#[test]
fn what_a_stream_measures() {
    let l = lesson();
    l.claim(r"\mathbb{E}[\text{stream} \mid \text{listening}] = 0.95\,\rho + 0.15\,(1-\rho) = 0.15 + 0.80\,\rho, \qquad \mathbb{E}[\text{stream} \mid \text{sampling}] = 0.10.");
    l.claim(r"\Delta_{\text{streams}} = 0.80 \sum_u P(u)\,(1 - p_u)\,\big(V_B(u) - V_A(u)\big).");
    l.claim("Were B better for everybody, streams would still shrink its lead, since they count a playlist session for nothing, but they would pick the right winner.");
    let w = world();
    let (l0, d0) = by_liking(&w, Signal::Stream, 0);
    let (l1, d1) = by_liking(&w, Signal::Stream, 1);
    assert!((l0 - 0.95).abs() < 1e-9 && (d0 - 0.15).abs() < 1e-9 && (l1 - 0.10).abs() < 1e-9 && (d1 - 0.10).abs() < 1e-9);
    // the exact difference in streams per session is 0.80 × (share of listening sessions) × the
    // difference in liked tracks per listening session, at every seed and share
    for (seed, id) in [(SEED, "flip"), (101, "flip"), (SEED, "burst"), (SEED, "listen")] {
        let o = preset(&l, id, seed, false);
        let [a, b] = &o.main.as_ref().unwrap().exact;
        let listening = 1.0 - o.share;
        let want = 0.80 * listening * (b.listening - a.listening);
        let got = b.mean.stream - a.mean.stream;
        assert!((got - want).abs() < 1e-9, "{id} at {seed}: {got} vs {want}");
    }
}

#[test]
fn listening_time_and_saves_weigh_sessions_as_described() {
    let l = lesson();
    l.claim("Streams weigh each user’s gain by how often they listen: a user who mostly builds playlists barely counts. Skips are the complement of streams, and listening time, whose gain per liked track is eight times larger in a listening session than in a sampling one, weighs users almost the same way.");
    l.claim("twelve times more for a session of sampling than for one of listening.");
    l.claim("listeners save 5% of the tracks they like, playlist builders 60%, so a save-based metric counts a playlist session twelve times as much as a listening one.");
    l.claim("No behavioural signal (streams, skips, listening time, saves) weighs the two kinds of session as the truth does; thumbs up do, but they are rare.");
    let w = world();
    let gain = |s: Signal, intent: usize| {
        let (a, b) = by_liking(&w, s, intent);
        a - b
    };
    let dwell = gain(Signal::Dwell, 0) / gain(Signal::Dwell, 1);
    assert!((7.5..8.5).contains(&dwell), "listening time: {dwell} times");
    assert!((gain(Signal::Save, 1) / gain(Signal::Save, 0) - 12.0).abs() < 1e-9);
    assert!(
        gain(Signal::Skip, 0) + gain(Signal::Stream, 0) == 0.0 || (gain(Signal::Skip, 0) + gain(Signal::Stream, 0)).abs() < 1e-12
    );
    // the truth weighs a liked track the same in both kinds of session; of the logged signals only
    // thumbs up do too (they do not depend on the intent), and they are rarer than liked tracks
    for s in [Signal::Stream, Signal::Skip, Signal::Dwell, Signal::Save] {
        assert!((gain(s, 0) - gain(s, 1)).abs() > 0.1 * gain(s, 0).abs().max(gain(s, 1).abs()), "{s:?}");
    }
    for u in 0..20 {
        for i in 0..20 {
            assert_eq!(
                w.expected_signal_given_intent(Signal::ThumbsUp, u, i, 0),
                w.expected_signal_given_intent(Signal::ThumbsUp, u, i, 1)
            );
        }
    }
    let o = preset(&l, "flip", SEED, false);
    let [a, _] = &o.main.as_ref().unwrap().exact;
    assert!(a.mean.thumbs_up < 0.25 * a.mean.click, "thumbs up {} vs liked {}", a.mean.thumbs_up, a.mean.click);
}

#[test]
fn the_intent_aware_reward_measures_the_truth_when_the_intent_is_read_right() {
    let l = lesson();
    l.claim(r"\mathbb{E}[\tilde r] = \rho \text{ when the intent is read right.}");
    l.claim("Either way <span data-tex=\"\\tilde r\"></span> is on average the probability of liking the track, so its sum over a session measures the truth, whatever the mix of sessions.");
    // every session declares its intent: the expected reward per session is the liked tracks per
    // session, for both candidates, at several shares
    for share in [0.1, 0.4, 0.8] {
        let o = out(&l.state(&[("declared", 1.0), ("share", share)]), false);
        for e in &o.main.as_ref().unwrap().exact {
            assert!((e.mean.intent_aware - e.mean.click).abs() < 1e-9, "at {share}: {} vs {}", e.mean.intent_aware, e.mean.click);
        }
    }
}

#[test]
fn misreading_the_intent_pulls_the_reward_away_from_the_truth() {
    let l = lesson();
    l.claim("A session misread as sampling scores a listener’s tracks by saves, which listeners rarely give; one misread as listening charges a playlist builder’s previews as dislikes. Either mistake pulls <span data-tex=\"\\tilde r\"></span> away from the truth.");
    // the skip-burst rule misreads listening sessions as sampling (a third of them), declared
    // intent alone misreads sampling sessions as listening (four in five): either way the expected
    // reward per session of candidate A is off its liked tracks, by more than 0.02 (burst: up, since
    // the misread sessions are those with many skipped, disliked tracks, whose listening reward
    // would have been negative) and 0.5 (declared: down), at every seed
    let (ok, n) = share(seeds(), |seed| {
        let gap = |id: &str| {
            let o = preset(&l, id, seed, false);
            let e = &o.main.as_ref().unwrap().exact[0];
            e.mean.intent_aware - e.mean.click
        };
        gap("burst").abs() > 0.02 && gap("declared").abs() > 0.5
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
}

#[test]
fn forty_percent_playlist_sessions_flip_the_verdict_of_streams() {
    let l = lesson();
    l.claim("Users truly like 12.3% more of what B plays (2.11 against 1.88 liked tracks per session), yet an A/B test judged by streams declares A the winner (−4.7%, 95% interval −7.2% to −2.2%), and so do skips and listening time. Saves and thumbs up point to B; the intent-aware reward agrees with the truth (+10.8%, interval +7.9% to +13.7%). The second chart shows why: B gives listening sessions 0.14 fewer liked tracks and playlist sessions 0.79 more, and streams barely see playlist sessions.");
    let o = preset(&l, "flip", SEED, true);
    let [a, b] = &o.main.as_ref().unwrap().exact;
    assert!(pct(o.truth.unwrap(), 12.3) && shows(b.mean.click, 2.11, 2) && shows(a.mean.click, 1.88, 2));
    let s = &row(&o, "stream").lift;
    assert!(pct(s.estimate, -4.7) && pct(s.lower, -7.2) && pct(s.upper, -2.2), "{s:?}");
    for k in ["stream", "skip", "dwell"] {
        assert_eq!(row(&o, k).verdict, Verdict::AWins, "{k}");
    }
    for k in ["save", "thumbsUp", "intentAware"] {
        assert_eq!(row(&o, k).verdict, Verdict::BWins, "{k}");
    }
    let ia = &row(&o, "intentAware").lift;
    assert!(pct(ia.estimate, 10.8) && pct(ia.lower, 7.9) && pct(ia.upper, 13.7), "{ia:?}");
    assert!(shows(o.serves[0].exact, -0.14, 2) && shows(o.serves[1].exact, 0.79, 2));
    // "streams barely see playlist sessions": a liked track streams as often as a disliked one there
    let (l1, d1) = by_liking(&world(), Signal::Stream, 1);
    assert!((l1 - d1).abs() < 1e-12);
}

#[test]
fn without_playlist_sessions_no_signal_sees_a_difference() {
    let l = lesson();
    l.claim("Without playlist sessions a skip always means “I don’t like this”: the intent-aware reward is (almost exactly) the stream rescaled, the two teams learn almost the same quality score, B recommends only 3% of tracks that A does not, and no signal sees a difference.");
    l.claim("With no playlist sessions the intent-aware reward is (almost exactly) the stream rescaled, both teams learn almost the same quality score, and the candidates play almost the same tracks: no signal sees a difference.");
    let o = preset(&l, "listen", SEED, false);
    assert!(shows(o.main.as_ref().unwrap().differ, 0.03, 2), "{}", o.main.as_ref().unwrap().differ);
    assert!(o.verdicts.iter().all(|v| v.verdict == Verdict::CantTell), "{:?}", o.verdicts);
    // at every seed: B plays under 5% other tracks; every signal's expected lift within one
    // standard error of a 10,000-session test of zero; the reward is the stream rescaled for all
    // but the rare listening sessions the preview rule misreads (under 1%)
    let (ok, n) = share(seeds(), |seed| {
        let o = preset(&l, "listen", seed, false);
        let p = o.main.as_ref().unwrap();
        p.differ < 0.05 && o.verdicts.iter().all(|v| v.exact.abs() < v.exact_se) && p.exact.iter().all(|e| e.flagged[0] < 0.01)
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
}

#[test]
fn saves_pick_the_right_winner_and_exaggerate_the_gap() {
    let l = lesson();
    l.claim("Saves pick the right winner but triple the gap (+36% against a true +12.3%)");
    l.claim("Saves see mostly playlist sessions and exaggerate B’s lead.");
    let o = preset(&l, "saves", SEED, false);
    let s = &row(&o, "save");
    assert!(s.verdict == Verdict::BWins && (s.lift.estimate * 100.0).round() == 36.0 && pct(o.truth.unwrap(), 12.3));
    assert!((s.lift.estimate / o.truth.unwrap()).round() == 3.0);
    // at every seed: the expected lift in saves is more than the true lift, by half again or more
    let (ok, n) = share(seeds(), |seed| {
        let o = preset(&l, "flip", seed, false);
        row(&o, "save").exact > 1.5 * o.truth.unwrap() && o.truth.unwrap() > 0.0
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
}

#[test]
fn a_skip_burst_rule_misreads_listeners_and_the_reward_drifts() {
    let l = lesson();
    l.claim("Counting skips recognises 94% of playlist sessions but also takes 33% of listening sessions for playlists: a listener who dislikes four tracks in a row skips them all. B still learns well (truly +8.4%), but the intent-aware reward drifts: the misread listening sessions are scored by saves, which listeners rarely give, so the tracks they liked barely count. Its A/B estimate is +4.8% (expected +7.0%) against a true +8.4%.");
    l.claim("A skip burst also catches listeners who happened to dislike four tracks in a row; their tracks are then scored by saves, which listeners rarely give, and the intent-aware reward understates B’s lead.");
    let o = preset(&l, "burst", SEED, false);
    let r = rule(&o, "burst");
    assert!((r.recognised.estimate * 100.0).round() == 94.0 && (r.mistaken.estimate * 100.0).round() == 33.0, "{r:?}");
    let ia = row(&o, "intentAware");
    assert!(pct(o.truth.unwrap(), 8.4) && pct(ia.lift.estimate, 4.8) && pct(ia.exact, 7.0), "{ia:?}");
    // at every seed: B still truly better; the reward's expected lift below the true lift
    let (ok, n) = share(seeds(), |seed| {
        let o = preset(&l, "burst", seed, false);
        o.truth.unwrap() > 0.0 && row(&o, "intentAware").exact < o.truth.unwrap()
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
}

#[test]
fn declared_intent_alone_leaves_b_with_too_little_to_learn_from() {
    let l = lesson();
    l.claim("With only the 20% of sessions that declare an intent, four in five playlist sessions are read as listening: B learns almost what A learns (it recommends 14% other tracks), users like its tracks about as much (−0.9%), and here no signal is expected to tell the two apart: every hollow diamond lies within the reach of chance (thumbs up happen to point to A). Move “Sessions that declare their intent” to 100% and B’s lead comes back: +10.8%.");
    l.claim("Declared intent alone, from a fifth of the sessions, leaves too few playlist sessions for B to learn from.");
    let o = preset(&l, "declared", SEED, false);
    let p = o.main.as_ref().unwrap();
    assert!(shows(rule(&o, "declared").recognised.estimate, 0.2, 1), "{:?}", rule(&o, "declared"));
    assert!(shows(p.differ, 0.14, 2) && pct(o.truth.unwrap(), -0.9));
    assert_eq!(row(&o, "thumbsUp").verdict, Verdict::AWins);
    let all = out(&l.preset("declared", &[("declared", 1.0)]), false);
    assert!(pct(all.truth.unwrap(), 10.8));
    assert!(o.verdicts.iter().all(|v| v.exact.abs() < 1.96 * v.exact_se), "here no signal is expected to tell them apart");
    // at every seed: B plays under half as many other tracks as with the preview rule, and its true
    // lead is smaller than there ("too few playlist sessions for B to learn from")
    let (ok, n) = share(seeds(), |seed| {
        let (d, flip) = (preset(&l, "declared", seed, false), preset(&l, "flip", seed, false));
        d.main.as_ref().unwrap().differ < 0.5 * flip.main.as_ref().unwrap().differ && d.truth.unwrap().abs() < flip.truth.unwrap()
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
}

#[test]
fn with_forty_percent_sampling_the_signals_split() {
    let l = lesson();
    l.claim("With 40% of sessions spent sampling, B is truly better. Fooled by the playlist builders’ skips, A’s quality score marks down their favourite genre, and A almost never plays it (0.1% of its tracks, against 38% for B, at the default seed). B usually gives listening sessions slightly fewer liked tracks, and at most seeds streams, skips and listening time, which mostly see listening sessions, call A the winner.");
    l.claim("Thumbs up do not depend on the intent and follow the truth, but they are rare, so their intervals are wider than the intent-aware reward’s. The intent-aware reward weighs both kinds of session as the truth does.");
    l.claim("B usually gives listening sessions a little less and playlist sessions much more.");
    let o = preset(&l, "flip", SEED, false);
    let [a, b] = &o.main.as_ref().unwrap().exact;
    assert!(shows(a.genre0, 0.001, 3) && (b.genre0 * 100.0).round() == 38.0, "{} {}", a.genre0, b.genre0);
    let seeds: Vec<u64> = seeds().collect();
    let n = seeds.len();
    let runs: Vec<Arc<Output>> = seeds.iter().map(|&s| preset(&l, "flip", s, false)).collect();
    let count = |f: &dyn Fn(&Output) -> bool| runs.iter().filter(|o| f(o)).count();
    assert_eq!(count(&|o| o.truth.unwrap() > 0.0), n, "B truly better");
    assert_eq!(
        count(&|o| {
            let [a, b] = &o.main.as_ref().unwrap().exact;
            a.genre0 < 0.03 && b.genre0 > 5.0 * a.genre0
        }),
        n,
        "A almost never plays genre 0"
    );
    let fewer = count(&|o| o.serves[0].exact < 0.0);
    assert!(4 * fewer >= 3 * n, "fewer liked tracks for listeners at {fewer} of {n}");
    // "a little less … much more": at least twice as much more in a playlist session as less in a
    // listening one
    let trades = count(&|o| o.serves[0].exact < 0.0 && o.serves[1].exact > 2.0 * o.serves[0].exact.abs());
    assert!(4 * trades >= 3 * n, "a little less and much more at {trades} of {n}");
    for k in ["stream", "skip", "dwell"] {
        let a_wins = count(&|o| row(o, k).verdict == Verdict::AWins);
        assert!(2 * a_wins > n, "{k} called A the winner at {a_wins} of {n}");
    }
    let width = |o: &Output, k: &str| row(o, k).lift.upper - row(o, k).lift.lower;
    assert_eq!(count(&|o| row(o, "thumbsUp").exact > 0.0 && width(o, "thumbsUp") > width(o, "intentAware")), n, "thumbs up");
    assert_eq!(count(&|o| (row(o, "intentAware").exact - o.truth.unwrap()).abs() < 0.003), n, "the intent-aware reward");
}

#[test]
fn the_sweep_over_shares_of_sampling_sessions() {
    let l = lesson();
    l.claim("The sweep: B’s true lead opens once a fifth or so of sessions are spent sampling, and grows with them. Streams, which see only listening sessions, usually point the wrong way from 30% to 70%, and at 90% a test of 10,000 sessions per arm is not expected to see a difference: few listening sessions are left to measure it in.");
    let (mut middle, mut wrong, mut quiet) = (0, 0, 0);
    let seeds: Vec<u64> = seeds().collect();
    for &seed in &seeds {
        let o = preset(&l, "flip", seed, true);
        let at = |s: f64| o.sweep.iter().find(|p| (p.share - s).abs() < 1e-9).unwrap();
        assert!(
            at(0.2).truth > 0.0 && at(0.9).truth > at(0.2).truth,
            "seed {seed}: {:?}",
            o.sweep.iter().map(|p| p.truth).collect::<Vec<_>>()
        );
        for p in o.sweep.iter().filter(|p| (0.3 - 1e-9..=0.7 + 1e-9).contains(&p.share)) {
            middle += 1;
            wrong += (p.lifts[1].value < 0.0) as usize;
        }
        // not expected to see a difference: the expected lift within 1.96 standard errors of 0
        let s = at(0.9).lifts[1];
        quiet += (s.lo < 0.0 && s.hi > 0.0) as usize;
    }
    assert!(4 * wrong >= 3 * middle, "streams pointed the wrong way at {wrong} of {middle} points");
    assert!(4 * quiet >= 3 * seeds.len(), "at 90%: no expected difference at {quiet} of {}", seeds.len());
}

#[test]
fn the_preview_pattern_reads_about_98_percent_right() {
    let l = lesson();
    l.claim("The preview pattern reads about 98% of sessions right.");
    l.claim("How well each rule reads the intent of the 4,000 production sessions");
    let (ok, n) = share(seeds(), |seed| {
        let o = preset(&l, "flip", seed, false);
        let s = o.sessions.unwrap();
        // "about 98%": 97% to 99% when rounded
        s.listening + s.sampling == 4000 && (97..=99).contains(&((rule(&o, "dwell").right.estimate * 100.0).round() as i64))
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
}

#[test]
fn it_is_not_a_quirk_of_one_seed() {
    let l = lesson();
    l.claim("It is not a quirk of one seed. Over 21 other seeds (1 and 101–120) at 40% sampling, B is truly better in all 21 (by 0.9% to 18.6%); the expected lift in streams is negative in 20, by more than 1.96 standard errors of an A/B test with 10,000 sessions per arm in 19; and the intent-aware reward’s expected lift is within 0.3 percentage points of the true lift in every one.");
    let runs: Vec<Arc<Output>> = other_seeds().map(|s| preset(&l, "flip", s, false)).collect();
    let truths: Vec<f64> = runs.iter().map(|o| o.truth.unwrap()).collect();
    assert_eq!(truths.iter().filter(|&&t| t > 0.0).count(), 21);
    let (lo, hi) = truths.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &t| (a.min(t), b.max(t)));
    assert!(pct(lo, 0.9) && pct(hi, 18.6), "{lo} {hi}");
    let negative = runs.iter().filter(|o| row(o, "stream").exact < 0.0).count();
    let clear = runs.iter().filter(|o| row(o, "stream").exact < -1.96 * row(o, "stream").exact_se).count();
    assert_eq!((negative, clear), (20, 19));
    assert!(runs.iter().all(|o| (row(o, "intentAware").exact - o.truth.unwrap()).abs() < 0.003));
}

#[test]
fn each_test_lands_near_its_signal_s_exact_expectation() {
    let l = lesson();
    l.claim("the hollow diamond is that signal’s exact expectation");
    // every signal's simulated lift within 4 of its standard errors of the exact lift, at every seed
    // (the claim the node test of the old JavaScript task checked at the default story)
    let (ok, n) = share(seeds(), |seed| {
        let o = preset(&l, "flip", seed, false);
        o.verdicts
            .iter()
            .all(|v| (v.lift.estimate - v.exact).abs() < 4.0 * (v.lift.upper - v.lift.lower) / (2.0 * 1.959_963_984_540_054))
    });
    assert_eq!(ok, n, "held at {ok} of {n} seeds");
}

#[test]
fn the_setup_is_as_described() {
    let l = lesson();
    l.claim("Production plays each user five tracks from their personal top 10 in 70% of sessions, and a shuffle of the catalog in the rest. Its personal taste score is each user’s true taste plus an error as large as the taste itself. From 4,000 of its sessions (20,000 plays),");
    l.claim(r"q_i = \sum_{\text{plays of } i} r \,/\, (n_i + 1)");
    l.claim(r"\text{score}(u, i) = z_u(\text{personal taste}_{ui}) + 1.5\, z(q_i),");
    assert_eq!(intent::LEN, 5);
    assert_eq!(intent::PRODUCTION_PERSONAL, 0.7);
    assert_eq!(intent::PERSONAL_NOISE, 1.0);
    assert_eq!((intent::TRAIN_SESSIONS, intent::TRAIN_SESSIONS * intent::LEN), (4000, 20_000));
    assert_eq!((intent::RIDGE_LAMBDA, intent::QUALITY_WEIGHT), (1.0, 1.5));
    let PolicySpec::Mixture { components } = intent::production() else { panic!("production is a mixture") };
    assert!(matches!(&components[0], (w, PolicySpec::TopK { k: 10, .. }) if *w == 0.7));
    assert!(matches!(&components[1], (w, PolicySpec::Uniform) if (*w - 0.3).abs() < 1e-12));
}
