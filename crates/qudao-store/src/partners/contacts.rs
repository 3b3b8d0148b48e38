//! A partner's contacts and addresses. Both are reached through their partner, so the scope's
//! predicate is applied to the partner column of every statement.

use qudao_domain::ids::{AddressId, ContactId, PartnerId, RegionId};
use qudao_domain::partners::{AddressDraft, AddressKind, ContactDraft};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreError, StoreResult, Tx};

/// A contact person as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactView {
    /// Id.
    pub id: ContactId,
    /// The partner.
    pub partner_id: PartnerId,
    /// Name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// The main contact.
    pub primary: bool,
}

/// An address as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AddressView {
    /// Id.
    pub id: AddressId,
    /// The partner.
    pub partner_id: PartnerId,
    /// What it is for.
    pub kind: AddressKind,
    /// City.
    pub region_id: RegionId,
    /// City code.
    pub region_code: String,
    /// City, province and 大区 names in Chinese, top first.
    pub region_name_zh: String,
    /// The same in English.
    pub region_name_en: String,
    /// Street, building, room.
    pub detail: String,
    /// Recipient.
    pub recipient: Option<String>,
    /// Recipient's phone.
    pub phone: Option<String>,
    /// The default of its kind.
    pub is_default: bool,
}

/// The visible contacts of a partner, main contact first.
pub async fn contacts_of(tx: &mut Tx, partner: PartnerId) -> StoreResult<Vec<ContactView>> {
    let mut sql = Sql::new(
        "SELECT id, partner_id, name, title, phone, email, is_primary FROM partner_contacts WHERE partner_id = ",
    );
    sql.bind(partner);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.push(" ORDER BY is_primary DESC, created_ms, id");
    let rows = sql.fetch_all(tx.conn()).await?;
    rows.iter()
        .map(|row| {
            Ok(ContactView {
                id: row.parse("id")?,
                partner_id: row.parse("partner_id")?,
                name: row.text("name")?,
                title: row.opt_text("title")?,
                phone: row.opt_text("phone")?,
                email: row.opt_text("email")?,
                primary: row.flag("is_primary")?,
            })
        })
        .collect()
}

/// Adds a contact; a new main contact demotes the previous one.
pub async fn add_contact(tx: &mut Tx, partner: PartnerId, draft: &ContactDraft, now_ms: i64) -> StoreResult<ContactId> {
    if draft.primary {
        let mut sql = Sql::new("UPDATE partner_contacts SET is_primary = 0 WHERE partner_id = ");
        sql.bind(partner);
        tx.scope().filter_partner(&mut sql, "partner_id");
        sql.execute(tx.conn()).await?;
    }
    let id = ContactId::new();
    let mut sql = Sql::new(
        "INSERT INTO partner_contacts (id, partner_id, name, title, phone, email, is_primary, created_ms) VALUES (",
    );
    sql.bind(id).push(", ").bind(partner).push(", ").bind(draft.name.as_str());
    sql.push(", ").bind(draft.title.as_deref()).push(", ").bind(draft.phone.as_deref());
    sql.push(", ").bind(draft.email.as_deref()).push(", ").bind(draft.primary);
    sql.push(", ").bind(now_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(id)
}

/// Deletes a visible contact of `partner`; the deleted row, or `None` if there was none to see.
pub async fn remove_contact(tx: &mut Tx, partner: PartnerId, id: ContactId) -> StoreResult<Option<ContactView>> {
    let Some(existing) = contacts_of(tx, partner).await?.into_iter().find(|c| c.id == id) else {
        return Ok(None);
    };
    let mut sql = Sql::new("DELETE FROM partner_contacts WHERE id = ");
    sql.bind(id).push_bind(" AND partner_id = ", partner);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.execute(tx.conn()).await?;
    Ok(Some(existing))
}

/// The visible addresses of a partner, defaults first.
pub async fn addresses_of(tx: &mut Tx, partner: PartnerId) -> StoreResult<Vec<AddressView>> {
    let mut sql = Sql::new(
        "SELECT a.id, a.partner_id, a.kind, a.region_id, r.code AS region_code, \
         r.name_zh AS zh1, r.name_en AS en1, r2.name_zh AS zh2, r2.name_en AS en2, \
         r3.name_zh AS zh3, r3.name_en AS en3, \
         a.detail, a.recipient, a.phone, a.is_default FROM partner_addresses a \
         JOIN regions r ON r.id = a.region_id LEFT JOIN regions r2 ON r2.id = r.parent_id \
         LEFT JOIN regions r3 ON r3.id = r2.parent_id WHERE a.partner_id = ",
    );
    sql.bind(partner);
    tx.scope().filter_partner(&mut sql, "a.partner_id");
    sql.push(" ORDER BY a.kind, a.is_default DESC, a.created_ms, a.id");
    let rows = sql.fetch_all(tx.conn()).await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in &rows {
        let kind = row.text("kind")?;
        let mut zh = Vec::new();
        let mut en = Vec::new();
        for level in ["3", "2", "1"] {
            if let Some(name) = row.opt_text(&format!("zh{level}"))? {
                zh.push(name);
            }
            if let Some(name) = row.opt_text(&format!("en{level}"))? {
                en.push(name);
            }
        }
        views.push(AddressView {
            id: row.parse("id")?,
            partner_id: row.parse("partner_id")?,
            kind: AddressKind::parse("kind", &kind).map_err(|_| StoreError::Corrupt(format!("kind {kind}")))?,
            region_id: row.parse("region_id")?,
            region_code: row.text("region_code")?,
            region_name_zh: zh.join(" "),
            region_name_en: en.join(" / "),
            detail: row.text("detail")?,
            recipient: row.opt_text("recipient")?,
            phone: row.opt_text("phone")?,
            is_default: row.flag("is_default")?,
        });
    }
    Ok(views)
}

/// Adds an address in `region`; a new default demotes the previous default of its kind.
pub async fn add_address(
    tx: &mut Tx,
    partner: PartnerId,
    draft: &AddressDraft,
    region: RegionId,
    now_ms: i64,
) -> StoreResult<AddressId> {
    if draft.is_default {
        let mut sql = Sql::new("UPDATE partner_addresses SET is_default = 0 WHERE partner_id = ");
        sql.bind(partner).push_bind(" AND kind = ", draft.kind.as_str());
        tx.scope().filter_partner(&mut sql, "partner_id");
        sql.execute(tx.conn()).await?;
    }
    let id = AddressId::new();
    let mut sql = Sql::new(
        "INSERT INTO partner_addresses (id, partner_id, kind, region_id, detail, recipient, phone, is_default, \
         created_ms) VALUES (",
    );
    sql.bind(id).push(", ").bind(partner).push(", ").bind(draft.kind.as_str()).push(", ").bind(region);
    sql.push(", ").bind(draft.detail.as_str()).push(", ").bind(draft.recipient.as_deref());
    sql.push(", ").bind(draft.phone.as_deref()).push(", ").bind(draft.is_default);
    sql.push(", ").bind(now_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(id)
}

/// Deletes a visible address of `partner`; the deleted row, or `None`.
pub async fn remove_address(tx: &mut Tx, partner: PartnerId, id: AddressId) -> StoreResult<Option<AddressView>> {
    let Some(existing) = addresses_of(tx, partner).await?.into_iter().find(|a| a.id == id) else {
        return Ok(None);
    };
    let mut sql = Sql::new("DELETE FROM partner_addresses WHERE id = ");
    sql.bind(id).push_bind(" AND partner_id = ", partner);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.execute(tx.conn()).await?;
    Ok(Some(existing))
}
