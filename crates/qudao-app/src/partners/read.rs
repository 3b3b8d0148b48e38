//! Reading partners, and the regions and tiers they are filed under.

use qudao_domain::access::Permission;
use qudao_domain::ids::PartnerId;
use qudao_store::page::{Page, PageRequest};
use qudao_store::partners::contacts::{self, AddressView, ContactView};
use qudao_store::partners::regions::{self, Region};
use qudao_store::partners::tiers::{self, Tier};
use qudao_store::partners::{self, PartnerFilter, PartnerRef, PartnerView};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{App, AppError, AppResult, Ctx};

/// A partner with everything its page shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerDetail {
    /// The partner.
    #[serde(flatten)]
    pub partner: PartnerView,
    /// Its contacts, main contact first.
    pub contacts: Vec<ContactView>,
    /// Its addresses.
    pub addresses: Vec<AddressView>,
    /// Its sub-dealers the caller may see.
    pub sub_dealers: Vec<PartnerRef>,
}

/// One partner the caller may see; outside the scope it is "not found", exactly like a missing
/// one.
pub async fn get_partner(app: &App, ctx: &Ctx, id: PartnerId) -> AppResult<PartnerDetail> {
    ctx.require(Permission::PartnersRead)?;
    let mut tx = app.read(ctx).await?;
    let partner = partners::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let contacts = contacts::contacts_of(&mut tx, id).await?;
    let addresses = contacts::addresses_of(&mut tx, id).await?;
    let sub_dealers = partners::sub_dealers(&mut tx, id).await?;
    Ok(PartnerDetail { partner, contacts, addresses, sub_dealers })
}

/// A page of the partners the caller may see.
pub async fn list_partners(
    app: &App,
    ctx: &Ctx,
    filter: &PartnerFilter,
    page: &PageRequest,
) -> AppResult<Page<PartnerView>> {
    ctx.require(Permission::PartnersRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(partners::list(&mut tx, filter, page).await?)
}

/// Every region (master data, readable by every signed-in user).
pub async fn list_regions(app: &App, ctx: &Ctx) -> AppResult<Vec<Region>> {
    ctx.require(Permission::SignedIn)?;
    let mut tx = app.read(ctx).await?;
    Ok(regions::all(&mut tx).await?)
}

/// Every tier (master data).
pub async fn list_tiers(app: &App, ctx: &Ctx) -> AppResult<Vec<Tier>> {
    ctx.require(Permission::SignedIn)?;
    let mut tx = app.read(ctx).await?;
    Ok(tiers::all(&mut tx).await?)
}

/// How many partners the caller sees in each status, for the dashboard.
pub async fn partner_counts(app: &App, ctx: &Ctx) -> AppResult<Vec<(qudao_domain::partners::PartnerStatus, i64)>> {
    ctx.require(Permission::PartnersRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(partners::count_by_status(&mut tx).await?)
}
