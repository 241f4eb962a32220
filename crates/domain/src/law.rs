//! The legal convention for bounds (民法典 第1259条) as exact integer arithmetic.
//!
//! "以上、以下、以内、届满" include the number itself; "不满、超过、以外" exclude it. So
//! "过半数" (more than half) of `n` is at least ⌊n/2⌋+1, "不得少于三分之一" (no fewer than a
//! third) is at least ⌈n/3⌉, "三分之二以上" (two thirds or more) is at least ⌈2n/3⌉. No
//! floating point anywhere: `2·x > n`, `3·x ≥ n`, `3·x ≥ 2·n`.

use serde::{Deserialize, Serialize};

/// A share of a base that a count must reach: a quorum (R-QUORUM) or a winning threshold
/// (R-MAJORITY, R-ADDITIONAL).
///
/// Serialised as its name (`"more_than_half"`, `"two_thirds"`, `"one_third"`) or, for a share
/// a profile spells out, as `{"more_than": [1, 2]}` (超过, exclusive) or `{"at_least": [3, 5]}`
/// (以上 / 不得少于, inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Share {
    /// 过半数 / 超过半数: strictly more than half.
    MoreThanHalf,
    /// 三分之二以上: two thirds or more.
    TwoThirds,
    /// 不得少于三分之一: a third or more.
    OneThird,
    /// More than `numerator / denominator` of the base (超过, exclusive).
    MoreThan([u32; 2]),
    /// At least `numerator / denominator` of the base (以上, inclusive).
    AtLeast([u32; 2]),
}

impl Share {
    /// The share as `(numerator, denominator, inclusive)`.
    pub fn fraction(self) -> (u64, u64, bool) {
        match self {
            Self::MoreThanHalf => (1, 2, false),
            Self::TwoThirds => (2, 3, true),
            Self::OneThird => (1, 3, true),
            Self::MoreThan([n, d]) => (u64::from(n), u64::from(d), false),
            Self::AtLeast([n, d]) => (u64::from(n), u64::from(d), true),
        }
    }

    /// Whether `count` reaches this share of `base`.
    pub fn is_met(self, count: u64, base: u64) -> bool {
        let (n, d, inclusive) = self.fraction();
        if d == 0 {
            return false;
        }
        let lhs = u128::from(d) * u128::from(count);
        let rhs = u128::from(n) * u128::from(base);
        if inclusive { lhs >= rhs } else { lhs > rhs }
    }

    /// The smallest count that reaches this share of `base`, e.g. 12 for more than half of 23,
    /// 12 for a third of 36, `u64::MAX` for an impossible share.
    pub fn min_count(self, base: u64) -> u64 {
        let (n, d, inclusive) = self.fraction();
        if d == 0 {
            return u64::MAX;
        }
        let product = u128::from(n) * u128::from(base);
        let d = u128::from(d);
        let min = if inclusive {
            product.div_ceil(d)
        } else {
            product / d + 1
        };
        u64::try_from(min).unwrap_or(u64::MAX)
    }

    /// Whether this share is at least as demanding as "more than half" (过半数), the law's floor
    /// for quorums and winning thresholds.
    pub fn is_at_least_more_than_half(self) -> bool {
        let (n, d, inclusive) = self.fraction();
        if inclusive { 2 * n > d } else { 2 * n >= d }
    }

    /// Whether the share is a proper fraction that some count can reach: positive, not more
    /// than the whole, with a non-zero denominator.
    pub fn is_attainable(self) -> bool {
        let (n, d, inclusive) = self.fraction();
        d > 0 && n > 0 && if inclusive { n <= d } else { n < d }
    }

    /// The share in words, for explanations.
    pub fn describe(self) -> crate::Text {
        crate::messages::share(self)
    }
}

#[cfg(test)]
mod tests {
    use super::Share;

    #[test]
    fn more_than_half_of_an_even_base_needs_one_more_than_half() {
        // R-QUORUM, R-MAJORITY: 过半数 is strict.
        for (base, min) in [
            (0, 1),
            (1, 1),
            (2, 2),
            (45, 23),
            (60, 31),
            (618, 310),
            (728, 365),
        ] {
            assert_eq!(Share::MoreThanHalf.min_count(base), min, "base {base}");
            assert!(Share::MoreThanHalf.is_met(min, base));
            assert!(min == 0 || !Share::MoreThanHalf.is_met(min - 1, base));
        }
    }

    #[test]
    fn a_third_includes_the_exact_third() {
        // R-ADDITIONAL: 不得少于三分之一 is inclusive.
        for (base, min) in [(30, 10), (31, 11), (36, 12), (600, 200), (0, 0)] {
            assert_eq!(Share::OneThird.min_count(base), min, "base {base}");
        }
        assert!(Share::OneThird.is_met(10, 30));
        assert!(!Share::OneThird.is_met(9, 30));
    }

    #[test]
    fn two_thirds_includes_the_exact_two_thirds() {
        assert_eq!(Share::TwoThirds.min_count(60), 40);
        assert_eq!(Share::TwoThirds.min_count(50), 34);
        assert!(Share::TwoThirds.is_met(40, 60));
        assert!(!Share::TwoThirds.is_met(39, 60));
    }

    #[test]
    fn spelled_out_shares_behave_like_their_named_equivalents() {
        for base in 0..200 {
            assert_eq!(
                Share::MoreThan([1, 2]).min_count(base),
                Share::MoreThanHalf.min_count(base)
            );
            assert_eq!(
                Share::AtLeast([1, 3]).min_count(base),
                Share::OneThird.min_count(base)
            );
        }
    }

    #[test]
    fn only_shares_of_more_than_half_or_stricter_meet_the_legal_floor() {
        assert!(Share::MoreThanHalf.is_at_least_more_than_half());
        assert!(Share::TwoThirds.is_at_least_more_than_half());
        assert!(!Share::OneThird.is_at_least_more_than_half());
        assert!(!Share::AtLeast([1, 2]).is_at_least_more_than_half());
        assert!(Share::AtLeast([51, 100]).is_at_least_more_than_half());
        assert!(!Share::MoreThan([2, 5]).is_at_least_more_than_half());
    }

    #[test]
    fn impossible_shares_are_not_attainable() {
        assert!(!Share::MoreThan([1, 1]).is_attainable());
        assert!(!Share::AtLeast([3, 2]).is_attainable());
        assert!(!Share::AtLeast([1, 0]).is_attainable());
        assert!(!Share::AtLeast([0, 3]).is_attainable());
        assert!(Share::AtLeast([1, 1]).is_attainable());
        assert_eq!(Share::AtLeast([1, 0]).min_count(10), u64::MAX);
    }
}
