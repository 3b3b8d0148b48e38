//! A registration (客户报备): a partner's claim on an end customer, its checked fields, its status
//! and its protection period (保护期).
//!
//! The first valid registration of a customer wins while its protection lasts; after that the
//! customer goes back to a pool any partner can claim. Every change is a status move checked
//! here, so the store only has to write what these rules allow.

use serde::Serialize;

use crate::money::{Currency, Money};
use crate::partners::{CreditCode, parse_email, parse_phone};
use crate::{FieldError, Invalid, dates, text};

/// Where a registration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// Waiting for the brand (a conflict to review, or no automatic approval).
    Pending,
    /// Protected: the customer is this partner's until the protection ends.
    Approved,
    /// Became an opportunity that was won (or an order).
    Converted,
    /// The protection ended without conversion; the customer is in the pool.
    Expired,
    /// Given up by the partner or taken back by the brand; the customer is in the pool.
    Released,
    /// Refused (a duplicate, or the brand said no).
    Rejected,
}

impl RegistrationStatus {
    /// Every status, in the order a registration moves through them.
    pub const ALL: [RegistrationStatus; 6] = [
        RegistrationStatus::Pending,
        RegistrationStatus::Approved,
        RegistrationStatus::Converted,
        RegistrationStatus::Expired,
        RegistrationStatus::Released,
        RegistrationStatus::Rejected,
    ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Pending => "pending",
            RegistrationStatus::Approved => "approved",
            RegistrationStatus::Converted => "converted",
            RegistrationStatus::Expired => "expired",
            RegistrationStatus::Released => "released",
            RegistrationStatus::Rejected => "rejected",
        }
    }

    /// Reads a stored code.
    pub fn parse(code: &str) -> Option<RegistrationStatus> {
        RegistrationStatus::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// Whether the registration still holds (or may come to hold) its customer: pending and
    /// approved ones are what later registrations conflict with.
    pub fn holds(self) -> bool {
        matches!(self, RegistrationStatus::Pending | RegistrationStatus::Approved)
    }

    /// Whether moving to `to` is allowed.
    pub fn can_move_to(self, to: RegistrationStatus) -> bool {
        use RegistrationStatus::*;
        matches!(
            (self, to),
            (Pending, Approved | Rejected)
                | (Approved, Converted | Expired | Released | Rejected)
                | (Pending, Released)
        )
    }
}

/// The brand's protection rules: how long a claim lasts per tier, how it may be extended, when
/// partners are reminded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ProtectionRules {
    /// Days of protection for tiers not listed.
    pub default_days: u32,
    /// Days per tier code (`gold` → 180).
    pub tier_days: Vec<TierDays>,
    /// Days one extension adds.
    pub extension_days: u32,
    /// Extensions granted by rule, without asking anyone; later ones go to a channel manager.
    pub auto_extensions: u32,
    /// Extensions allowed at all.
    pub max_extensions: u32,
    /// Days before expiry the partner is reminded.
    pub remind_days: u32,
}

/// A tier's protection length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct TierDays {
    /// The tier's code.
    pub tier: String,
    /// Days of protection.
    pub days: u32,
}

impl Default for ProtectionRules {
    fn default() -> Self {
        ProtectionRules {
            default_days: 90,
            tier_days: Vec::new(),
            extension_days: 30,
            auto_extensions: 1,
            max_extensions: 3,
            remind_days: 7,
        }
    }
}

/// A day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

impl ProtectionRules {
    /// Days of protection for a partner of this tier.
    pub fn days_for(&self, tier: &str) -> u32 {
        self.tier_days.iter().find(|t| t.tier == tier).map_or(self.default_days, |t| t.days)
    }

    /// When a protection starting now ends.
    pub fn ends_at(&self, tier: &str, now_ms: i64) -> i64 {
        now_ms + i64::from(self.days_for(tier)) * DAY_MS
    }

    /// What to do with a request for one more extension, after `granted` earlier ones.
    pub fn extension(&self, granted: u32) -> Extension {
        if granted >= self.max_extensions {
            Extension::Refused
        } else if granted < self.auto_extensions {
            Extension::Granted
        } else {
            Extension::NeedsApproval
        }
    }

    /// Checks the numbers make sense.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut invalid = Invalid::new();
        if !(1..=3650).contains(&self.default_days) {
            invalid.push(FieldError::with_param("default_days", "out_of_range", "1–3650"));
        }
        for (i, tier) in self.tier_days.iter().enumerate() {
            if !(1..=3650).contains(&tier.days) {
                invalid.push(FieldError::with_param(format!("tier_days[{i}].days"), "out_of_range", "1–3650"));
            }
        }
        if !(1..=365).contains(&self.extension_days) {
            invalid.push(FieldError::with_param("extension_days", "out_of_range", "1–365"));
        }
        if self.auto_extensions > self.max_extensions {
            invalid.push(FieldError::new("auto_extensions", "more_than_max_extensions"));
        }
        if self.remind_days > 60 {
            invalid.push(FieldError::with_param("remind_days", "out_of_range", "0–60"));
        }
        invalid.into_result()
    }
}

/// The answer to an extension request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    /// Granted by rule at once.
    Granted,
    /// A channel manager decides.
    NeedsApproval,
    /// No more extensions are allowed.
    Refused,
}

/// Raw registration fields as typed in the form or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationInput {
    /// The customer's legal name.
    pub customer_name: String,
    /// 简称.
    pub short_name: Option<String>,
    /// English name.
    pub english_name: Option<String>,
    /// 统一社会信用代码.
    pub credit_code: Option<String>,
    /// Region code.
    pub region: Option<String>,
    /// Industry, free text (制造业, 零售).
    pub industry: Option<String>,
    /// Contact people.
    pub contacts: Vec<ContactInput>,
    /// The products the customer wants, free text.
    pub products: Option<String>,
    /// Expected amount in yuan ("500000", "12,000.50").
    pub expected_amount: Option<String>,
    /// Expected close date (`2026-12-31`).
    pub expected_close: Option<String>,
    /// Anything else the partner wants the brand to know.
    pub note: Option<String>,
}

/// A contact as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactInput {
    /// Name.
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
}

/// A checked contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Contact {
    /// Name.
    pub name: String,
    /// Phone, normalised.
    pub phone: Option<String>,
    /// E-mail, lower case.
    pub email: Option<String>,
}

/// A registration whose fields all parsed; the region code is still to be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationDraft {
    /// Legal name, cleaned.
    pub customer_name: String,
    /// 简称.
    pub short_name: Option<String>,
    /// English name.
    pub english_name: Option<String>,
    /// Checked credit code.
    pub credit_code: Option<CreditCode>,
    /// Region code, upper case.
    pub region_code: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Contacts.
    pub contacts: Vec<Contact>,
    /// Products wanted.
    pub products: Option<String>,
    /// Expected amount.
    pub expected_amount: Option<Money>,
    /// Expected close date, `yyyymmdd`.
    pub expected_close: Option<u32>,
    /// Note.
    pub note: Option<String>,
}

/// Most contacts on one registration.
pub const CONTACTS_MAX: usize = 10;

impl RegistrationDraft {
    /// Parses every field, collecting every error.
    pub fn parse(input: &RegistrationInput) -> Result<RegistrationDraft, Invalid> {
        let mut invalid = Invalid::new();
        let customer_name = invalid.check(text::required("customer_name", &input.customer_name, 100));
        let short_name = invalid.check(text::optional("short_name", input.short_name.as_deref(), 30)).flatten();
        let english_name = invalid.check(text::optional("english_name", input.english_name.as_deref(), 150)).flatten();
        let credit_code = match input.credit_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(code) => invalid.check(CreditCode::parse("credit_code", code)),
        };
        let region_code = match input.region.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(code) => invalid.check(text::code("region", code, 40)),
        };
        let industry = invalid.check(text::optional("industry", input.industry.as_deref(), 40)).flatten();
        if input.contacts.len() > CONTACTS_MAX {
            invalid.push(FieldError::with_param("contacts", "too_many", CONTACTS_MAX));
        }
        let mut contacts = Vec::new();
        for (i, contact) in input.contacts.iter().take(CONTACTS_MAX).enumerate() {
            let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
            if blank(&contact.name) && blank(&contact.phone) && blank(&contact.email) {
                continue;
            }
            let name = invalid.check(text::required(
                &format!("contacts[{i}].name"),
                contact.name.as_deref().unwrap_or(""),
                40,
            ));
            let phone = match contact.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(phone) => invalid.check(parse_phone(&format!("contacts[{i}].phone"), phone)),
            };
            let email = match contact.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(email) => invalid.check(parse_email(&format!("contacts[{i}].email"), email)),
            };
            if let Some(name) = name {
                contacts.push(Contact { name, phone, email });
            }
        }
        let products = invalid.check(text::optional_multiline("products", input.products.as_deref(), 500)).flatten();
        let expected_amount = match input.expected_amount.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(amount) => match Money::parse_major("expected_amount", amount, Currency::CNY) {
                Ok(money) if money.minor < 0 => {
                    invalid.push(FieldError::new("expected_amount", "must_not_be_negative"));
                    None
                }
                other => invalid.check(other),
            },
        };
        let expected_close = match input.expected_close.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(date) => invalid.check(dates::parse_date("expected_close", date)),
        };
        let note = invalid.check(text::optional_multiline("note", input.note.as_deref(), 1000)).flatten();
        match customer_name {
            Some(customer_name) if invalid.is_empty() => Ok(RegistrationDraft {
                customer_name,
                short_name,
                english_name,
                credit_code,
                region_code,
                industry,
                contacts,
                products,
                expected_amount,
                expected_close,
                note,
            }),
            _ => Err(invalid),
        }
    }

    /// The customer as the conflict check reads it.
    pub fn party(&self) -> super::conflicts::Party {
        let names = [Some(self.customer_name.as_str()), self.short_name.as_deref(), self.english_name.as_deref()];
        super::conflicts::Party::new(
            names.into_iter().flatten(),
            self.credit_code.as_ref().map(CreditCode::as_str),
            self.contacts.iter().filter_map(|c| c.phone.as_deref()),
            self.contacts.iter().filter_map(|c| c.email.as_deref()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> RegistrationInput {
        RegistrationInput {
            customer_name: " 上海某某科技有限公司 ".into(),
            credit_code: CreditCode::with_check_char("91310000MA1FL8TQ3").map(|c| c.as_str().to_string()),
            contacts: vec![ContactInput {
                name: Some("王经理".into()),
                phone: Some("138 0013 8000".into()),
                email: Some("Wang@MouMou.com".into()),
            }],
            expected_amount: Some("500,000".into()),
            expected_close: Some("2026-12-31".into()),
            ..RegistrationInput::default()
        }
    }

    #[test]
    fn a_registration_parses_and_reads_as_a_party() {
        let draft = RegistrationDraft::parse(&input()).unwrap();
        assert!(draft.credit_code.is_some());
        assert_eq!(draft.customer_name, "上海某某科技有限公司");
        assert_eq!(draft.expected_amount.unwrap().minor, 50_000_000);
        assert_eq!(draft.contacts[0].phone.as_deref(), Some("13800138000"));
        assert!(draft.party().keys().contains(&"e:moumou.com".to_string()));
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut bad = input();
        bad.customer_name = " ".into();
        bad.credit_code = Some("91310000MA1FL8TQ30".into());
        bad.contacts[0].phone = Some("12345".into());
        bad.expected_amount = Some("-5".into());
        bad.expected_close = Some("2026-02-30".into());
        let codes: Vec<&str> = RegistrationDraft::parse(&bad).unwrap_err().errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["required", "invalid_credit_code", "invalid_phone", "must_not_be_negative", "invalid_date"]);
    }

    #[test]
    fn statuses_move_only_forward() {
        use RegistrationStatus::*;
        assert!(Pending.can_move_to(Approved));
        assert!(Approved.can_move_to(Expired));
        assert!(!Expired.can_move_to(Approved));
        assert!(!Rejected.can_move_to(Pending));
        assert!(Pending.holds() && Approved.holds() && !Released.holds());
    }

    #[test]
    fn protection_lasts_per_tier_and_extensions_follow_the_rules() {
        let rules =
            ProtectionRules { tier_days: vec![TierDays { tier: "gold".into(), days: 180 }], ..Default::default() };
        assert_eq!(rules.days_for("gold"), 180);
        assert_eq!(rules.days_for("silver"), 90);
        assert_eq!(rules.ends_at("silver", 0), 90 * DAY_MS);
        assert_eq!(rules.extension(0), Extension::Granted);
        assert_eq!(rules.extension(1), Extension::NeedsApproval);
        assert_eq!(rules.extension(3), Extension::Refused);
        assert!(ProtectionRules { auto_extensions: 5, ..Default::default() }.validate().is_err());
    }
}
