//! The aging report (账龄): what each visible partner owes on credit, by days past due.

use std::collections::BTreeMap;

use qudao_domain::access::Permission;
use qudao_domain::finance::Buckets;
use qudao_domain::ids::PartnerId;
use qudao_store::finance::receipts;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{App, AppResult, Ctx};

/// One partner's line.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct PartnerAging {
    /// The partner.
    pub partner_id: PartnerId,
    /// Its code.
    pub partner_code: String,
    /// Its name.
    pub partner_name: String,
    /// What it owes, by days past due.
    #[serde(flatten)]
    pub buckets: Buckets,
    /// Everything it owes.
    pub total: i64,
    /// Of which overdue.
    pub overdue: i64,
    /// Credit orders still owing.
    pub orders: usize,
}

/// The report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgingReport {
    /// The moment it was computed for.
    pub as_of_ms: i64,
    /// The brand's credit terms, days after approval, for partners without terms of their own.
    pub terms_days: i64,
    /// Partners owing anything, most overdue first.
    pub partners: Vec<PartnerAging>,
    /// All of them together.
    pub totals: Buckets,
}

/// Ages what the caller's visible partners owe on credit, as of now.
pub async fn aging_report(app: &App, ctx: &Ctx) -> AppResult<AgingReport> {
    ctx.require(Permission::AccountsRead)?;
    let now = app.now_ms();
    let mut tx = app.read(ctx).await?;
    let terms_days = super::default_terms_days(&mut tx).await?;
    let owing = receipts::owing(&mut tx, None).await?;
    drop(tx);
    let mut by_partner: BTreeMap<PartnerId, PartnerAging> = BTreeMap::new();
    for o in owing {
        let line = by_partner.entry(o.partner_id).or_insert_with(|| PartnerAging {
            partner_id: o.partner_id,
            partner_code: o.partner_code.clone(),
            partner_name: o.partner_name.clone(),
            buckets: Buckets::default(),
            total: 0,
            overdue: 0,
            orders: 0,
        });
        line.buckets.add(o.owing, o.due_ms(terms_days), now);
        line.orders += 1;
    }
    let mut totals = Buckets::default();
    let mut partners: Vec<PartnerAging> = by_partner
        .into_values()
        .map(|mut line| {
            line.total = line.buckets.total();
            line.overdue = line.buckets.overdue();
            totals = totals.plus(&line.buckets);
            line
        })
        .collect();
    partners.sort_by(|a, b| {
        b.overdue.cmp(&a.overdue).then(b.total.cmp(&a.total)).then(a.partner_code.cmp(&b.partner_code))
    });
    Ok(AgingReport { as_of_ms: now, terms_days, partners, totals })
}
