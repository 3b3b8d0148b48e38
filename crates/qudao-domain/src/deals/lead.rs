//! A lead (线索): a prospective customer from a campaign form, an import or the API, waiting to be
//! routed to a partner. Its checked fields and the statuses it moves through.

use serde::Serialize;

use crate::partners::{parse_email, parse_phone};
use crate::{FieldError, Invalid, text};

/// Where a lead is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    /// No rule found a partner; the brand decides.
    Unassigned,
    /// With a partner, waiting for it to accept or decline within the rule's hours.
    Assigned,
    /// The partner works it.
    Accepted,
    /// Became an opportunity.
    Converted,
    /// Closed without an opportunity.
    Closed,
}

impl LeadStatus {
    /// Every status.
    pub const ALL: [LeadStatus; 5] =
        [LeadStatus::Unassigned, LeadStatus::Assigned, LeadStatus::Accepted, LeadStatus::Converted, LeadStatus::Closed];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::Unassigned => "unassigned",
            LeadStatus::Assigned => "assigned",
            LeadStatus::Accepted => "accepted",
            LeadStatus::Converted => "converted",
            LeadStatus::Closed => "closed",
        }
    }

    /// Reads a stored code.
    pub fn parse(code: &str) -> Option<LeadStatus> {
        LeadStatus::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// Whether the lead counts against its partner's capacity.
    pub fn open(self) -> bool {
        matches!(self, LeadStatus::Assigned | LeadStatus::Accepted)
    }
}

/// A lead as typed (form, import row, API body).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadInput {
    /// The prospect's company.
    pub company: String,
    /// The person to call.
    pub contact_name: Option<String>,
    /// Their phone.
    pub phone: Option<String>,
    /// Their e-mail.
    pub email: Option<String>,
    /// Region code (required: routing needs it).
    pub region: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// What they asked about.
    pub message: Option<String>,
}

/// A lead whose fields parsed; the region code is still to be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadDraft {
    /// Company.
    pub company: String,
    /// Contact.
    pub contact_name: Option<String>,
    /// Phone, normalised.
    pub phone: Option<String>,
    /// E-mail, lower case.
    pub email: Option<String>,
    /// Region code, upper case.
    pub region_code: String,
    /// Industry ("" when none was given).
    pub industry: String,
    /// Message.
    pub message: Option<String>,
}

impl LeadDraft {
    /// Parses every field, collecting every error. A lead needs a company, a region and a way to
    /// reach someone (phone or e-mail).
    pub fn parse(input: &LeadInput) -> Result<LeadDraft, Invalid> {
        let mut invalid = Invalid::new();
        let company = invalid.check(text::required("company", &input.company, 100));
        let contact_name = invalid.check(text::optional("contact_name", input.contact_name.as_deref(), 40)).flatten();
        let phone = match input.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(phone) => invalid.check(parse_phone("phone", phone)),
        };
        let email = match input.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(email) => invalid.check(parse_email("email", email)),
        };
        let region_code = match input.region.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                invalid.push(FieldError::new("region", "required"));
                None
            }
            Some(code) => invalid.check(text::code("region", code, 40)),
        };
        let industry = invalid.check(text::optional("industry", input.industry.as_deref(), 40)).flatten();
        let message = invalid.check(text::optional_multiline("message", input.message.as_deref(), 1000)).flatten();
        let reachable = input.phone.as_deref().is_some_and(|p| !p.trim().is_empty())
            || input.email.as_deref().is_some_and(|e| !e.trim().is_empty());
        if !reachable {
            invalid.push(FieldError::new("phone", "phone_or_email_required"));
        }
        match (company, region_code) {
            (Some(company), Some(region_code)) if invalid.is_empty() => Ok(LeadDraft {
                company,
                contact_name,
                phone,
                email,
                region_code,
                industry: industry.unwrap_or_default(),
                message,
            }),
            _ => Err(invalid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lead_needs_a_company_a_region_and_a_way_to_reach_someone() {
        let good = LeadInput {
            company: "苏州同创智能装备有限公司".into(),
            phone: Some("0512-6688 1234".into()),
            region: Some("cn-js".into()),
            industry: Some("制造业".into()),
            ..LeadInput::default()
        };
        let draft = LeadDraft::parse(&good).unwrap();
        assert_eq!((draft.region_code.as_str(), draft.industry.as_str()), ("CN-JS", "制造业"));
        let bad = LeadInput { company: " ".into(), phone: Some("12".into()), ..LeadInput::default() };
        let errors = LeadDraft::parse(&bad).unwrap_err().errors;
        let codes: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(codes, [("company", "required"), ("phone", "invalid_phone"), ("region", "required")]);
        let unreachable = LeadInput { company: "甲".into(), region: Some("CN-SH".into()), ..LeadInput::default() };
        assert_eq!(LeadDraft::parse(&unreachable).unwrap_err().errors[0].code, "phone_or_email_required");
        assert!(LeadStatus::Assigned.open() && !LeadStatus::Closed.open());
    }
}
