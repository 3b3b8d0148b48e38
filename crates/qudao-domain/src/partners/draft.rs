//! Partner input as typed in a form, an API body or an import row, parsed into checked drafts.
//!
//! References to other records (tier, region, parent) stay as the codes the user typed; the use
//! case resolves them against the store, within the caller's scope, and reports unknown ones as
//! field errors of the same shape.

use super::{AddressKind, CreditCode, PartnerKind, PartnerStatus, parse_email, parse_phone};
use crate::{FieldError, Invalid, text};

/// Raw partner fields, every one optional so that one type serves create, update and import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartnerInput {
    /// Legal name in Chinese (or the company's own language).
    pub name: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// 简称.
    pub short_name: Option<String>,
    /// `distributor`, `sub_dealer`, `agent` or `retailer`.
    pub kind: Option<String>,
    /// Tier code (`gold`).
    pub tier: Option<String>,
    /// Region code of the partner's city or province.
    pub region: Option<String>,
    /// Code of the parent distributor, for sub-dealers.
    pub parent: Option<String>,
    /// 统一社会信用代码.
    pub credit_code: Option<String>,
    /// Initial status; new partners are prospects unless said otherwise.
    pub status: Option<String>,
    /// Free remark.
    pub remark: Option<String>,
}

/// A partner whose fields all parsed; references still to be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerDraft {
    /// Cleaned legal name.
    pub name: String,
    /// Cleaned English name.
    pub name_en: Option<String>,
    /// Cleaned short name.
    pub short_name: Option<String>,
    /// The kind of partner.
    pub kind: PartnerKind,
    /// Tier code, lower case.
    pub tier_code: String,
    /// Region code, as typed (upper case).
    pub region_code: String,
    /// Parent partner code, if any.
    pub parent_code: Option<String>,
    /// Checked credit code.
    pub credit_code: Option<CreditCode>,
    /// Initial status.
    pub status: PartnerStatus,
    /// Remark.
    pub remark: Option<String>,
}

/// Longest legal name accepted.
pub const NAME_MAX: usize = 100;

impl PartnerDraft {
    /// Parses every field, collecting all errors rather than stopping at the first.
    pub fn parse(input: &PartnerInput) -> Result<PartnerDraft, Invalid> {
        let mut invalid = Invalid::new();
        let name = invalid.check(text::required("name", input.name.as_deref().unwrap_or(""), NAME_MAX));
        let name_en = invalid.check(text::optional("name_en", input.name_en.as_deref(), 150));
        let short_name = invalid.check(text::optional("short_name", input.short_name.as_deref(), 30));
        let kind = match input.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                invalid.push(FieldError::new("kind", "required"));
                None
            }
            Some(kind) => invalid.check(PartnerKind::parse("kind", kind)),
        };
        let tier_code =
            invalid.check(text::required("tier", input.tier.as_deref().unwrap_or(""), 40)).map(|t| t.to_lowercase());
        let region_code = invalid.check(text::code("region", input.region.as_deref().unwrap_or(""), 40));
        let parent_code = match input.parent.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(parent) => invalid.check(text::code("parent", parent, 40)),
        };
        let credit_code = match input.credit_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(code) => invalid.check(CreditCode::parse("credit_code", code)),
        };
        let status = match input.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(PartnerStatus::Prospect),
            Some(status) => invalid.check(PartnerStatus::parse("status", status)),
        };
        let remark = invalid.check(text::optional_multiline("remark", input.remark.as_deref(), 1000));
        if kind == Some(PartnerKind::SubDealer) && input.parent.as_deref().unwrap_or("").trim().is_empty() {
            invalid.push(FieldError::new("parent", "sub_dealer_needs_parent"));
        }
        if matches!(kind, Some(PartnerKind::Distributor | PartnerKind::Agent)) && parent_code.is_some() {
            invalid.push(FieldError::new("parent", "parent_not_allowed"));
        }
        match (name, kind, tier_code, region_code, status) {
            (Some(name), Some(kind), Some(tier_code), Some(region_code), Some(status)) if invalid.is_empty() => {
                Ok(PartnerDraft {
                    name,
                    name_en: name_en.flatten(),
                    short_name: short_name.flatten(),
                    kind,
                    tier_code,
                    region_code,
                    parent_code,
                    credit_code,
                    status,
                    remark: remark.flatten(),
                })
            }
            _ => Err(invalid),
        }
    }
}

/// A checked contact person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDraft {
    /// Name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Normalised phone.
    pub phone: Option<String>,
    /// Lower-cased e-mail.
    pub email: Option<String>,
    /// Main contact.
    pub primary: bool,
}

impl ContactDraft {
    /// Parses a contact; a contact needs a name and at least one way to reach them.
    pub fn parse(
        name: &str,
        title: Option<&str>,
        phone: Option<&str>,
        email: Option<&str>,
        primary: bool,
    ) -> Result<ContactDraft, Invalid> {
        let mut invalid = Invalid::new();
        let name = invalid.check(text::required("name", name, 50));
        let title = invalid.check(text::optional("title", title, 50)).flatten();
        let phone = match phone.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(phone) => invalid.check(parse_phone("phone", phone)),
        };
        let email = match email.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(email) => invalid.check(parse_email("email", email)),
        };
        if invalid.is_empty() && phone.is_none() && email.is_none() {
            invalid.push(FieldError::new("phone", "phone_or_email_required"));
        }
        match name {
            Some(name) if invalid.is_empty() => Ok(ContactDraft { name, title, phone, email, primary }),
            _ => Err(invalid),
        }
    }
}

/// A checked address; the region is a city code resolved by the use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressDraft {
    /// What the address is for.
    pub kind: AddressKind,
    /// Region code (city).
    pub region_code: String,
    /// Street, building, room.
    pub detail: String,
    /// Who receives deliveries.
    pub recipient: Option<String>,
    /// Their phone.
    pub phone: Option<String>,
    /// The default of its kind.
    pub is_default: bool,
}

impl AddressDraft {
    /// Parses an address.
    pub fn parse(
        kind: &str,
        region: &str,
        detail: &str,
        recipient: Option<&str>,
        phone: Option<&str>,
        is_default: bool,
    ) -> Result<AddressDraft, Invalid> {
        let mut invalid = Invalid::new();
        let kind = invalid.check(AddressKind::parse("kind", kind));
        let region_code = invalid.check(text::code("region", region, 40));
        let detail = invalid.check(text::required("detail", detail, 200));
        let recipient = invalid.check(text::optional("recipient", recipient, 50)).flatten();
        let phone = match phone.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(phone) => invalid.check(parse_phone("phone", phone)),
        };
        match (kind, region_code, detail) {
            (Some(kind), Some(region_code), Some(detail)) if invalid.is_empty() => {
                Ok(AddressDraft { kind, region_code, detail, recipient, phone, is_default })
            }
            _ => Err(invalid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> PartnerInput {
        PartnerInput {
            name: Some(" 上海渠道 科技有限公司 ".into()),
            kind: Some("distributor".into()),
            tier: Some("Gold".into()),
            region: Some("cn-sh".into()),
            ..PartnerInput::default()
        }
    }

    #[test]
    fn a_minimal_partner_parses_as_a_prospect() {
        let draft = PartnerDraft::parse(&input()).unwrap();
        assert_eq!(draft.name, "上海渠道 科技有限公司");
        assert_eq!(draft.tier_code, "gold");
        assert_eq!(draft.region_code, "CN-SH");
        assert_eq!(draft.status, PartnerStatus::Prospect);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = PartnerInput {
            name: Some("x".repeat(101)),
            kind: Some("wholesaler".into()),
            credit_code: Some("123".into()),
            ..PartnerInput::default()
        };
        let errors = PartnerDraft::parse(&bad).unwrap_err().errors;
        let fields: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert!(fields.contains(&("name", "too_long")));
        assert!(fields.contains(&("kind", "invalid_choice")));
        assert!(fields.contains(&("tier", "required")));
        assert!(fields.contains(&("region", "required")));
        assert!(fields.contains(&("credit_code", "invalid_credit_code")));
    }

    #[test]
    fn sub_dealers_need_a_parent_and_distributors_may_not_have_one() {
        let mut sub = input();
        sub.kind = Some("sub_dealer".into());
        let errors = PartnerDraft::parse(&sub).unwrap_err().errors;
        assert_eq!(errors[0].code, "sub_dealer_needs_parent");
        let mut dist = input();
        dist.parent = Some("P-000001".into());
        assert_eq!(PartnerDraft::parse(&dist).unwrap_err().errors[0].code, "parent_not_allowed");
    }

    #[test]
    fn contacts_need_a_way_to_reach_them() {
        assert_eq!(
            ContactDraft::parse("李雷", None, None, None, true).unwrap_err().errors[0].code,
            "phone_or_email_required"
        );
        let contact = ContactDraft::parse("李雷", Some("采购"), Some("13800138000"), None, true).unwrap();
        assert_eq!(contact.phone.as_deref(), Some("13800138000"));
    }
}
