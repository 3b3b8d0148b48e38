//! Console pages for partners: the list with search, filters and export; creating and editing; a
//! partner's page with its lifecycle, contacts, addresses, sub-dealers and users; and the
//! all-or-nothing import. The contact and address parts ([`people`]) and the helpers below are
//! shared with the portal's company and sub-dealer pages.

mod detail;
mod edit;
mod import;
mod list;
pub mod people;
mod query;

use qudao_domain::access::Permission;
use qudao_domain::ids::RegionId;
use qudao_domain::partners::{PartnerKind, PartnerStatus};
use qudao_store::partners::regions::Region;
use qudao_store::partners::tiers::Tier;
use qudao_store::partners::{PartnerRef, PartnerView};

use crate::i18n::{self, Lang};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};

/// A value of a select and its label in the page's language.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The submitted value.
    pub value: String,
    /// What the user reads.
    pub label: String,
}

/// One labelled value on a partner's page.
#[derive(Debug, Clone)]
pub struct Field {
    /// The label.
    pub label: &'static str,
    /// The value, already in the page's language ("—" when empty).
    pub value: String,
}

/// A link with its text.
#[derive(Debug, Clone)]
pub struct Link {
    /// Where it goes.
    pub href: String,
    /// Its text.
    pub label: String,
}

/// What a partner's page shows about the partner itself, in the page's language.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Code, names, kind, tier, region, credit code, remark, times.
    pub fields: Vec<Field>,
    /// The status, as the badge's class.
    pub status: &'static str,
    /// The status's name.
    pub status_label: &'static str,
    /// The parent distributor, when the caller may see it.
    pub parent: Option<Link>,
}

/// The name of a partner kind.
pub fn kind_label(lang: Lang, kind: PartnerKind) -> &'static str {
    i18n::t(lang, &format!("partner.kind.{}", kind.as_str()))
}

/// The name of a partner status.
pub fn status_label(lang: Lang, status: PartnerStatus) -> &'static str {
    i18n::t(lang, &format!("partner.status.{}", status.as_str()))
}

/// Picks the Chinese or the English of a pair of master-data names.
pub fn pick(lang: Lang, zh: &str, en: &str) -> String {
    if lang.is_zh() { zh.to_string() } else { en.to_string() }
}

/// The summary of `p`; `parent_href` says where the parent's name links to, if anywhere.
pub fn summary(lang: Lang, p: &PartnerView, parent_href: &dyn Fn(&PartnerRef) -> Option<String>) -> Summary {
    let t = |key: &str| i18n::t(lang, key);
    let or_none =
        |value: &Option<String>| value.clone().filter(|v| !v.is_empty()).unwrap_or_else(|| t("common.none").into());
    let fields = vec![
        Field { label: t("partner.field.code"), value: p.code.clone() },
        Field { label: t("partner.field.name"), value: p.name.clone() },
        Field { label: t("partner.field.name_en"), value: or_none(&p.name_en) },
        Field { label: t("partner.field.short_name"), value: or_none(&p.short_name) },
        Field { label: t("partner.field.kind"), value: kind_label(lang, p.kind).into() },
        Field { label: t("partner.field.tier"), value: pick(lang, &p.tier.name_zh, &p.tier.name_en) },
        Field { label: t("partner.field.region"), value: pick(lang, &p.region.name_zh, &p.region.name_en) },
        Field { label: t("partner.field.credit_code"), value: or_none(&p.credit_code) },
        Field { label: t("partner.field.remark"), value: or_none(&p.remark) },
        Field { label: t("common.created"), value: crate::pages::format::datetime(p.created_ms) },
        Field { label: t("common.updated"), value: crate::pages::format::datetime(p.updated_ms) },
    ];
    let parent = p.parent.as_ref().map(|parent| Link {
        href: parent_href(parent).unwrap_or_default(),
        label: format!("{} {}", parent.code, parent.name),
    });
    Summary { fields, status: p.status.as_str(), status_label: status_label(lang, p.status), parent }
}

/// The partner kinds as choices.
pub fn kind_choices(lang: Lang) -> Vec<Choice> {
    PartnerKind::ALL.iter().map(|k| Choice { value: k.as_str().into(), label: kind_label(lang, *k).into() }).collect()
}

/// Statuses as choices.
pub fn status_choices(lang: Lang, statuses: &[PartnerStatus]) -> Vec<Choice> {
    statuses.iter().map(|s| Choice { value: s.as_str().into(), label: status_label(lang, *s).into() }).collect()
}

/// Tiers as choices, best first.
pub fn tier_choices(lang: Lang, tiers: &[Tier]) -> Vec<Choice> {
    tiers.iter().map(|t| Choice { value: t.code.clone(), label: pick(lang, &t.name_zh, &t.name_en) }).collect()
}

/// Regions as choices in tree order (大区, its provinces, their cities), indented by level.
pub fn region_choices(lang: Lang, regions: &[Region]) -> Vec<Choice> {
    fn walk(lang: Lang, regions: &[Region], parent: Option<RegionId>, out: &mut Vec<Choice>) {
        for region in regions.iter().filter(|r| r.parent_id == parent) {
            let depth = usize::try_from(region.level - 1).unwrap_or(0);
            let label = format!("{}{}", "\u{3000}".repeat(depth), pick(lang, &region.name_zh, &region.name_en));
            out.push(Choice { value: region.code.clone(), label });
            walk(lang, regions, Some(region.id), out);
        }
    }
    let mut out = Vec::with_capacity(regions.len());
    walk(lang, regions, None, &mut out);
    out
}

/// Cities as choices, each named with its province ("江苏省南京市", "Nanjing, Jiangsu"): addresses
/// are filed under a city.
pub fn city_choices(lang: Lang, regions: &[Region]) -> Vec<Choice> {
    regions
        .iter()
        .filter(|r| r.level == 3)
        .map(|city| {
            let province = regions.iter().find(|r| Some(r.id) == city.parent_id);
            let label = match (province, lang.is_zh()) {
                (Some(p), true) => format!("{}{}", p.name_zh, city.name_zh),
                (Some(p), false) => format!("{}, {}", city.name_en, p.name_en),
                (None, _) => pick(lang, &city.name_zh, &city.name_en),
            };
            Choice { value: city.code.clone(), label }
        })
        .collect()
}

const PARTNER: &[(&str, ObjectKind)] = &[("id", ObjectKind::Partner)];
const CONTACT: &[(&str, ObjectKind)] = &[("id", ObjectKind::Partner), ("contact_id", ObjectKind::Contact)];
const ADDRESS: &[(&str, ObjectKind)] = &[("id", ObjectKind::Partner), ("address_id", ObjectKind::Address)];

/// Valid fields of a new partner.
const PARTNER_EXAMPLE: &[(&str, &str)] =
    &[("name", "上海示例商贸有限公司"), ("kind", "distributor"), ("tier", "gold"), ("region", "CN-SH-SH")];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(
        Verb::Get,
        "/console/partners",
        Permission::PartnersRead,
        "Partner list: search, filters, paging",
        |v| on(v, list::list_partners),
    ),
    Route::page(
        Verb::Get,
        "/console/partners/export",
        Permission::PartnersExport,
        "Download the filtered partners",
        |v| on(v, list::export_partners),
    ),
    Route::page(Verb::Get, "/console/partners/new", Permission::PartnersWrite, "New partner form", |v| {
        on(v, edit::new_partner)
    }),
    Route::page(Verb::Post, "/console/partners", Permission::PartnersWrite, "Create a partner", |v| {
        on(v, edit::create_partner)
    })
    .effect(Effect::Create)
    .form(PARTNER_EXAMPLE),
    Route::page(Verb::Get, "/console/partners/import", Permission::PartnersImport, "Partner import page", |v| {
        on(v, import::import_page)
    }),
    Route::page(
        Verb::Post,
        "/console/partners/import",
        Permission::PartnersImport,
        "Import partners, all or nothing",
        |v| on(v, import::import_partners),
    )
    .effect(Effect::Create)
    .upload(),
    Route::page(
        Verb::Get,
        "/console/partners/import/template.csv",
        Permission::PartnersImport,
        "Download the import template",
        |v| on(v, import::download_template),
    ),
    Route::page(Verb::Get, "/console/partners/{id}", Permission::PartnersRead, "A partner's page", |v| {
        on(v, detail::show_partner)
    })
    .params(PARTNER),
    Route::page(Verb::Get, "/console/partners/{id}/edit", Permission::PartnersWrite, "Edit partner form", |v| {
        on(v, edit::edit_partner)
    })
    .params(PARTNER),
    Route::page(Verb::Post, "/console/partners/{id}/edit", Permission::PartnersWrite, "Save a partner", |v| {
        on(v, edit::update_partner)
    })
    .params(PARTNER)
    .effect(Effect::Change)
    .form(&[
        ("version", "1"),
        ("name", "上海示例商贸有限公司"),
        ("kind", "distributor"),
        ("tier", "gold"),
        ("region", "CN-SH-SH"),
    ]),
    Route::page(
        Verb::Post,
        "/console/partners/{id}/status",
        Permission::PartnersStatus,
        "Change a partner's status",
        |v| on(v, detail::change_partner_status),
    )
    .params(PARTNER)
    .effect(Effect::Change)
    .form(&[("status", "suspended"), ("reason", "逾期未回款")]),
    Route::page(
        Verb::Post,
        "/console/partners/{id}/contacts",
        Permission::PartnerContactsWrite,
        "Add a contact",
        |v| on(v, detail::add_contact),
    )
    .params(PARTNER)
    .effect(Effect::Create)
    .form(people::CONTACT_EXAMPLE),
    Route::page(
        Verb::Post,
        "/console/partners/{id}/contacts/{contact_id}/delete",
        Permission::PartnerContactsWrite,
        "Remove a contact",
        |v| on(v, detail::remove_contact),
    )
    .params(CONTACT)
    .effect(Effect::Change),
    Route::page(
        Verb::Post,
        "/console/partners/{id}/addresses",
        Permission::PartnerContactsWrite,
        "Add an address",
        |v| on(v, detail::add_address),
    )
    .params(PARTNER)
    .effect(Effect::Create)
    .form(people::ADDRESS_EXAMPLE),
    Route::page(
        Verb::Post,
        "/console/partners/{id}/addresses/{address_id}/delete",
        Permission::PartnerContactsWrite,
        "Remove an address",
        |v| on(v, detail::remove_address),
    )
    .params(ADDRESS)
    .effect(Effect::Change),
];
