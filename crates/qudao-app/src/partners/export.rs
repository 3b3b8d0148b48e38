//! Exporting partners to CSV or XLSX, in the columns import reads.

use qudao_domain::access::Permission;
use qudao_store::page::{Cursor, PageRequest};
use qudao_store::partners::{self, PartnerFilter};

use super::columns::COLUMNS;
use crate::sheets::{write_csv, write_xlsx};
use crate::{App, AppResult, Ctx};

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// UTF-8 CSV with a byte-order mark.
    Csv,
    /// Excel workbook.
    Xlsx,
}

/// Exports every partner the caller may see that matches `filter`, with headers in Chinese or
/// English. Reads page by page so memory stays flat on large exports.
pub async fn export_partners(
    app: &App,
    ctx: &Ctx,
    filter: &PartnerFilter,
    format: ExportFormat,
    chinese_headers: bool,
) -> AppResult<Vec<u8>> {
    ctx.require(Permission::PartnersExport)?;
    let mut tx = app.read(ctx).await?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut page = PageRequest::first(qudao_store::page::MAX_LIMIT);
    loop {
        let batch = partners::list(&mut tx, filter, &page).await?;
        for p in &batch.items {
            let region_name = if chinese_headers { &p.region.name_zh } else { &p.region.name_en };
            rows.push(
                COLUMNS
                    .iter()
                    .map(|c| match c.key {
                        "code" => p.code.clone(),
                        "name" => p.name.clone(),
                        "name_en" => p.name_en.clone().unwrap_or_default(),
                        "short_name" => p.short_name.clone().unwrap_or_default(),
                        "kind" => p.kind.as_str().to_string(),
                        "tier" => p.tier.code.clone(),
                        "region" => p.region.code.clone(),
                        "region_name" => region_name.clone(),
                        "parent" => p.parent.as_ref().map(|x| x.code.clone()).unwrap_or_default(),
                        "credit_code" => p.credit_code.clone().unwrap_or_default(),
                        "status" => p.status.as_str().to_string(),
                        "remark" => p.remark.clone().unwrap_or_default(),
                        _ => String::new(),
                    })
                    .collect(),
            );
        }
        match batch.next.as_deref().and_then(Cursor::decode) {
            Some(after) => page.after = Some(after),
            None => break,
        }
    }
    // The contact columns are for import; exports leave them empty rather than pick one contact.
    let header: Vec<&str> = COLUMNS.iter().map(|c| if chinese_headers { c.zh } else { c.en }).collect();
    match format {
        ExportFormat::Csv => write_csv(&header, &rows),
        ExportFormat::Xlsx => write_xlsx(if chinese_headers { "合作伙伴" } else { "Partners" }, &header, &rows),
    }
}
