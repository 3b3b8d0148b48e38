//! A partner's contacts and addresses.

use qudao_domain::access::{Permission, RoleSide};
use qudao_domain::ids::{AddressId, ContactId, PartnerId};
use qudao_domain::partners::{AddressDraft, ContactDraft};
use qudao_store::partners::contacts::{self, AddressView, ContactView};
use qudao_store::partners::{self, regions};
use qudao_store::{Tx, audit};

use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// Checks the caller may edit this partner's contacts: it must be visible (else 404), and a
/// partner user may only edit its own company, not a sub-dealer it can see (else 403).
async fn editable(tx: &mut Tx, ctx: &Ctx, partner: PartnerId) -> AppResult<()> {
    ctx.require(Permission::PartnerContactsWrite)?;
    partners::get(tx, partner).await?.ok_or(AppError::NotFound)?;
    if ctx.caller().role().side() == RoleSide::Partner && ctx.caller().partner_id() != Some(partner) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// Adds a contact person.
pub async fn add_contact(
    app: &App,
    ctx: &Ctx,
    partner: PartnerId,
    draft: &ContactDraft,
    idem: Option<&IdemKey>,
) -> AppResult<ContactView> {
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    editable(&mut tx, ctx, partner).await?;
    let id = contacts::add_contact(&mut tx, partner, draft, now).await?;
    let view =
        contacts::contacts_of(&mut tx, partner).await?.into_iter().find(|c| c.id == id).ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "partner_contact", id, "create", Some(partner), None, Some(&view)))
        .await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// Removes a contact person.
pub async fn remove_contact(app: &App, ctx: &Ctx, partner: PartnerId, id: ContactId) -> AppResult<()> {
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    editable(&mut tx, ctx, partner).await?;
    let removed = contacts::remove_contact(&mut tx, partner, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(
        &mut tx,
        &ctx.audit::<_, ()>(now, "partner_contact", id, "delete", Some(partner), Some(&removed), None),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds an address in a known region.
pub async fn add_address(
    app: &App,
    ctx: &Ctx,
    partner: PartnerId,
    draft: &AddressDraft,
    idem: Option<&IdemKey>,
) -> AppResult<AddressView> {
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    editable(&mut tx, ctx, partner).await?;
    let region = regions::by_code(&mut tx, &draft.region_code)
        .await?
        .ok_or_else(|| AppError::field("region", "unknown_region"))?;
    let id = contacts::add_address(&mut tx, partner, draft, region.id, now).await?;
    let view =
        contacts::addresses_of(&mut tx, partner).await?.into_iter().find(|a| a.id == id).ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "partner_address", id, "create", Some(partner), None, Some(&view)))
        .await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// Removes an address.
pub async fn remove_address(app: &App, ctx: &Ctx, partner: PartnerId, id: AddressId) -> AppResult<()> {
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    editable(&mut tx, ctx, partner).await?;
    let removed = contacts::remove_address(&mut tx, partner, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(
        &mut tx,
        &ctx.audit::<_, ()>(now, "partner_address", id, "delete", Some(partner), Some(&removed), None),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
