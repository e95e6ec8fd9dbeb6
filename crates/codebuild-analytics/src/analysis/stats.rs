//! Statistical tests for comparisons: Mann-Whitney U, two-proportion z,
//! Wilson intervals, Benjamini-Hochberg, and linear-interpolation quantiles.
//!
//! The normal distribution comes from `statrs`. Every function is checked
//! against scipy / statsmodels values committed in the tests (with the
//! command that produced them).

use statrs::distribution::{ContinuousCDF, Normal};

fn std_normal() -> Normal {
    Normal::standard()
}

/// The two-sided p-value of a standard normal statistic `z`: `2 * P(Z > |z|)`.
pub fn two_sided_p(z: f64) -> f64 {
    (2.0 * std_normal().sf(z.abs())).min(1.0)
}

/// The `q` quantile (0..=1) of `sorted` values (ascending), linear
/// interpolation between closest ranks (numpy's default); `None` when empty.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

/// The result of a two-sided Mann-Whitney U test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MannWhitney {
    /// U of the first sample: `R1 - n1 (n1 + 1) / 2` (scipy's `statistic`).
    pub u1: f64,
    /// The normal statistic, continuity-corrected (0 when every value is tied).
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// Two-sided Mann-Whitney U test of `x` against `y`, normal approximation
/// with tie correction and continuity correction: scipy's
/// `mannwhitneyu(x, y, alternative="two-sided", method="asymptotic",
/// use_continuity=True)`.
///
/// With `n = n1 + n2`, ranks averaged over ties, `U1 = R1 - n1(n1+1)/2`,
/// `U = max(U1, n1 n2 - U1)`, `sigma = sqrt(n1 n2 / 12 * ((n + 1) -
/// sum(t^3 - t) / (n (n - 1))))` over tie groups of size `t`, and
/// `z = (U - n1 n2 / 2 - 0.5) / sigma`; `p = 2 P(Z > z)`, at most 1 (so 1 when `z < 0`). When
/// every value is tied (`sigma = 0`) the samples cannot differ: `p = 1`
/// (scipy returns NaN there). `None` when either sample is empty. NaN
/// values must not be passed (callers drop nulls).
pub fn mann_whitney_u(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let mut all: Vec<(f64, bool)> = x
        .iter()
        .map(|&v| (v, true))
        .chain(y.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = all.len();
    let mut r1 = 0.0;
    let mut ties = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && all[j].0 == all[i].0 {
            j += 1;
        }
        // Ranks i+1 ..= j share their mean.
        let rank = (i + 1 + j) as f64 / 2.0;
        let in_x = all[i..j].iter().filter(|v| v.1).count();
        r1 += rank * in_x as f64;
        let t = (j - i) as f64;
        ties += t * t * t - t;
        i = j;
    }
    let (n1f, n2f, nf) = (n1 as f64, n2 as f64, n as f64);
    let u1 = r1 - n1f * (n1f + 1.0) / 2.0;
    let u = u1.max(n1f * n2f - u1);
    let mu = n1f * n2f / 2.0;
    let var = n1f * n2f / 12.0 * ((nf + 1.0) - ties / (nf * (nf - 1.0)));
    if var <= 0.0 || !var.is_finite() {
        return Some(MannWhitney {
            u1,
            z: 0.0,
            p_value: 1.0,
        });
    }
    let z = (u - mu - 0.5) / var.sqrt();
    // `z` is negative when U is within 0.5 of its mean: p = 1 then, as in
    // scipy (2 P(Z > z), capped at 1), not 2 P(Z > |z|).
    Some(MannWhitney {
        u1,
        z,
        p_value: (2.0 * std_normal().sf(z)).min(1.0),
    })
}

/// The result of a two-proportion z-test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TwoProportions {
    /// `x2 / n2 - x1 / n1`.
    pub difference: f64,
    /// `difference / se` with the pooled standard error (0 when se is 0).
    pub z: f64,
    /// Two-sided p-value (1 when se is 0: both proportions are 0 or both 1).
    pub p_value: f64,
}

/// Two-sided two-proportion z-test of `x1 / n1` (baseline) against
/// `x2 / n2` (current), pooled variance: statsmodels'
/// `proportions_ztest([x2, x1], [n2, n1])` (same |z| and p). `None` when
/// either count is 0.
pub fn two_proportion_z(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<TwoProportions> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (x1, n1, x2, n2) = (x1 as f64, n1 as f64, x2 as f64, n2 as f64);
    let difference = x2 / n2 - x1 / n1;
    let pooled = (x1 + x2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return Some(TwoProportions {
            difference,
            z: 0.0,
            p_value: 1.0,
        });
    }
    let z = difference / se;
    Some(TwoProportions {
        difference,
        z,
        p_value: two_sided_p(z),
    })
}

/// The Wilson score interval of `x / n` at confidence `1 - alpha` (e.g.
/// 0.05): statsmodels' `proportion_confint(x, n, alpha, method="wilson")`.
/// `None` when `n` is 0.
pub fn wilson_interval(x: u64, n: u64, alpha: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let z = std_normal().inverse_cdf(1.0 - alpha / 2.0);
    let (x, n) = (x as f64, n as f64);
    let p = x / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(((center - half).max(0.0), (center + half).min(1.0)))
}

/// Benjamini-Hochberg adjusted p-values (in the order given): `p_(i) * m /
/// i` over the ascending ranks `i`, made monotone from the largest down
/// and capped at 1 (scipy's `false_discovery_control(p, method="bh")`).
/// A p-value is significant at false discovery rate `q` when its adjusted
/// value is below `q`.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut adjusted = vec![0.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        let v = (p[i] * m as f64 / (rank + 1) as f64).min(1.0);
        running = running.min(v);
        adjusted[i] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    //! Reference values computed once with scipy 1.16 / statsmodels 0.14 in
    //! a throwaway venv (`python3 -m venv /tmp/scipy-venv &&
    //! /tmp/scipy-venv/bin/pip install scipy statsmodels`), by the script
    //! `testdata/stats/reference.py` of this repository; its output is
    //! `testdata/stats/reference.json`, read here.

    use super::super::testutil::{floats, reference_json};
    use super::*;
    use serde_json::Value;

    fn reference() -> Value {
        reference_json("stats/reference.json")
    }

    #[track_caller]
    fn close(a: f64, b: f64, what: &str) {
        let tol = 1e-9 * b.abs().max(1e-300) + 1e-12;
        assert!((a - b).abs() <= tol, "{what}: {a} vs {b}");
    }

    #[test]
    fn mann_whitney_matches_scipy() {
        let r = reference();
        let cases = r["mannwhitneyu"].as_array().unwrap();
        assert!(cases.len() >= 6);
        for c in cases {
            let (x, y) = (floats(&c["x"]), floats(&c["y"]));
            let got = mann_whitney_u(&x, &y).unwrap();
            let name = c["name"].as_str().unwrap();
            close(got.u1, c["statistic"].as_f64().unwrap(), name);
            close(got.p_value, c["pvalue"].as_f64().unwrap(), name);
        }
        assert_eq!(mann_whitney_u(&[], &[1.0]), None);
        let tied = mann_whitney_u(&[3.0; 12], &[3.0; 15]).unwrap();
        assert_eq!((tied.p_value, tied.z), (1.0, 0.0));
    }

    #[test]
    fn two_proportions_match_statsmodels() {
        let r = reference();
        for c in r["proportions_ztest"].as_array().unwrap() {
            let n = |k: &str| c[k].as_u64().unwrap();
            let got = two_proportion_z(n("x1"), n("n1"), n("x2"), n("n2")).unwrap();
            let name = c["name"].as_str().unwrap();
            close(got.z, c["zstat"].as_f64().unwrap(), name);
            close(got.p_value, c["pvalue"].as_f64().unwrap(), name);
        }
        assert_eq!(two_proportion_z(0, 10, 0, 20).unwrap().p_value, 1.0);
        assert_eq!(two_proportion_z(1, 0, 1, 2), None);
    }

    #[test]
    fn wilson_matches_statsmodels() {
        let r = reference();
        for c in r["wilson"].as_array().unwrap() {
            let (lo, hi) = wilson_interval(
                c["x"].as_u64().unwrap(),
                c["n"].as_u64().unwrap(),
                c["alpha"].as_f64().unwrap(),
            )
            .unwrap();
            let name = c["name"].as_str().unwrap();
            close(lo, c["low"].as_f64().unwrap(), name);
            close(hi, c["high"].as_f64().unwrap(), name);
        }
    }

    #[test]
    fn benjamini_hochberg_matches_scipy() {
        let r = reference();
        for c in r["bh"].as_array().unwrap() {
            let got = benjamini_hochberg(&floats(&c["p"]));
            let want = floats(&c["adjusted"]);
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                close(*g, *w, c["name"].as_str().unwrap());
            }
        }
        assert!(benjamini_hochberg(&[]).is_empty());
    }

    #[test]
    fn quantiles_match_numpy() {
        let r = reference();
        for c in r["quantile"].as_array().unwrap() {
            let mut v = floats(&c["values"]);
            v.sort_by(f64::total_cmp);
            let got = quantile_sorted(&v, c["q"].as_f64().unwrap()).unwrap();
            close(got, c["result"].as_f64().unwrap(), "quantile");
        }
        assert_eq!(quantile_sorted(&[], 0.5), None);
    }

    #[test]
    fn normal_tail_matches_scipy() {
        let r = reference();
        for c in r["norm_sf"].as_array().unwrap() {
            close(
                two_sided_p(c["z"].as_f64().unwrap()),
                c["two_sided"].as_f64().unwrap(),
                "two-sided p",
            );
        }
    }
}
