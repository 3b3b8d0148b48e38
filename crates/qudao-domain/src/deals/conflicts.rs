//! Conflicts between a new registration and the customers already claimed: every piece of
//! evidence that says "this is the same company", a score, and the rule table's decision.
//!
//! Evidence is kept, not only the score, because a channel manager deciding a dispute between two
//! partners must see why the system thought they were after one customer — and a partner told
//! "duplicate" deserves to know on what grounds (never who holds it).

use serde::Serialize;

use super::keys::{company_domain, credit_code_key, domain_key, name_keys, phone_key};
use super::matcher::{NameMatch, NameNote, NameSign, Relation, compare};
use super::names::CompanyName;

/// A company as written on a record: its names (legal, short, English), credit code, phones and
/// e-mail addresses.
#[derive(Debug, Clone)]
pub struct Party {
    names: Vec<(String, CompanyName)>,
    credit_code: Option<String>,
    phones: Vec<String>,
    domains: Vec<String>,
}

impl Party {
    /// Reads a record; empty names are skipped, phones are kept as digits, e-mail addresses as
    /// their company domains (public mail services dropped).
    pub fn new<'a>(
        names: impl IntoIterator<Item = &'a str>,
        credit_code: Option<&str>,
        phones: impl IntoIterator<Item = &'a str>,
        emails: impl IntoIterator<Item = &'a str>,
    ) -> Party {
        let names: Vec<(String, CompanyName)> = names
            .into_iter()
            .filter(|n| !n.trim().is_empty())
            .map(|n| (n.to_string(), CompanyName::parse(n)))
            .collect();
        let phones: Vec<String> = phones
            .into_iter()
            .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter(|p| p.len() >= 7)
            .collect();
        let mut domains: Vec<String> = emails.into_iter().filter_map(company_domain).collect();
        domains.sort();
        domains.dedup();
        Party { names, credit_code: credit_code.map(str::to_string), phones, domains }
    }

    /// The blocking keys to store beside the record and to look candidates up by.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.names.iter().flat_map(|(_, name)| name_keys(name)).collect();
        keys.extend(self.credit_code.iter().map(|c| credit_code_key(c)));
        keys.extend(self.phones.iter().map(|p| phone_key(p)));
        keys.extend(self.domains.iter().map(|d| domain_key(d)));
        keys.sort();
        keys.dedup();
        keys
    }

    /// The first (legal) name as written.
    pub fn name(&self) -> &str {
        self.names.first().map_or("", |(raw, _)| raw.as_str())
    }
}

/// One reason to think two records are one company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// The same unified social credit code: the same legal entity, beyond doubt.
    CreditCode,
    /// Both list this phone number.
    Phone {
        /// The number, digits only.
        phone: String,
    },
    /// Both have addresses at this company mail domain.
    EmailDomain {
        /// The domain.
        domain: String,
    },
    /// The names compare as one company (or one group).
    Name {
        /// The new record's name as written.
        ours: String,
        /// The existing record's name as written.
        theirs: String,
        /// What matched.
        sign: NameSign,
        /// Same company or same group.
        relation: Relation,
        /// What else was seen (a city on one side only, another industry).
        notes: Vec<NameNote>,
    },
    /// Counter-evidence: both records carry credit codes, and they differ — two legal entities,
    /// however alike the names.
    OtherCreditCode,
}

/// The comparison of a new record with one existing record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    /// Same company, same group, or different.
    pub relation: Relation,
    /// How sure, 0–100.
    pub score: u8,
    /// Everything that matched (and the counter-evidence).
    pub evidence: Vec<Evidence>,
}

/// Score of each kind of evidence on its own.
const CREDIT_CODE_SCORE: u8 = 100;
const PHONE_SCORE: u8 = 70;
const DOMAIN_SCORE: u8 = 62;
/// What different credit codes leave of a name match: worth a look, never a rejection.
const OTHER_CODE_CAP: u8 = 40;

/// Compares a new record with an existing one; `None` when nothing at all matched.
pub fn assess(ours: &Party, theirs: &Party) -> Option<Assessment> {
    let mut evidence = Vec::new();
    let mut score = 0u8;
    let mut relation = Relation::Different;
    let same_code = matches!((&ours.credit_code, &theirs.credit_code), (Some(a), Some(b)) if a == b);
    let other_code = matches!((&ours.credit_code, &theirs.credit_code), (Some(a), Some(b)) if a != b);
    if same_code {
        evidence.push(Evidence::CreditCode);
        score = CREDIT_CODE_SCORE;
        relation = Relation::Same;
    }
    if let Some((raw_ours, raw_theirs, found)) = best_names(ours, theirs) {
        relation = stronger(relation, found.relation);
        score = score.max(found.score);
        evidence.push(Evidence::Name {
            ours: raw_ours.to_string(),
            theirs: raw_theirs.to_string(),
            sign: found.sign.unwrap_or(NameSign::SameName),
            relation: found.relation,
            notes: found.notes,
        });
    }
    for phone in ours.phones.iter().filter(|p| theirs.phones.contains(p)) {
        evidence.push(Evidence::Phone { phone: phone.clone() });
        score = score.max(PHONE_SCORE);
        relation = stronger(relation, Relation::Same);
    }
    for domain in ours.domains.iter().filter(|d| theirs.domains.contains(d)) {
        evidence.push(Evidence::EmailDomain { domain: domain.clone() });
        score = score.max(DOMAIN_SCORE);
        relation = stronger(relation, Relation::Same);
    }
    if evidence.is_empty() {
        return None;
    }
    // Each further piece of evidence adds confidence; only a credit code gives certainty.
    if !same_code && evidence.len() > 1 {
        score = score.saturating_add(3 * (evidence.len() as u8 - 1)).min(99);
    }
    if other_code {
        evidence.push(Evidence::OtherCreditCode);
        score = score.min(OTHER_CODE_CAP);
        if relation == Relation::Same {
            relation = Relation::Group;
        }
    }
    Some(Assessment { relation, score, evidence })
}

/// The best-matching pair of names of the two records.
fn best_names<'a>(ours: &'a Party, theirs: &'a Party) -> Option<(&'a str, &'a str, NameMatch)> {
    let mut best: Option<(&str, &str, NameMatch)> = None;
    for (raw_a, a) in &ours.names {
        for (raw_b, b) in &theirs.names {
            let found = compare(a, b);
            if found.relation == Relation::Different {
                continue;
            }
            if best.as_ref().is_none_or(|(_, _, m)| rank(&found) > rank(m)) {
                best = Some((raw_a, raw_b, found));
            }
        }
    }
    best
}

fn rank(m: &NameMatch) -> (u8, u8) {
    (if m.relation == Relation::Same { 1 } else { 0 }, m.score)
}

fn stronger(a: Relation, b: Relation) -> Relation {
    match (a, b) {
        (Relation::Same, _) | (_, Relation::Same) => Relation::Same,
        (Relation::Group, _) | (_, Relation::Group) => Relation::Group,
        _ => Relation::Different,
    }
}

/// The rule table: what happens to a registration given its strongest conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ConflictRules {
    /// At or above this score against a protected registration, the new one is rejected as a
    /// duplicate at once. The default (98) takes a credit code, or a name backed by a shared phone
    /// or mail domain: a name alone, however alike, goes to a person.
    pub reject_at: u8,
    /// At or above this score, a channel manager decides, with the evidence.
    pub review_at: u8,
    /// Group-level protection: another company of the same group (a branch, the same trade name
    /// in another industry) is a conflict too, sent for review.
    pub group_level: bool,
}

impl Default for ConflictRules {
    fn default() -> Self {
        ConflictRules { reject_at: 98, review_at: 60, group_level: false }
    }
}

/// What the rules decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No conflict: the registration can be approved.
    Accept,
    /// A person decides, seeing the evidence.
    Review,
    /// A duplicate of a protected registration.
    Reject,
}

/// A conflict as the rules see it: the assessment, and whether the other registration is under
/// protection now (approved, not expired) or only pending.
#[derive(Debug, Clone, Copy)]
pub struct Held<'a> {
    /// The comparison.
    pub assessment: &'a Assessment,
    /// Approved and within its protection period.
    pub protected: bool,
}

impl ConflictRules {
    /// Checks the thresholds are in order.
    pub fn validate(&self) -> Result<(), crate::FieldError> {
        if self.review_at > self.reject_at || self.reject_at > 100 || self.review_at == 0 {
            return Err(crate::FieldError::new("review_at", "thresholds_out_of_order"));
        }
        Ok(())
    }

    /// Whether an assessment counts as a conflict at all under these rules.
    pub fn counts(&self, assessment: &Assessment) -> bool {
        match assessment.relation {
            Relation::Same => assessment.score >= self.review_at,
            Relation::Group => self.group_level,
            Relation::Different => false,
        }
    }

    /// The decision for a new registration against the registrations it conflicts with.
    pub fn decide(&self, held: &[Held<'_>]) -> Verdict {
        let mut verdict = Verdict::Accept;
        for h in held.iter().filter(|h| self.counts(h.assessment)) {
            let duplicate =
                h.protected && h.assessment.relation == Relation::Same && h.assessment.score >= self.reject_at;
            if duplicate {
                return Verdict::Reject;
            }
            verdict = Verdict::Review;
        }
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(name: &str, code: Option<&str>, phone: &str, email: &str) -> Party {
        Party::new([name], code, [phone], [email])
    }

    #[test]
    fn evidence_is_listed_and_scored() {
        let ours = party("某某科技(上海)有限公司", None, "13800138000", "wang@mou.com");
        let theirs = party("上海某某科技有限公司", None, "138-0013-8000", "li@mou.com");
        let found = assess(&ours, &theirs).unwrap();
        assert_eq!(found.relation, Relation::Same);
        assert_eq!(found.evidence.len(), 3);
        assert!(found.score >= 96, "{found:?}");
        let phone_only = assess(&party("甲公司", None, "13800138000", ""), &party("乙公司", None, "13800138000", ""));
        assert_eq!(phone_only.unwrap().score, PHONE_SCORE);
        assert!(assess(&party("华为技术", None, "", "a@qq.com"), &party("小米科技", None, "", "b@qq.com")).is_none());
    }

    #[test]
    fn different_credit_codes_outweigh_alike_names() {
        let ours = party("上海某某科技有限公司", Some("91310000MA1FL0001X"), "", "");
        let theirs = party("上海某某科技有限公司", Some("91310000MA1FL0002Y"), "", "");
        let found = assess(&ours, &theirs).unwrap();
        assert_eq!(found.relation, Relation::Group);
        assert!(found.score <= OTHER_CODE_CAP);
        assert!(found.evidence.contains(&Evidence::OtherCreditCode));
    }

    #[test]
    fn the_rules_reject_only_duplicates_of_protected_registrations() {
        let rules = ConflictRules::default();
        let strong = Assessment { relation: Relation::Same, score: 99, evidence: vec![] };
        let weak = Assessment { relation: Relation::Same, score: 70, evidence: vec![] };
        let group = Assessment { relation: Relation::Group, score: 50, evidence: vec![] };
        assert_eq!(rules.decide(&[Held { assessment: &strong, protected: true }]), Verdict::Reject);
        assert_eq!(rules.decide(&[Held { assessment: &strong, protected: false }]), Verdict::Review);
        assert_eq!(rules.decide(&[Held { assessment: &weak, protected: true }]), Verdict::Review);
        assert_eq!(rules.decide(&[Held { assessment: &group, protected: true }]), Verdict::Accept);
        let group_level = ConflictRules { group_level: true, ..rules };
        assert_eq!(group_level.decide(&[Held { assessment: &group, protected: true }]), Verdict::Review);
        assert!(ConflictRules { review_at: 99, reject_at: 90, group_level: false }.validate().is_err());
    }
}
