//! Turning the codes in a partner draft into rows: tier, region, parent.

use qudao_domain::partners::{PartnerDraft, PartnerKind};
use qudao_domain::{FieldError, Invalid};
use qudao_store::Tx;
use qudao_store::partners::regions::Region;
use qudao_store::partners::tiers::Tier;
use qudao_store::partners::{self, PartnerView, regions, tiers};

use crate::AppResult;

/// A draft's references, found.
pub(crate) struct Resolved {
    pub tier: Tier,
    pub region: Region,
    pub parent: Option<PartnerView>,
}

/// Finds the tier, region and parent a draft names, within the transaction's scope; every
/// reference that cannot be found becomes a field error, as does a credit code already taken.
pub(crate) async fn resolve(tx: &mut Tx, draft: &PartnerDraft, invalid: &mut Invalid) -> AppResult<Option<Resolved>> {
    let tier = tiers::by_code(tx, &draft.tier_code).await?;
    if tier.is_none() {
        invalid.push(FieldError::new("tier", "unknown_tier"));
    }
    let region = regions::by_code(tx, &draft.region_code).await?;
    match &region {
        None => invalid.push(FieldError::new("region", "unknown_region")),
        Some(region) if !partners::region_in_scope(tx, &region.path).await? => {
            invalid.push(FieldError::new("region", "outside_territory"));
        }
        Some(_) => {}
    }
    let parent = match &draft.parent_code {
        None => None,
        Some(code) => {
            let parent = partners::get_by_code(tx, code).await?;
            match &parent {
                None => invalid.push(FieldError::new("parent", "unknown_partner")),
                Some(p) if p.kind != PartnerKind::Distributor => {
                    invalid.push(FieldError::new("parent", "parent_not_distributor"));
                }
                Some(_) => {}
            }
            parent
        }
    };
    if let Some(code) = &draft.credit_code
        && partners::credit_code_taken(tx, code.as_str(), None).await?
    {
        invalid.push(FieldError::new("credit_code", "already_taken"));
    }
    Ok(match (tier, region) {
        (Some(tier), Some(region)) if invalid.is_empty() => Some(Resolved { tier, region, parent }),
        _ => None,
    })
}
