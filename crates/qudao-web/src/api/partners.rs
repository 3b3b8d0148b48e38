//! `/api/v1/partners`: partners, their contacts and addresses, status, import and export.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use qudao_app::partners::{self as uc, ExportFormat, ImportReport, PartnerDetail, PartnerEdit};
use qudao_domain::access::Permission;
use qudao_domain::ids::{AddressId, ContactId, PartnerId};
use qudao_domain::partners::{AddressDraft, ContactDraft, PartnerInput, PartnerKind, PartnerStatus};
use qudao_store::partners::contacts::{AddressView, ContactView};
use qudao_store::partners::{PartnerFilter, PartnerView};
use serde::Deserialize;
use utoipa::ToSchema;

use super::ListQuery;
use crate::context::Authed;
use crate::error::{WebError, WebResult};
use crate::extract::{ApiJson, ApiQuery, Id, Ids, Upload};
use crate::guard::Idem;
use crate::i18n::Lang;
use crate::openapi::{page_of, schema};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// A new partner.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerCreate {
    /// Legal name.
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// 简称.
    pub short_name: Option<String>,
    /// `distributor`, `sub_dealer`, `agent` or `retailer`.
    pub kind: String,
    /// Tier code.
    pub tier: String,
    /// Region code (city or province).
    pub region: String,
    /// Parent distributor's code (sub-dealers).
    pub parent: Option<String>,
    /// 统一社会信用代码.
    pub credit_code: Option<String>,
    /// Initial status (default `prospect`).
    pub status: Option<String>,
    /// Remark.
    pub remark: Option<String>,
}

/// A partial edit; absent fields stay as they are, an empty string clears an optional field.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PartnerPatch {
    /// The version you read; the edit fails with 409 if the partner changed since.
    pub version: Option<i64>,
    /// Legal name.
    pub name: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// 简称.
    pub short_name: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Tier code.
    pub tier: Option<String>,
    /// Region code.
    pub region: Option<String>,
    /// Parent code.
    pub parent: Option<String>,
    /// Credit code.
    pub credit_code: Option<String>,
    /// Remark.
    pub remark: Option<String>,
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `prospect`, `active`, `suspended` or `terminated`.
    pub status: String,
    /// Why (kept in the audit log).
    pub reason: Option<String>,
}

/// A new contact person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactCreate {
    /// Name.
    pub name: String,
    /// Title.
    pub title: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Make this the main contact.
    #[serde(default)]
    pub primary: bool,
}

/// A new address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressCreate {
    /// `shipping`, `billing` or `office`.
    pub kind: String,
    /// City code.
    pub region: String,
    /// Street, building, room.
    pub detail: String,
    /// Recipient.
    pub recipient: Option<String>,
    /// Recipient's phone.
    pub phone: Option<String>,
    /// Make this the default of its kind.
    #[serde(default)]
    pub is_default: bool,
}

/// Partner list filters.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PartnerQuery {
    /// Search in names (characters, pinyin, initials), codes and credit codes.
    pub q: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Tier code.
    pub tier: Option<String>,
    /// Region code: partners in it or below it.
    pub region: Option<String>,
    /// Parent id: its sub-dealers.
    pub parent: Option<String>,
    /// Export format (`csv` or `xlsx`), for the export route.
    pub format: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Cursor.
    pub after: Option<String>,
}

impl PartnerQuery {
    /// The store filter; invalid filter values are a 400.
    pub fn filter(&self, region_path: Option<String>) -> WebResult<PartnerFilter> {
        let bad = |what: &str| WebError::BadQuery(format!("unknown {what}"));
        let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        Ok(PartnerFilter {
            q: blank(&self.q),
            status: match blank(&self.status) {
                Some(s) => Some(PartnerStatus::parse("status", &s).map_err(|_| bad("status"))?),
                None => None,
            },
            kind: match blank(&self.kind) {
                Some(k) => Some(PartnerKind::parse("kind", &k).map_err(|_| bad("kind"))?),
                None => None,
            },
            tier: blank(&self.tier).map(|t| t.to_lowercase()),
            region_path,
            parent: match blank(&self.parent) {
                Some(p) => Some(p.parse::<PartnerId>().map_err(|_| bad("parent"))?),
                None => None,
            },
        })
    }

    /// The store filter, with the region code looked up.
    pub async fn resolve(&self, state: &AppState, ctx: &qudao_app::Ctx) -> WebResult<PartnerFilter> {
        let path = region_path(state, ctx, self.region.as_deref()).await?;
        self.filter(path)
    }

    fn page(&self) -> WebResult<qudao_store::page::PageRequest> {
        ListQuery { limit: self.limit, after: self.after.clone() }.page()
    }
}

/// The path of a region code, or a 400 for an unknown one.
pub async fn region_path(state: &AppState, ctx: &qudao_app::Ctx, code: Option<&str>) -> WebResult<Option<String>> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    let regions = uc::list_regions(state.app(), ctx).await?;
    regions
        .into_iter()
        .find(|r| r.code.eq_ignore_ascii_case(code))
        .map(|r| Some(r.path))
        .ok_or_else(|| WebError::BadQuery("unknown region".into()))
}

async fn list(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    ApiQuery(query): ApiQuery<PartnerQuery>,
) -> WebResult<Json<qudao_store::page::Page<PartnerView>>> {
    let filter = query.resolve(&state, &ctx).await?;
    Ok(Json(uc::list_partners(state.app(), &ctx, &filter, &query.page()?).await?))
}

async fn show(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<PartnerId>,
) -> WebResult<Json<PartnerDetail>> {
    Ok(Json(uc::get_partner(state.app(), &ctx, id).await?))
}

async fn create(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiJson(body): ApiJson<PartnerCreate>,
) -> WebResult<impl IntoResponse> {
    let input = PartnerInput {
        name: Some(body.name),
        name_en: body.name_en,
        short_name: body.short_name,
        kind: Some(body.kind),
        tier: Some(body.tier),
        region: Some(body.region),
        parent: body.parent,
        credit_code: body.credit_code,
        status: body.status,
        remark: body.remark,
    };
    let view = uc::create_partner(state.app(), &ctx, &input, idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn update(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<PartnerId>,
    ApiJson(body): ApiJson<PartnerPatch>,
) -> WebResult<Json<PartnerView>> {
    let edit = PartnerEdit {
        version: body.version,
        fields: PartnerInput {
            name: body.name,
            name_en: body.name_en,
            short_name: body.short_name,
            kind: body.kind,
            tier: body.tier,
            region: body.region,
            parent: body.parent,
            credit_code: body.credit_code,
            status: None,
            remark: body.remark,
        },
    };
    Ok(Json(uc::update_partner(state.app(), &ctx, id, &edit).await?))
}

async fn set_status(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Id(id): Id<PartnerId>,
    ApiJson(body): ApiJson<StatusChange>,
) -> WebResult<axum::response::Response> {
    let gated = uc::change_status(state.app(), &ctx, id, &body.status, body.reason.as_deref()).await?;
    Ok(crate::api::approvals::gated_response(gated))
}

async fn add_contact(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Id(id): Id<PartnerId>,
    ApiJson(body): ApiJson<ContactCreate>,
) -> WebResult<impl IntoResponse> {
    let draft = ContactDraft::parse(
        &body.name,
        body.title.as_deref(),
        body.phone.as_deref(),
        body.email.as_deref(),
        body.primary,
    )?;
    let view: ContactView = uc::add_contact(state.app(), &ctx, id, &draft, idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn remove_contact(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Ids(id, contact): Ids<PartnerId, ContactId>,
) -> WebResult<StatusCode> {
    uc::remove_contact(state.app(), &ctx, id, contact).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_address(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    Id(id): Id<PartnerId>,
    ApiJson(body): ApiJson<AddressCreate>,
) -> WebResult<impl IntoResponse> {
    let draft = AddressDraft::parse(
        &body.kind,
        &body.region,
        &body.detail,
        body.recipient.as_deref(),
        body.phone.as_deref(),
        body.is_default,
    )?;
    let view: AddressView = uc::add_address(state.app(), &ctx, id, &draft, idem.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn remove_address(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Ids(id, address): Ids<PartnerId, AddressId>,
) -> WebResult<StatusCode> {
    uc::remove_address(state.app(), &ctx, id, address).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?progress=<id>`: where the import's progress can be polled (`GET /api/v1/progress/{id}`).
#[derive(Debug, Deserialize, Default)]
pub struct ProgressQuery {
    /// A client-chosen id, 8 to 64 of `A-Z a-z 0-9 - _`.
    pub progress: Option<String>,
}

async fn import(
    State(state): State<AppState>,
    Authed(ctx, _): Authed,
    Idem(idem): Idem,
    ApiQuery(query): ApiQuery<ProgressQuery>,
    upload: Upload,
) -> WebResult<Response> {
    let progress = query.progress.as_deref().filter(|id| qudao_app::progress::valid_id(id));
    let report: ImportReport = uc::import_partners(state.app(), &ctx, &upload.bytes, idem.as_ref(), progress).await?;
    let status = if report.problems.is_empty() { StatusCode::CREATED } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(report)).into_response())
}

/// Builds a file download response.
pub fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    ([(CONTENT_TYPE, content_type.to_string()), (CONTENT_DISPOSITION, disposition)], bytes).into_response()
}

/// Exports partners; shared by the API and the console's export links.
pub async fn export_response(
    state: &AppState,
    ctx: &qudao_app::Ctx,
    query: &PartnerQuery,
    lang: Lang,
) -> WebResult<Response> {
    let filter = query.resolve(state, ctx).await?;
    let (format, content_type, extension) = match query.format.as_deref().unwrap_or("csv") {
        "csv" => (ExportFormat::Csv, "text/csv; charset=utf-8", "csv"),
        "xlsx" => (ExportFormat::Xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        _ => return Err(WebError::BadQuery("format must be csv or xlsx".into())),
    };
    let bytes = uc::export_partners(state.app(), ctx, &filter, format, lang.is_zh()).await?;
    Ok(download(bytes, content_type, &format!("partners.{extension}")))
}

async fn export(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(query): ApiQuery<PartnerQuery>,
) -> WebResult<Response> {
    export_response(&state, &ctx, &query, context.lang).await
}

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::api(Verb::Get, "/api/v1/partners", Permission::PartnersRead, "List partners (filters, search, cursor paging)", |v| {
        on(v, list)
    })
    .response(page_of::<PartnerView>),
    Route::api(Verb::Post, "/api/v1/partners", Permission::PartnersWrite, "Create a partner", |v| on(v, create))
        .effect(Effect::Create)
        .body(schema::<PartnerCreate>)
    .example(|| serde_json::json!({ "name": "上海示例商贸有限公司", "kind": "distributor", "tier": "gold", "region": "CN-SH-SH" }))
        .response(schema::<PartnerView>),
    Route::api(Verb::Get, "/api/v1/partners/export", Permission::PartnersExport, "Export partners as CSV or XLSX", |v| {
        on(v, export)
    }),
    Route::api(Verb::Post, "/api/v1/partners/import", Permission::PartnersImport, "Import partners from CSV or XLSX, all or nothing", |v| {
        on(v, import)
    })
    .effect(Effect::Create)
    .upload()
    .response(schema::<ImportReport>),
    Route::api(Verb::Get, "/api/v1/partners/{id}", Permission::PartnersRead, "A partner with contacts, addresses and sub-dealers", |v| {
        on(v, show)
    })
    .params(&[("id", ObjectKind::Partner)])
    .response(schema::<PartnerDetail>),
    Route::api(Verb::Patch, "/api/v1/partners/{id}", Permission::PartnersWrite, "Edit a partner", |v| on(v, update))
        .params(&[("id", ObjectKind::Partner)])
        .effect(Effect::Change)
        .body(schema::<PartnerPatch>)
    .example(|| serde_json::json!({ "remark": "年度重点客户" }))
        .response(schema::<PartnerView>),
    Route::api(Verb::Post, "/api/v1/partners/{id}/status", Permission::PartnersStatus, "Move a partner through its lifecycle; onboarding (prospect → active) answers 202 with Location when an approval flow holds it", |v| {
        on(v, set_status)
    })
    .params(&[("id", ObjectKind::Partner)])
    .effect(Effect::Change)
    .body(schema::<StatusChange>)
    .example(|| serde_json::json!({ "status": "suspended", "reason": "逾期未回款" }))
    .response(schema::<PartnerView>),
    Route::api(Verb::Post, "/api/v1/partners/{id}/contacts", Permission::PartnerContactsWrite, "Add a contact", |v| {
        on(v, add_contact)
    })
    .params(&[("id", ObjectKind::Partner)])
    .effect(Effect::Create)
    .body(schema::<ContactCreate>)
    .example(|| serde_json::json!({ "name": "王芳", "title": "采购经理", "phone": "13800138000" }))
    .response(schema::<ContactView>),
    Route::api(Verb::Delete, "/api/v1/partners/{id}/contacts/{contact_id}", Permission::PartnerContactsWrite, "Remove a contact", |v| {
        on(v, remove_contact)
    })
    .params(&[("id", ObjectKind::Partner), ("contact_id", ObjectKind::Contact)])
    .effect(Effect::Change),
    Route::api(Verb::Post, "/api/v1/partners/{id}/addresses", Permission::PartnerContactsWrite, "Add an address", |v| {
        on(v, add_address)
    })
    .params(&[("id", ObjectKind::Partner)])
    .effect(Effect::Create)
    .body(schema::<AddressCreate>)
    .example(|| serde_json::json!({ "kind": "shipping", "region": "CN-SH-SH", "detail": "浦东新区张杨路500号", "recipient": "王芳", "phone": "13800138000" }))
    .response(schema::<AddressView>),
    Route::api(Verb::Delete, "/api/v1/partners/{id}/addresses/{address_id}", Permission::PartnerContactsWrite, "Remove an address", |v| {
        on(v, remove_address)
    })
    .params(&[("id", ObjectKind::Partner), ("address_id", ObjectKind::Address)])
    .effect(Effect::Change),
];
