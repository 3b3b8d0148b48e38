//! Importing partners from a CSV or XLSX sheet, all or nothing.
//!
//! Every row is checked — fields, references, duplicates against the database and within the
//! file, formulas — and the report lists each bad row with every reason. If any row is bad,
//! nothing is imported; if all are good, all are imported in one transaction.

use std::collections::HashMap;

use qudao_domain::access::Permission;
use qudao_domain::partners::{ContactDraft, PartnerDraft, PartnerInput};
use qudao_domain::{FieldError, Invalid};
use qudao_store::partners::contacts;
use qudao_store::partners::{regions, tiers};
use serde::Serialize;
use utoipa::ToSchema;

use super::columns::{code_for_label, column_for};
use super::write::insert_partner;
use crate::idempotency::{self, IdemKey};
use crate::sheets::read_sheet;
use crate::{App, AppError, AppResult, Ctx};

/// One bad row and everything wrong with it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowProblem {
    /// The row number in the user's spreadsheet (row 1 is the header).
    pub row: usize,
    /// What is wrong, field by field.
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldError>,
}

/// The outcome of an import.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: usize,
    /// Partners created (0 whenever there is a problem).
    pub imported: usize,
    /// The bad rows; empty when the import succeeded.
    pub problems: Vec<RowProblem>,
}

/// Imports partners from `bytes` (CSV in UTF-8 or GBK, or XLSX). With a `progress` id, the rows
/// checked so far can be polled from [`App::progress`] while it runs.
pub async fn import_partners(
    app: &App,
    ctx: &Ctx,
    bytes: &[u8],
    idem: Option<&IdemKey>,
    progress: Option<&str>,
) -> AppResult<ImportReport> {
    let owner = ctx.caller().owner_key();
    let result = import(app, ctx, bytes, idem, progress.map(|id| (owner.as_str(), id))).await;
    if let Some(id) = progress {
        app.progress().finish(&owner, id, app.now_ms());
    }
    result
}

async fn import(
    app: &App,
    ctx: &Ctx,
    bytes: &[u8],
    idem: Option<&IdemKey>,
    progress: Option<(&str, &str)>,
) -> AppResult<ImportReport> {
    ctx.require(Permission::PartnersImport)?;
    if bytes.len() > app.config().max_import_bytes {
        return Err(AppError::TooLarge);
    }
    let sheet = read_sheet(bytes, app.config().max_import_rows)?;
    let mut header_errors = Invalid::new();
    let mut columns: Vec<Option<&'static str>> = Vec::new();
    for header in &sheet.header {
        match column_for(header) {
            Some(column) if column.export_only => columns.push(None),
            Some(column) => columns.push(Some(column.key)),
            None if header.is_empty() => columns.push(None),
            None => {
                header_errors.push(FieldError::with_param(header.clone(), "unknown_column", header));
                columns.push(None);
            }
        }
    }
    if !columns.contains(&Some("name")) {
        header_errors.push(FieldError::new("name", "missing_column"));
    }
    if !header_errors.is_empty() {
        let problems = vec![RowProblem { row: 1, errors: header_errors.errors }];
        return Ok(ImportReport { rows: sheet.rows.len(), imported: 0, problems });
    }
    let now = app.now_ms();
    if let Some((owner, id)) = progress {
        app.progress().start(owner, id, sheet.rows.len() as u64, now);
    }
    let mut tx = app.write(ctx).await?;
    // Names people type for tiers and regions, mapped to codes.
    let mut tier_codes: HashMap<String, String> = HashMap::new();
    for tier in tiers::all(&mut tx).await? {
        for name in [&tier.code, &tier.name_zh, &tier.name_en] {
            tier_codes.insert(name.to_lowercase(), tier.code.clone());
        }
    }
    let mut region_codes: HashMap<String, String> = HashMap::new();
    for region in regions::all(&mut tx).await?.into_iter().rev() {
        // Cities come last in `all`; iterating in reverse lets a province keep its own name.
        for name in [&region.code, &region.name_zh, &region.name_en] {
            region_codes.insert(name.to_lowercase(), region.code.clone());
        }
    }
    let mut problems = Vec::new();
    let mut seen_credit_codes: HashMap<String, usize> = HashMap::new();
    let mut imported = 0;
    for (index, row) in sheet.rows.iter().enumerate() {
        if let Some((owner, id)) = progress.filter(|_| index % 50 == 0) {
            app.progress().advance(owner, id, index as u64, app.now_ms());
        }
        let mut invalid = Invalid::new();
        let mut values: HashMap<&str, String> = HashMap::new();
        for (index, cell) in row.cells.iter().enumerate() {
            let Some(Some(key)) = columns.get(index) else { continue };
            if row.formula_columns.contains(&index) {
                invalid.push(FieldError::new(*key, "formula_not_allowed"));
                continue;
            }
            if !cell.is_empty() {
                values.insert(key, cell.clone());
            }
        }
        let get = |key: &str| values.get(key).cloned();
        let input = PartnerInput {
            name: get("name"),
            name_en: get("name_en"),
            short_name: get("short_name"),
            kind: get("kind").map(|k| code_for_label("kind", &k)),
            tier: get("tier").map(|t| tier_codes.get(&t.to_lowercase()).cloned().unwrap_or(t)),
            region: get("region").map(|r| region_codes.get(&r.to_lowercase()).cloned().unwrap_or(r)),
            parent: get("parent"),
            credit_code: get("credit_code"),
            status: get("status").map(|s| code_for_label("status", &s)),
            remark: get("remark"),
        };
        let draft = match PartnerDraft::parse(&input) {
            Ok(draft) => Some(draft),
            Err(errors) => {
                invalid.errors.extend(errors.errors);
                None
            }
        };
        let contact = match get("contact_name") {
            None if get("contact_phone").is_some() || get("contact_email").is_some() => {
                invalid.push(FieldError::new("contact_name", "required"));
                None
            }
            None => None,
            Some(name) => {
                match ContactDraft::parse(
                    &name,
                    None,
                    get("contact_phone").as_deref(),
                    get("contact_email").as_deref(),
                    true,
                ) {
                    Ok(contact) => Some(contact),
                    Err(errors) => {
                        invalid.errors.extend(errors.errors.into_iter().map(|mut e| {
                            e.field = format!("contact_{}", e.field);
                            e
                        }));
                        None
                    }
                }
            }
        };
        if let Some(code) = draft.as_ref().and_then(|d| d.credit_code.as_ref())
            && let Some(first) = seen_credit_codes.insert(code.as_str().to_string(), row.number)
        {
            invalid.push(FieldError::with_param("credit_code", "duplicate_in_file", first));
        }
        match draft {
            Some(draft) if invalid.is_empty() && problems.is_empty() => {
                // Inserting as we go lets later rows see earlier ones (duplicates, parents); a
                // single bad row rolls everything back below.
                match insert_partner(&mut tx, ctx, &draft, now).await {
                    Ok(partner) => {
                        if let Some(contact) = &contact {
                            contacts::add_contact(&mut tx, partner.id, contact, now).await?;
                        }
                        imported += 1;
                    }
                    Err(AppError::Invalid(errors)) => {
                        problems.push(RowProblem { row: row.number, errors: errors.errors });
                    }
                    Err(other) => return Err(other),
                }
            }
            Some(draft) if invalid.is_empty() => {
                // An earlier row failed, so nothing will be written; still check this row's
                // references so the report is complete.
                let mut references = Invalid::new();
                if super::resolve::resolve(&mut tx, &draft, &mut references).await?.is_none() {
                    problems.push(RowProblem { row: row.number, errors: references.errors });
                }
            }
            _ => problems.push(RowProblem { row: row.number, errors: invalid.errors }),
        }
    }
    let report = if problems.is_empty() {
        ImportReport { rows: sheet.rows.len(), imported, problems }
    } else {
        ImportReport { rows: sheet.rows.len(), imported: 0, problems }
    };
    if report.problems.is_empty() {
        idempotency::complete(&mut tx, idem, 201, &report).await?;
        tx.commit().await?;
        tracing::info!(partners.imported = imported, "partners imported");
    }
    Ok(report)
}
