//! Measuring the matcher on labelled pairs: the counts behind precision and recall, and the
//! labelled sets kept in the repository (made here: well-known companies' public names and
//! invented ones, with the hard cases the matcher must keep apart).

use super::matcher::{Relation, compare};
use super::names::CompanyName;

/// The set the matcher was built against: `a,b,same,case`.
pub const LABELLED: &str = include_str!("pairs/labelled.csv");
/// A second set, of other companies, written at the same time and only measured — a check that
/// the rules were not fitted to the first.
pub const HOLDOUT: &str = include_str!("pairs/holdout.csv");

/// Whether two names, as typed, are judged one company.
pub fn same_company(a: &str, b: &str) -> bool {
    compare(&CompanyName::parse(a), &CompanyName::parse(b)).relation == Relation::Same
}

/// Counts of right and wrong answers on labelled pairs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Confusion {
    /// Same, judged same.
    pub true_same: usize,
    /// Different, judged same.
    pub false_same: usize,
    /// Different, judged different.
    pub true_different: usize,
    /// Same, judged different.
    pub false_different: usize,
}

impl Confusion {
    /// Counts one answer.
    pub fn add(&mut self, same: bool, predicted: bool) {
        match (same, predicted) {
            (true, true) => self.true_same += 1,
            (false, true) => self.false_same += 1,
            (false, false) => self.true_different += 1,
            (true, false) => self.false_different += 1,
        }
    }

    /// Of the pairs judged same, the share that are (0 when none was judged same).
    pub fn precision(&self) -> f64 {
        ratio(self.true_same, self.true_same + self.false_same)
    }

    /// Of the pairs that are the same, the share judged so.
    pub fn recall(&self) -> f64 {
        ratio(self.true_same, self.true_same + self.false_different)
    }

    /// The harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deals::keys::name_keys;

    /// The confusion counts on a labelled file, and every pair judged same whose names share no
    /// blocking key (the index would never compare them).
    fn measure(file: &str) -> (Confusion, Vec<String>) {
        let mut reader = csv::Reader::from_reader(file.as_bytes());
        let mut confusion = Confusion::default();
        let mut unkeyed = Vec::new();
        for row in reader.records() {
            let row = row.unwrap();
            let predicted = same_company(&row[0], &row[1]);
            confusion.add(&row[2] == "1", predicted);
            let (a, b) = (name_keys(&CompanyName::parse(&row[0])), name_keys(&CompanyName::parse(&row[1])));
            if predicted && !a.iter().any(|k| b.contains(k)) {
                unkeyed.push(format!("{} / {}", &row[0], &row[1]));
            }
        }
        (confusion, unkeyed)
    }

    #[test]
    fn the_labelled_sets_meet_the_aim() {
        for (name, file, least) in [("labelled", LABELLED, 380), ("holdout", HOLDOUT, 160)] {
            let (c, unkeyed) = measure(file);
            let total = c.true_same + c.false_same + c.true_different + c.false_different;
            assert!(total >= least, "{name}: {total} pairs");
            assert!(c.precision() >= 0.98, "{name}: {c:?}");
            assert!(c.recall() >= 0.90, "{name}: {c:?}");
            assert!(unkeyed.is_empty(), "{name}: judged same without a shared key: {unkeyed:?}");
        }
    }

    #[test]
    fn the_scores_are_what_they_say() {
        let mut c = Confusion::default();
        for (same, predicted) in [(true, true), (true, true), (true, false), (false, true), (false, false)] {
            c.add(same, predicted);
        }
        assert!((c.precision() - 2.0 / 3.0).abs() < 1e-9);
        assert!((c.recall() - 2.0 / 3.0).abs() < 1e-9);
        assert!((c.f1() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(Confusion::default().precision(), 0.0);
    }
}
