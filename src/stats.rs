//! Small statistics used across the crate: means and variances that tolerate long inputs,
//! numpy-compatible percentiles, the normal quantile, rank correlation and inequality.

/// Order two numbers as `f64::total_cmp` does, but with −0 equal to +0 (a score of −0 and one
/// of +0 are a tie, broken by the caller, not by the sign bit).
pub fn cmp(a: f64, b: f64) -> std::cmp::Ordering {
    (a + 0.0).total_cmp(&(b + 0.0))
}

/// Sort numbers in ascending [`f64::total_cmp`] order. Values that compare equal under it are the
/// same bits, so an unstable sort gives exactly what a stable one would. One function for every
/// caller: each `sort_by` closure is a separate copy of the sorting code in the Wasm module.
pub fn sort(xs: &mut [f64]) {
    xs.sort_unstable_by(f64::total_cmp);
}

/// Indices of `key` by descending value ([`cmp`]: −0 ties +0), ties by ascending index: what a
/// stable sort of `0..n` gives.
pub fn order_desc(key: &[f64]) -> Vec<usize> {
    let mut idx = vec![0; key.len()];
    order_desc_into(&mut idx, key);
    idx
}

/// [`order_desc`] into a buffer of `key.len()` indices (whatever it held).
pub fn order_desc_into(idx: &mut [usize], key: &[f64]) {
    idx.iter_mut().enumerate().for_each(|(i, x)| *x = i);
    idx.sort_unstable_by(|&a, &b| cmp(key[b], key[a]).then(a.cmp(&b)));
}

/// Arithmetic mean; `NaN` for an empty slice.
pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Unbiased sample variance (denominator n − 1); 0 for fewer than two values.
pub fn variance(xs: &[f64]) -> f64 {
    let n = xs.len();
    if n < 2 {
        return 0.0;
    }
    let m = mean(xs);
    xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64
}

/// Sample standard deviation (denominator n − 1).
pub fn std_dev(xs: &[f64]) -> f64 {
    variance(xs).sqrt()
}

/// Percentile `q` ∈ [0, 100] with linear interpolation between order statistics, exactly as
/// `numpy.percentile` (method "linear"), which OBP uses for bootstrap intervals.
/// Sorts `xs` in place. `NaN` for an empty slice.
pub fn percentile_in_place(xs: &mut [f64], q: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    sort(xs);
    percentile_sorted(xs, q)
}

/// [`percentile_in_place`] on already sorted data.
pub fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = (q / 100.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// The standard normal quantile Φ⁻¹(p) for p ∈ (0, 1) (Wichura's AS 241, about 1e-16 relative
/// accuracy). Returns ±∞ at 0 and 1 and `NaN` outside [0, 1].
#[allow(clippy::excessive_precision)] // AS 241's published coefficients, kept verbatim
pub fn normal_quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || p.is_nan() {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q
            * (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r
                + 45921.953931549871457)
                * r
                + 13731.693765509461125)
                * r
                + 1971.5909503065514427)
                * r
                + 133.14166789178437745)
                * r
                + 3.387132872796366608)
            / (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r
                + 21213.794301586595867)
                * r
                + 5394.1960214247511077)
                * r
                + 687.1870074920579083)
                * r
                + 42.313330701600911252)
                * r
                + 1.0);
    }
    let mut r = if q < 0.0 { p } else { 1.0 - p };
    r = (-crate::math::ln(r)).sqrt();
    let val = if r <= 5.0 {
        r -= 1.6;
        (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
            + 1.27045825245236838258)
            * r
            + 3.64784832476320460504)
            * r
            + 5.7694972214606914055)
            * r
            + 4.6303378461565452959)
            * r
            + 1.42343711074968357734)
            / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                + 0.14810397642748007459)
                * r
                + 0.68976733498510000455)
                * r
                + 1.6763848301838038494)
                * r
                + 2.05319162663775882187)
                * r
                + 1.0)
    } else {
        r -= 5.0;
        (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
            + 0.026532189526576123093)
            * r
            + 0.29656057182850489123)
            * r
            + 1.7848265399172913358)
            * r
            + 5.4637849111641143699)
            * r
            + 6.6579046435011037772)
            / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                + 7.868691311456132591e-4)
                * r
                + 0.0148753612908506148525)
                * r
                + 0.13692988092273580531)
                * r
                + 0.59983220655588793769)
                * r
                + 1.0)
    };
    if q < 0.0 { -val } else { val }
}

/// Kendall's τ-b rank correlation between `x` and `y` (ties handled as in `scipy.stats.kendalltau`).
/// `NaN` when fewer than two pairs or when either variable is constant.
pub fn kendall_tau(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    let (mut concordant, mut discordant, mut ties_x, mut ties_y) = (0i64, 0i64, 0i64, 0i64);
    for i in 0..n {
        for j in (i + 1)..n {
            let dx = x[i] - x[j];
            let dy = y[i] - y[j];
            if dx == 0.0 && dy == 0.0 {
                continue;
            } else if dx == 0.0 {
                ties_x += 1;
            } else if dy == 0.0 {
                ties_y += 1;
            } else if (dx > 0.0) == (dy > 0.0) {
                concordant += 1;
            } else {
                discordant += 1;
            }
        }
    }
    let n0 = (concordant + discordant + ties_x) as f64;
    let n1 = (concordant + discordant + ties_y) as f64;
    if n0 == 0.0 || n1 == 0.0 {
        return f64::NAN;
    }
    (concordant - discordant) as f64 / (n0 * n1).sqrt()
}

/// Gini coefficient of non-negative amounts (0 = perfectly equal, → 1 = one holder has all).
/// `NaN` when the total is zero or the slice is empty.
pub fn gini(amounts: &[f64]) -> f64 {
    let n = amounts.len();
    let total: f64 = amounts.iter().sum();
    if n == 0 || total <= 0.0 {
        return f64::NAN;
    }
    let mut sorted = amounts.to_vec();
    sort(&mut sorted);
    let weighted: f64 = sorted.iter().enumerate().map(|(i, &x)| (2 * (i + 1)) as f64 * x).sum();
    weighted / (n as f64 * total) - (n as f64 + 1.0) / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmp_ties_the_two_zeros_and_orders_the_rest_as_total_cmp() {
        use std::cmp::Ordering::*;
        assert_eq!((cmp(-0.0, 0.0), cmp(0.0, -0.0), cmp(-0.0, -0.0)), (Equal, Equal, Equal));
        assert_eq!((cmp(-1.0, 0.0), cmp(0.0, 1e-300), cmp(f64::NAN, f64::INFINITY)), (Less, Less, Greater));
        // a descending order keeps a −0 and a +0 in index order (the tie-break), never by sign
        assert_eq!(order_desc(&[0.0, -0.0, 1.0, -0.0]), vec![2, 0, 1, 3]);
    }

    #[test]
    fn the_normal_quantile_inverts_the_normal_cdf_in_every_branch() {
        // Φ(x) = erfc(−x/√2)/2 (libm, independent of AS 241); p across AS 241's three branches:
        // |p − ½| ≤ 0.425, then r = √(−ln min(p, 1−p)) ≤ 5, then r > 5
        let cdf = |x: f64| 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2);
        for p in [0.5, 0.6, 0.975, 0.92, 0.075, 0.01, 0.3, 1e-3, 0.999, 1e-6, 1e-10, 1e-12, 1e-15, 1e-20, 1e-100, 1.0 - 1e-12] {
            let x = normal_quantile(p);
            // Φ's relative slope in the tail is about |x|, so a relative error ε in x moves the
            // tail probability by about x²·ε
            let (tail, back) = (p.min(1.0 - p), cdf(x.min(-x)));
            assert!((back - tail).abs() <= 1e-13 * x.mul_add(x, 1.0) * tail, "p = {p}: x = {x}, Φ(−|x|) = {back}");
        }
        assert_eq!(normal_quantile(0.5), 0.0);
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-15);
    }

    #[test]
    fn percentile_matches_numpy_linear() {
        // numpy.percentile([1, 2, 3, 4], [0, 25, 50, 97.5, 100]) = [1, 1.75, 2.5, 3.925, 4]
        let mut xs = vec![4.0, 1.0, 3.0, 2.0];
        for (q, want) in [(0.0, 1.0), (25.0, 1.75), (50.0, 2.5), (97.5, 3.925), (100.0, 4.0)] {
            assert!((percentile_in_place(&mut xs, q) - want).abs() < 1e-12, "q={q}");
        }
    }

    #[test]
    fn normal_quantile_known_values() {
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-14);
        assert!((normal_quantile(0.5)).abs() < 1e-16);
        assert!((normal_quantile(1e-10) + 6.361340902404056).abs() < 1e-12);
        assert!((normal_quantile(0.025) + normal_quantile(0.975)).abs() < 1e-15);
    }

    #[test]
    fn kendall_tau_examples() {
        assert_eq!(kendall_tau(&[1., 2., 3.], &[10., 20., 30.]), 1.0);
        assert_eq!(kendall_tau(&[1., 2., 3.], &[3., 2., 1.]), -1.0);
        // scipy.stats.kendalltau([1,2,3,4,5],[3,4,1,2,5]).statistic = 0.2
        assert!((kendall_tau(&[1., 2., 3., 4., 5.], &[3., 4., 1., 2., 5.]) - 0.2).abs() < 1e-15);
        assert!(kendall_tau(&[1., 1.], &[1., 2.]).is_nan());
        // scipy's documentation example, with ties in x alone and in both: statistic
        // -0.47140452079103173; τ-b is symmetric, so swapping x and y moves the ties to y alone
        let (x, y) = ([12., 2., 1., 12., 2.], [1., 4., 7., 1., 0.]);
        assert!((kendall_tau(&x, &y) + 0.471_404_520_791_031_73).abs() < 1e-15);
        assert!((kendall_tau(&y, &x) + 0.471_404_520_791_031_73).abs() < 1e-15);
    }

    #[test]
    fn gini_examples() {
        assert!((gini(&[1.0, 1.0, 1.0, 1.0])).abs() < 1e-15);
        assert!((gini(&[0.0, 0.0, 0.0, 1.0]) - 0.75).abs() < 1e-15);
    }
}

/// ln B(a, b), the log of the beta function.
fn ln_beta(a: f64, b: f64) -> f64 {
    libm::lgamma(a) + libm::lgamma(b) - libm::lgamma(a + b)
}

/// Continued fraction of the regularized incomplete beta function (modified Lentz's method).
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// The regularized incomplete beta function I_x(a, b), for x ∈ [0, 1], a, b > 0.
pub fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = crate::math::exp(a * crate::math::ln(x) + b * crate::math::ln(1.0 - x) - ln_beta(a, b));
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b
    }
}

/// The upper tail P(T > t) of Student's t with `nu` degrees of freedom, for t ≥ 0.
fn student_t_upper(t: f64, nu: f64) -> f64 {
    0.5 * incomplete_beta(nu / (nu + t * t), nu / 2.0, 0.5)
}

/// The quantile of Student's t distribution with `nu` > 0 degrees of freedom at p ∈ (0, 1)
/// (scipy's `stats.t(nu).ppf(p)`, to about 1e-10 relative): Newton's method on the CDF from a
/// Cornish–Fisher start, the CDF through the regularized incomplete beta function.
pub fn student_t_quantile(p: f64, nu: f64) -> f64 {
    if !(p > 0.0 && p < 1.0 && nu > 0.0) {
        return if p == 0.0 {
            f64::NEG_INFINITY
        } else if p == 1.0 {
            f64::INFINITY
        } else {
            f64::NAN
        };
    }
    if p < 0.5 {
        return -student_t_quantile(1.0 - p, nu);
    }
    if p == 0.5 {
        return 0.0;
    }
    let upper = 1.0 - p;
    let z = normal_quantile(p);
    let mut t = z + (z * z * z + z) / (4.0 * nu) + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * nu * nu);
    if !t.is_finite() || t <= 0.0 {
        t = z.max(1e-3);
    }
    let ln_norm = libm::lgamma((nu + 1.0) / 2.0) - libm::lgamma(nu / 2.0) - 0.5 * crate::math::ln(nu * std::f64::consts::PI);
    let (mut lo, mut hi) = (0.0, f64::INFINITY);
    for _ in 0..200 {
        let f = student_t_upper(t, nu) - upper; // decreasing in t
        if f > 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        let pdf = crate::math::exp(ln_norm - (nu + 1.0) / 2.0 * libm::log1p(t * t / nu));
        let mut next = t + f / pdf;
        if !(next > lo && next < hi) {
            next = if hi.is_finite() { 0.5 * (lo + hi) } else { 2.0 * t.max(1.0) };
        }
        if (next - t).abs() <= 1e-15 * t {
            return next;
        }
        t = next;
    }
    t
}

#[cfg(test)]
mod student_t_tests {
    use super::*;

    #[test]
    fn student_t_quantile_solves_the_closed_form_cdf_of_three_degrees_of_freedom() {
        // F(t) = 1/2 + (u/(1 + u²) + atan u)/π with u = t/√3
        let cdf = |t: f64| {
            let u = t / 3f64.sqrt();
            0.5 + (u / (1.0 + u * u) + u.atan()) / std::f64::consts::PI
        };
        for p in [0.6, 0.9, 0.995, 0.9999] {
            assert!((cdf(student_t_quantile(p, 3.0)) - p).abs() < 1e-14, "{p}");
        }
    }

    #[test]
    fn student_t_quantiles_match_scipy() {
        // scipy.stats.t(nu).ppf(p), scipy 1.9.3
        for (p, nu, want) in [
            (0.9, 1999.0, 1.2819752125780834),
            (0.95, 1999.0, 1.645616248187262),
            (0.8, 1999.0, 0.8418010808908675),
            (0.975, 1999.0, 1.9611514201705613),
            (0.9, 5.0, 1.4758840487820273),
            (0.995, 3.0, 5.84090929975643),
            (0.6, 1.0, 0.32491969623407446),
            (0.999, 30.0, 3.385184866818216),
            (0.95, 2.0, 2.919985580355516),
        ] {
            let got = student_t_quantile(p, nu);
            // scipy's own inversion is good to about 1e-11 at OBP's n − 1 ≈ 2,000 but only to a few
            // 1e-9 at ν ≤ 5, where its ppf misses the tail probability it was asked for (see below)
            let tol = if nu > 100.0 { 1e-11 } else { 5e-9 };
            assert!((got - want).abs() < tol * want, "t({nu}).ppf({p}) = {got}, scipy {want}");
            assert!((student_t_quantile(1.0 - p, nu) + want).abs() < tol * want);
        }
    }
}
