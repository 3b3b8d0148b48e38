//! A partner's contacts and addresses on a page: the lists, the add forms and what their posts
//! carry. Shared by the console's partner page and the portal's company and sub-dealer pages
//! (template `console/partners_people.html`).

use qudao_app::partners as uc;
use qudao_app::{AppError, Ctx};
use qudao_domain::ids::PartnerId;
use qudao_domain::partners::{AddressDraft, AddressKind, ContactDraft};
use qudao_store::partners::contacts::{AddressView, ContactView};
use serde::Deserialize;

use super::{Choice, city_choices, pick};
use crate::error::WebResult;
use crate::i18n::{self, Lang};
use crate::pages::FormState;
use crate::state::AppState;

/// Valid fields of a new contact, for the registry.
pub const CONTACT_EXAMPLE: &[(&str, &str)] = &[("name", "王芳"), ("title", "采购经理"), ("phone", "13800138000")];
/// Valid fields of a new address, for the registry.
pub const ADDRESS_EXAMPLE: &[(&str, &str)] = &[
    ("kind", "shipping"),
    ("region", "CN-SH-SH"),
    ("detail", "浦东新区张杨路500号"),
    ("recipient", "王芳"),
    ("phone", "13800138000"),
];

const CONTACT_FIELDS: &[&str] = &["name", "title", "phone", "email"];
const ADDRESS_FIELDS: &[&str] = &["kind", "region", "detail", "recipient", "phone"];

/// The add-contact form.
#[derive(Debug, Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    /// The checkbox: present when ticked.
    #[serde(default)]
    primary: Option<String>,
}

impl ContactForm {
    fn state(&self) -> FormState {
        let mut form = FormState::with_values([
            ("name", self.name.as_str()),
            ("title", self.title.as_str()),
            ("phone", self.phone.as_str()),
            ("email", self.email.as_str()),
        ]);
        if self.primary.is_some() {
            form.set("primary", "1");
        }
        form
    }
}

/// The add-address form.
#[derive(Debug, Deserialize)]
pub struct AddressForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    phone: String,
    /// The checkbox: present when ticked.
    #[serde(default)]
    is_default: Option<String>,
}

impl AddressForm {
    fn state(&self) -> FormState {
        let mut form = FormState::with_values([
            ("kind", self.kind.as_str()),
            ("region", self.region.as_str()),
            ("detail", self.detail.as_str()),
            ("recipient", self.recipient.as_str()),
            ("phone", self.phone.as_str()),
        ]);
        if self.is_default.is_some() {
            form.set("is_default", "1");
        }
        form
    }
}

/// Adds the contact of `form` to `partner`. `Ok(None)` when it was added; `Ok(Some(form))` with
/// the localised field errors when it was not valid, for the page to show again.
pub async fn add_contact(
    state: &AppState,
    ctx: &Ctx,
    lang: Lang,
    partner: PartnerId,
    form: &ContactForm,
) -> WebResult<Option<FormState>> {
    let result = match ContactDraft::parse(
        &form.name,
        Some(form.title.as_str()),
        Some(form.phone.as_str()),
        Some(form.email.as_str()),
        form.primary.is_some(),
    ) {
        Ok(draft) => uc::add_contact(state.app(), ctx, partner, &draft, None).await.map(|_| ()),
        Err(invalid) => Err(AppError::Invalid(invalid)),
    };
    match result {
        Ok(()) => Ok(None),
        Err(AppError::Invalid(invalid)) => {
            let mut failed = form.state();
            failed.fail(lang, &invalid, CONTACT_FIELDS);
            Ok(Some(failed))
        }
        Err(other) => Err(other.into()),
    }
}

/// Adds the address of `form` to `partner`; like [`add_contact`].
pub async fn add_address(
    state: &AppState,
    ctx: &Ctx,
    lang: Lang,
    partner: PartnerId,
    form: &AddressForm,
) -> WebResult<Option<FormState>> {
    let result = match AddressDraft::parse(
        &form.kind,
        &form.region,
        &form.detail,
        Some(form.recipient.as_str()),
        Some(form.phone.as_str()),
        form.is_default.is_some(),
    ) {
        Ok(draft) => uc::add_address(state.app(), ctx, partner, &draft, None).await.map(|_| ()),
        Err(invalid) => Err(AppError::Invalid(invalid)),
    };
    match result {
        Ok(()) => Ok(None),
        Err(AppError::Invalid(invalid)) => {
            let mut failed = form.state();
            failed.fail(lang, &invalid, ADDRESS_FIELDS);
            Ok(Some(failed))
        }
        Err(other) => Err(other.into()),
    }
}

/// An address as listed.
#[derive(Debug, Clone)]
pub struct AddressRow {
    /// The address.
    pub view: AddressView,
    /// What it is for, in the page's language.
    pub kind_label: &'static str,
    /// Its city, province and 大区 in the page's language.
    pub region_label: String,
}

/// The contacts-and-addresses part of a page.
#[derive(Debug, Clone)]
pub struct People {
    /// Contacts, main contact first.
    pub contacts: Vec<ContactView>,
    /// Addresses.
    pub addresses: Vec<AddressRow>,
    /// The path the forms post under (`/console/partners/{id}`, `/portal/company`).
    pub base: String,
    /// Whether the caller may add and remove.
    pub can_edit: bool,
    /// The add-contact form.
    pub contact_form: FormState,
    /// The add-address form.
    pub address_form: FormState,
    /// Address kinds.
    pub kinds: Vec<Choice>,
    /// Cities for new addresses.
    pub cities: Vec<Choice>,
}

/// How the contacts-and-addresses part may be edited, and its forms (empty unless a post just
/// failed).
#[derive(Debug, Clone)]
pub struct Editing {
    /// The path the forms post under.
    pub base: String,
    /// Whether the caller may add and remove.
    pub can_edit: bool,
    /// The add-contact form.
    pub contact: FormState,
    /// The add-address form.
    pub address: FormState,
}

impl Editing {
    /// Fresh forms posting under `base` (a shipping address by default).
    pub fn new(base: String, can_edit: bool) -> Self {
        Self { base, can_edit, contact: FormState::new(), address: FormState::with_values([("kind", "shipping")]) }
    }

    /// Read only: no forms.
    pub fn read_only() -> Self {
        Self::new(String::new(), false)
    }
}

/// Builds the part for a partner's `contacts` and `addresses`.
pub async fn people(
    state: &AppState,
    ctx: &Ctx,
    lang: Lang,
    contacts: Vec<ContactView>,
    addresses: Vec<AddressView>,
    editing: Editing,
) -> WebResult<People> {
    let cities =
        if editing.can_edit { city_choices(lang, &uc::list_regions(state.app(), ctx).await?) } else { Vec::new() };
    let kinds = AddressKind::ALL
        .iter()
        .map(|k| Choice { value: k.as_str().into(), label: address_kind_label(lang, *k).into() })
        .collect();
    let addresses = addresses
        .into_iter()
        .map(|view| AddressRow {
            kind_label: address_kind_label(lang, view.kind),
            region_label: pick(lang, &view.region_name_zh, &view.region_name_en),
            view,
        })
        .collect();
    Ok(People {
        contacts,
        addresses,
        base: editing.base,
        can_edit: editing.can_edit,
        contact_form: editing.contact,
        address_form: editing.address,
        kinds,
        cities,
    })
}

/// The name of an address kind.
pub fn address_kind_label(lang: Lang, kind: AddressKind) -> &'static str {
    i18n::t(lang, &format!("partner.address_kind.{}", kind.as_str()))
}
