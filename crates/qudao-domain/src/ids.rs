//! Typed identifiers.
//!
//! Every id is a UUID v7 (time-ordered for index locality, 74 random bits so they cannot be
//! guessed or enumerated) wrapped in its own type, so a `PartnerId` can never be passed where a
//! `UserId` is expected. Ids are stored as TEXT in both databases.

use std::fmt;
use std::str::FromStr;

/// The error for a string that is not a well-formed id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid id")]
pub struct BadId;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A fresh, unguessable, time-ordered id.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }

            /// The underlying UUID, for storage.
            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl FromStr for $name {
            type Err = BadId;
            fn from_str(s: &str) -> Result<Self, BadId> {
                // Only the canonical hyphenated lower-case form is accepted, so an id has exactly
                // one spelling and lookups by string stay exact.
                let uuid = uuid::Uuid::try_parse(s).map_err(|_| BadId)?;
                if uuid.hyphenated().to_string() != s {
                    return Err(BadId);
                }
                Ok(Self(uuid))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0.hyphenated())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }
    )*};
}

typed_id! {
    /// A partner company (distributor, sub-dealer, agent or retailer).
    PartnerId;
    /// A person at a partner company, attached to one partner.
    ContactId;
    /// A delivery, billing or office address of a partner.
    AddressId;
    /// A user of Qudao, brand staff or partner staff.
    UserId;
    /// A region: 大区, province or city.
    RegionId;
    /// A partner tier (Platinum, Gold…).
    TierId;
    /// A product category.
    CategoryId;
    /// A brand of products.
    BrandId;
    /// A unit of measure (瓶, 箱…).
    UnitId;
    /// A product, the thing partners recognise; it has one or more SKUs.
    ProductId;
    /// A stock-keeping unit: one orderable variant of a product.
    SkuId;
    /// An uploaded file (image, proof, import sheet).
    FileId;
    /// An API key for integrations.
    ApiKeyId;
    /// A row of the audit log.
    AuditId;
    /// A channel manager's assignment to a region or partner.
    AssignmentId;
    /// A price list.
    PriceListId;
    /// A promotion.
    PromotionId;
    /// An account of the double-entry ledger.
    AccountId;
    /// A journal entry (a set of postings that sum to zero).
    EntryId;
    /// A warehouse.
    WarehouseId;
    /// An order.
    OrderId;
    /// A shipment: one parcel of an order from one warehouse.
    ShipmentId;
    /// A return (退货) against an order.
    ReturnId;
    /// An ordering fair (订货会).
    FairId;
    /// A saved list (常购清单).
    SavedListId;
    /// A business event in the outbox; also the `webhook-id` an ERP deduplicates on.
    EventId;
    /// A webhook endpoint an admin subscribed.
    EndpointId;
    /// One event's delivery to one endpoint.
    DeliveryId;
    /// One attempt at a delivery.
    AttemptId;
    /// Money received from a partner (回款).
    ReceiptId;
    /// An invoice (发票) the ERP issued for an order.
    InvoiceId;
    /// A message from the ERP that was refused, kept for the admin.
    RejectionId;
    /// A statement (对账单) issued to a partner for a period.
    StatementId;
    /// A manual adjustment (调账) of a partner's balance.
    AdjustmentId;
    /// An online payment of an order through a payment provider.
    PaymentId;
    /// Money given back through a payment provider.
    RefundId;
    /// An approval flow an administrator configured (its versions share the id).
    FlowId;
    /// One object's way through its approval flow.
    ApprovalId;
    /// One step of an approval's history.
    ApprovalActionId;
    /// A hand-over of one's approvals to someone else while away.
    DelegationId;
    /// A message on an object's thread.
    MessageId;
    /// One entry of a person's notification inbox.
    NotificationId;
    /// A partner's claim on an end customer (客户报备).
    RegistrationId;
    /// One entry of a registration's timeline.
    RegistrationEventId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_their_canonical_text() {
        let id = PartnerId::new();
        let text = id.to_string();
        assert_eq!(text.parse::<PartnerId>(), Ok(id));
    }

    #[test]
    fn non_canonical_spellings_are_refused() {
        let id = PartnerId::new();
        assert_eq!(id.to_string().to_uppercase().parse::<PartnerId>(), Err(BadId));
        assert_eq!(id.to_string().replace('-', "").parse::<PartnerId>(), Err(BadId));
        assert_eq!("42".parse::<PartnerId>(), Err(BadId));
    }

    #[test]
    fn fresh_ids_differ_and_sort_by_creation() {
        let a = UserId::new();
        let b = UserId::new();
        assert_ne!(a, b);
        assert!(a < b);
    }
}
