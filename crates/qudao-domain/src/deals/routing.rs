//! Lead routing: which partner a lead goes to, by rules the brand configures, with the reason.
//!
//! Rules are tried in order. A rule applies to a lead by the lead's region and industry; it
//! names the partners that may take it (region, tier, certifications, named partners), how many
//! open leads one partner may hold (capacity), and how one is picked among those left: round
//! robin (the one assigned longest ago) or weights (by tier, against the open leads each already
//! holds). A partner that already had the lead (declined it, or let it time out) never gets it
//! again. The first rule that yields a partner decides; the reason names the rule, what matched,
//! how many partners were eligible and why this one.

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::ids::PartnerId;

/// How a rule picks among eligible partners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The eligible partner assigned a lead longest ago (never before first).
    RoundRobin,
    /// The highest weight per open lead held: weight ÷ (open leads + 1).
    Weighted,
}

/// A tier's weight under the weighted strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TierWeight {
    /// Tier code.
    pub tier: String,
    /// Weight (1–100).
    pub weight: u32,
}

/// A routing rule as the brand configures it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Shown in the reason.
    pub name: String,
    /// Leads from under one of these region paths (`/R-EAST/CN-SH/`); empty: any region.
    #[serde(default)]
    pub lead_regions: Vec<String>,
    /// Leads of one of these industries; empty: any industry.
    #[serde(default)]
    pub lead_industries: Vec<String>,
    /// Partners located under one of these region paths; empty: in the lead's province.
    #[serde(default)]
    pub partner_regions: Vec<String>,
    /// Partners of one of these tiers; empty: any tier.
    #[serde(default)]
    pub tiers: Vec<String>,
    /// Certifications a partner must hold (all of them).
    #[serde(default)]
    pub certifications: Vec<String>,
    /// Only these partners (ids); empty: any partner passing the other conditions.
    #[serde(default)]
    pub partners: Vec<PartnerId>,
    /// Most open leads one partner may hold; none: no limit.
    #[serde(default)]
    pub capacity: Option<u32>,
    /// How one partner is picked.
    pub strategy: Strategy,
    /// Weights by tier (weighted strategy; tiers not listed weigh 1).
    #[serde(default)]
    pub weights: Vec<TierWeight>,
    /// Hours the partner has to accept or decline.
    pub sla_hours: u32,
}

/// What routing knows of a lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadFacts {
    /// The lead's region path.
    pub region_path: String,
    /// Its industry.
    pub industry: String,
    /// Partners that already had it.
    pub tried: Vec<PartnerId>,
}

/// What routing knows of a partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerFacts {
    /// Id.
    pub id: PartnerId,
    /// Tier code.
    pub tier: String,
    /// Region path.
    pub region_path: String,
    /// Certifications held now.
    pub certifications: Vec<String>,
    /// Leads it holds, assigned or accepted and not closed.
    pub open_leads: u32,
    /// When it was last assigned a lead (0: never).
    pub last_assigned_ms: i64,
}

/// Why a lead went where it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reason {
    /// The rule's position (1-based) and name.
    pub rule_position: usize,
    /// The rule's name.
    pub rule: String,
    /// What of the lead matched (`region /R-EAST/CN-SH/`, `industry 制造业`).
    pub matched: Vec<String>,
    /// Partners that passed the rule's conditions.
    pub eligible: usize,
    /// Of those, left out because they already had the lead.
    pub already_tried: usize,
    /// Of those, left out because they were at capacity.
    pub at_capacity: usize,
    /// How this partner was picked.
    pub picked_by: Strategy,
    /// The picked partner's open leads before this one.
    pub open_leads: u32,
    /// Its weight (weighted strategy).
    pub weight: Option<u32>,
    /// Rules tried before, each with why it gave no one (`no_match`, `no_partner`).
    pub skipped: Vec<Skipped>,
}

/// A rule that gave no one, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Skipped {
    /// The rule's name.
    pub rule: String,
    /// `no_match` (the lead's region or industry is not the rule's), `no_partner` (no eligible
    /// partner left: all tried, at capacity, or none fits).
    pub why: String,
}

/// The outcome of routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routed {
    /// To this partner, by this rule (index), with this reason.
    To {
        /// The partner.
        partner: PartnerId,
        /// The rule's index in the list.
        rule: usize,
        /// Why.
        reason: Reason,
    },
    /// Nobody: every rule skipped, each with why.
    Nobody(Vec<Skipped>),
}

/// Whether `path` lies under one of `roots` (region paths end with `/`, so a prefix is "under").
fn under(path: &str, roots: &[String]) -> bool {
    roots.iter().any(|root| path.starts_with(root.as_str()))
}

/// The path of the province a region lies in: its first three segments (`/R-EAST/CN-JS/`).
pub fn province_of(path: &str) -> &str {
    let mut slashes = 0;
    for (i, c) in path.char_indices() {
        if c == '/' {
            slashes += 1;
            if slashes == 3 {
                return &path[..=i];
            }
        }
    }
    path
}

impl Rule {
    /// Whether the rule applies to the lead (its region and industry), and what matched.
    pub fn matches(&self, lead: &LeadFacts) -> Option<Vec<String>> {
        let mut matched = Vec::new();
        if !self.lead_regions.is_empty() {
            let root = self.lead_regions.iter().find(|r| lead.region_path.starts_with(r.as_str()))?;
            matched.push(format!("region {root}"));
        }
        if !self.lead_industries.is_empty() {
            let industry = self.lead_industries.iter().find(|i| **i == lead.industry)?;
            matched.push(format!("industry {industry}"));
        }
        Some(matched)
    }

    /// Whether a partner passes the rule's own conditions for this lead (not capacity or history).
    pub fn fits(&self, lead: &LeadFacts, partner: &PartnerFacts) -> bool {
        let region_ok = if self.partner_regions.is_empty() {
            partner.region_path.starts_with(province_of(&lead.region_path))
        } else {
            under(&partner.region_path, &self.partner_regions)
        };
        region_ok && self.qualifies(partner)
    }

    /// Whether any of `partners` could ever take a lead under this rule (ignoring capacity and
    /// history): a rule that can route to no one is refused when saved. The same test as
    /// [`Rule::fits`], over every lead the rule matches.
    pub fn can_reach(&self, partners: &[PartnerFacts]) -> bool {
        partners.iter().any(|p| {
            let region_ok = if !self.partner_regions.is_empty() {
                under(&p.region_path, &self.partner_regions)
            } else if !self.lead_regions.is_empty() {
                // Some matched lead is in the partner's province.
                self.lead_regions.iter().any(|r| p.region_path.starts_with(province_of(r)))
            } else {
                true
            };
            region_ok && self.qualifies(p)
        })
    }

    /// The partner's tier, certifications and name, as the rule asks.
    fn qualifies(&self, partner: &PartnerFacts) -> bool {
        (self.tiers.is_empty() || self.tiers.contains(&partner.tier))
            && self.certifications.iter().all(|c| partner.certifications.contains(c))
            && (self.partners.is_empty() || self.partners.contains(&partner.id))
    }

    fn weight_of(&self, tier: &str) -> u32 {
        self.weights.iter().find(|w| w.tier == tier).map_or(1, |w| w.weight)
    }

    /// Checks the rule's own fields.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.name.trim().is_empty() {
            errors.push(FieldError::new("name", "required"));
        }
        if !(1..=720).contains(&self.sla_hours) {
            errors.push(FieldError::with_param("sla_hours", "out_of_range", "1–720"));
        }
        if self.capacity == Some(0) {
            errors.push(FieldError::with_param("capacity", "out_of_range", "1–10000"));
        }
        for (i, w) in self.weights.iter().enumerate() {
            if !(1..=100).contains(&w.weight) {
                errors.push(FieldError::with_param(format!("weights[{i}].weight"), "out_of_range", "1–100"));
            }
        }
        for (i, path) in self.lead_regions.iter().chain(&self.partner_regions).enumerate() {
            if !path.starts_with('/') || !path.ends_with('/') {
                errors.push(FieldError::new(format!("regions[{i}]"), "unknown_region"));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// Routes a lead through `rules` in order over `partners`.
pub fn route(rules: &[Rule], lead: &LeadFacts, partners: &[PartnerFacts]) -> Routed {
    let mut skipped = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        let Some(matched) = rule.matches(lead) else {
            skipped.push(Skipped { rule: rule.name.clone(), why: "no_match".into() });
            continue;
        };
        let fitting: Vec<&PartnerFacts> = partners.iter().filter(|p| rule.fits(lead, p)).collect();
        let fresh: Vec<&PartnerFacts> = fitting.iter().copied().filter(|p| !lead.tried.contains(&p.id)).collect();
        let open: Vec<&PartnerFacts> =
            fresh.iter().copied().filter(|p| rule.capacity.is_none_or(|cap| p.open_leads < cap)).collect();
        let picked = match rule.strategy {
            Strategy::RoundRobin => open.iter().copied().min_by_key(|p| (p.last_assigned_ms, p.id)),
            Strategy::Weighted => open.iter().copied().max_by(|a, b| {
                // weight_a / (open_a + 1) against weight_b / (open_b + 1), without division;
                // ties to the one assigned longest ago.
                let left = u64::from(rule.weight_of(&a.tier)) * u64::from(b.open_leads + 1);
                let right = u64::from(rule.weight_of(&b.tier)) * u64::from(a.open_leads + 1);
                left.cmp(&right).then_with(|| (b.last_assigned_ms, b.id).cmp(&(a.last_assigned_ms, a.id)))
            }),
        };
        let Some(partner) = picked else {
            skipped.push(Skipped { rule: rule.name.clone(), why: "no_partner".into() });
            continue;
        };
        let reason = Reason {
            rule_position: index + 1,
            rule: rule.name.clone(),
            matched,
            eligible: fitting.len(),
            already_tried: fitting.len() - fresh.len(),
            at_capacity: fresh.len() - open.len(),
            picked_by: rule.strategy,
            open_leads: partner.open_leads,
            weight: (rule.strategy == Strategy::Weighted).then(|| rule.weight_of(&partner.tier)),
            skipped,
        };
        return Routed::To { partner: partner.id, rule: index, reason };
    }
    Routed::Nobody(skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partner(n: u128, tier: &str, path: &str, open: u32, last: i64) -> PartnerFacts {
        PartnerFacts {
            id: uuid::Uuid::from_u128(n).to_string().parse().unwrap(),
            tier: tier.into(),
            region_path: path.into(),
            certifications: Vec::new(),
            open_leads: open,
            last_assigned_ms: last,
        }
    }

    fn rule(name: &str, strategy: Strategy) -> Rule {
        Rule {
            name: name.into(),
            lead_regions: vec!["/R-EAST/CN-SH/".into()],
            lead_industries: vec!["制造业".into()],
            partner_regions: Vec::new(),
            tiers: Vec::new(),
            certifications: Vec::new(),
            partners: Vec::new(),
            capacity: Some(2),
            strategy,
            weights: Vec::new(),
            sla_hours: 24,
        }
    }

    fn lead(tried: Vec<PartnerId>) -> LeadFacts {
        LeadFacts { region_path: "/R-EAST/CN-SH/CN-SH-SH/".into(), industry: "制造业".into(), tried }
    }

    #[test]
    fn round_robin_picks_the_one_assigned_longest_ago_and_never_twice() {
        let partners = [
            partner(1, "gold", "/R-EAST/CN-SH/CN-SH-SH/", 0, 500),
            partner(2, "gold", "/R-EAST/CN-SH/CN-SH-SH/", 0, 100),
            partner(3, "gold", "/R-EAST/CN-JS/", 0, 0),
        ];
        let rules = [rule("上海制造业", Strategy::RoundRobin)];
        let Routed::To { partner: first, reason, .. } = route(&rules, &lead(vec![]), &partners) else { panic!() };
        assert_eq!(first, partners[1].id, "assigned longest ago; the Jiangsu partner is in another province");
        assert_eq!(reason.eligible, 2);
        assert_eq!(reason.matched, ["region /R-EAST/CN-SH/", "industry 制造业"]);
        let Routed::To { partner: second, reason, .. } = route(&rules, &lead(vec![first]), &partners) else { panic!() };
        assert_eq!(second, partners[0].id);
        assert_eq!(reason.already_tried, 1);
        assert_eq!(
            route(&rules, &lead(vec![first, second]), &partners),
            Routed::Nobody(vec![Skipped { rule: "上海制造业".into(), why: "no_partner".into() }])
        );
    }

    #[test]
    fn capacity_and_weights_decide_and_rules_fall_through_in_order() {
        let partners = [
            partner(1, "gold", "/R-EAST/CN-SH/", 2, 0),
            partner(2, "silver", "/R-EAST/CN-SH/", 0, 0),
            partner(3, "gold", "/R-EAST/CN-SH/", 1, 0),
        ];
        let mut weighted = rule("加权", Strategy::Weighted);
        weighted.weights = vec![TierWeight { tier: "gold".into(), weight: 3 }];
        // Partner 1 is at capacity; gold 3/(1+1) = 1.5 beats silver 1/(0+1) = 1.
        let Routed::To { partner: picked, reason, .. } = route(&[weighted.clone()], &lead(vec![]), &partners) else {
            panic!()
        };
        assert_eq!(picked, partners[2].id);
        assert_eq!((reason.at_capacity, reason.weight), (1, Some(3)));
        let mut gold_only = rule("金牌专属", Strategy::RoundRobin);
        gold_only.tiers = vec!["platinum".into()];
        let mut elsewhere = rule("北京", Strategy::RoundRobin);
        elsewhere.lead_regions = vec!["/R-NORTH/".into()];
        let Routed::To { rule, reason, .. } = route(&[elsewhere, gold_only, weighted], &lead(vec![]), &partners) else {
            panic!()
        };
        assert_eq!(rule, 2);
        assert_eq!(reason.rule_position, 3);
        let whys: Vec<&str> = reason.skipped.iter().map(|s| s.why.as_str()).collect();
        assert_eq!(whys, ["no_match", "no_partner"]);
    }

    #[test]
    fn provinces_and_bad_rules() {
        assert_eq!(province_of("/R-EAST/CN-JS/CN-JS-NJ/"), "/R-EAST/CN-JS/");
        assert_eq!(province_of("/R-EAST/"), "/R-EAST/");
        let mut bad = rule(" ", Strategy::Weighted);
        bad.sla_hours = 0;
        bad.capacity = Some(0);
        bad.lead_regions = vec!["CN-SH".into()];
        let codes: Vec<&str> = bad.validate().unwrap_err().iter().map(|e| e.code).collect();
        assert_eq!(codes, ["required", "out_of_range", "out_of_range", "unknown_region"]);
        let partners = [partner(1, "gold", "/R-EAST/CN-SH/CN-SH-SH/", 0, 0)];
        let mut platinum = rule("白金", Strategy::RoundRobin);
        assert!(platinum.can_reach(&partners));
        platinum.tiers = vec!["platinum".into()];
        assert!(!platinum.can_reach(&partners), "no platinum partner at all");
        let mut certified = rule("认证", Strategy::RoundRobin);
        certified.certifications = vec!["INSTALL-L2".into()];
        assert!(!certified.can_reach(&partners));
        // A partner registered at area level fits no lead of a province: it cannot carry a rule.
        let mut shanghai = rule("上海", Strategy::RoundRobin);
        shanghai.lead_regions = vec!["/R-EAST/CN-SH/".into()];
        assert!(!shanghai.can_reach(&[partner(2, "gold", "/R-EAST/", 0, 0)]));
        assert!(shanghai.can_reach(&partners));
    }
}
