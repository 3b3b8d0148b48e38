//! Reading and writing spreadsheets: CSV (UTF-8, or GBK/GB18030 as Chinese Excel saves it) and
//! XLSX.
//!
//! Imports get a plain table of trimmed strings with the sheet's own row numbers; cells that hold
//! a formula are reported rather than read, since an import must take values people can see.
//! Exports are UTF-8 CSV with a byte-order mark (so Excel opens Chinese text correctly) or XLSX,
//! and any text that a spreadsheet would run as a formula is written as plain text.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::{AppError, AppResult};

/// One row of an imported sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// The row number as the user sees it in their spreadsheet (the header is row 1).
    pub number: usize,
    /// Cell texts, trimmed.
    pub cells: Vec<String>,
    /// Columns (0-based) whose cell held a formula.
    pub formula_columns: Vec<usize>,
}

/// A sheet: its header row and data rows (empty rows skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// Header cells, trimmed.
    pub header: Vec<String>,
    /// Data rows.
    pub rows: Vec<SheetRow>,
}

/// Which format a file is in, by its content: XLSX files are ZIP archives.
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Reads a CSV or XLSX file.
pub fn read_sheet(bytes: &[u8], max_rows: usize) -> AppResult<Sheet> {
    let table = if is_xlsx(bytes) { read_xlsx(bytes)? } else { read_csv(bytes)? };
    let mut iter = table.into_iter();
    let Some((_, header, _)) = iter.next() else {
        return Err(AppError::field("file", "empty_sheet"));
    };
    let mut rows = Vec::new();
    for (number, cells, formula_columns) in iter {
        if cells.iter().all(String::is_empty) && formula_columns.is_empty() {
            continue;
        }
        rows.push(SheetRow { number, cells, formula_columns });
        if rows.len() > max_rows {
            return Err(AppError::field("file", "too_many_rows"));
        }
    }
    Ok(Sheet { header, rows })
}

type RawRow = (usize, Vec<String>, Vec<usize>);

fn decode_text(bytes: &[u8]) -> AppResult<String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8(rest.to_vec()).map_err(|_| AppError::field("file", "invalid_encoding"));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    // Excel in Chinese saves CSV in the system code page, GBK; GB18030 is its superset.
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(AppError::field("file", "invalid_encoding"));
    }
    Ok(text.into_owned())
}

fn read_csv(bytes: &[u8]) -> AppResult<Vec<RawRow>> {
    let text = decode_text(bytes)?;
    if text.contains('\0') {
        return Err(AppError::field("file", "not_a_sheet"));
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|_| AppError::field("file", "not_a_sheet"))?;
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        // A CSV cell starting with "=" is what a spreadsheet would run as a formula.
        let formulas = cells.iter().enumerate().filter(|(_, c)| c.starts_with('=')).map(|(i, _)| i).collect();
        rows.push((index + 1, cells, formulas));
    }
    Ok(rows)
}

fn read_xlsx(bytes: &[u8]) -> AppResult<Vec<RawRow>> {
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|_| AppError::field("file", "not_a_sheet"))?;
    let Some(name) = workbook.sheet_names().first().cloned() else {
        return Err(AppError::field("file", "empty_sheet"));
    };
    let range = workbook.worksheet_range(&name).map_err(|_| AppError::field("file", "not_a_sheet"))?;
    let formulas = workbook.worksheet_formula(&name).map_err(|_| AppError::field("file", "not_a_sheet"))?;
    let Some((first_row, first_col)) = range.start() else { return Ok(Vec::new()) };
    let mut rows = Vec::new();
    for (offset, row) in range.rows().enumerate() {
        let sheet_row = first_row as usize + offset;
        let mut cells: Vec<String> = vec![String::new(); first_col as usize];
        cells.extend(row.iter().map(cell_text));
        let formula_columns = (0..cells.len())
            .filter(|col| formulas.get_value((sheet_row as u32, *col as u32)).is_some_and(|f| !f.trim().is_empty()))
            .collect();
        rows.push((sheet_row + 1, cells, formula_columns));
    }
    Ok(rows)
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        // Whole numbers typed into Excel come back as floats ("13" as 13.0).
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Makes text safe to open in a spreadsheet: a leading `=`, `+`, `-`, `@`, tab or carriage
/// return would make Excel run it as a formula, so such text gets a leading apostrophe.
pub fn neutralise_formula(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// Writes a CSV in UTF-8 with a byte-order mark.
pub fn write_csv(header: &[&str], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(header).map_err(|e| AppError::Internal(e.to_string()))?;
        for row in rows {
            writer
                .write_record(row.iter().map(|c| neutralise_formula(c)))
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
        writer.flush().map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(out)
}

/// Writes an XLSX workbook with one sheet; every cell is a string cell, never a formula.
pub fn write_xlsx(sheet_name: &str, header: &[&str], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let internal = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    sheet.set_name(sheet_name).map_err(internal)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, title) in header.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *title, &bold).map_err(internal)?;
        sheet.set_column_width(col as u16, 18).map_err(internal)?;
    }
    for (index, row) in rows.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            sheet.write_string(index as u32 + 1, col as u16, cell).map_err(internal)?;
        }
    }
    workbook.save_to_buffer().map_err(internal)
}

/// A cell of a typed sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, written as a string cell (never a formula).
    Text(String),
    /// Fen, written as a number of yuan with two decimals, so the sheet can sum it.
    Yuan(i64),
}

/// Writes an XLSX workbook with one sheet: `preamble` rows (a document's heading figures), then a
/// bold header and the rows. Money stays numeric; text never becomes a formula.
pub fn write_xlsx_cells(
    sheet_name: &str,
    preamble: &[Vec<Cell>],
    header: &[&str],
    rows: &[Vec<Cell>],
) -> AppResult<Vec<u8>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let internal = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    sheet.set_name(sheet_name).map_err(internal)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let money = rust_xlsxwriter::Format::new().set_num_format("#,##0.00");
    let write = |sheet: &mut rust_xlsxwriter::Worksheet, row: u32, cells: &[Cell]| -> AppResult<()> {
        for (col, cell) in cells.iter().enumerate() {
            let col = u16::try_from(col).map_err(|_| AppError::Internal("too many columns".into()))?;
            match cell {
                Cell::Text(text) => sheet.write_string(row, col, text).map(|_| ()),
                // Fen to yuan is exact in f64 for any amount below 2^53 fen.
                Cell::Yuan(fen) => sheet.write_number_with_format(row, col, *fen as f64 / 100.0, &money).map(|_| ()),
            }
            .map_err(internal)?;
        }
        Ok(())
    };
    let mut row = 0u32;
    for cells in preamble {
        write(sheet, row, cells)?;
        row += 1;
    }
    for (col, title) in header.iter().enumerate() {
        let col = u16::try_from(col).map_err(|_| AppError::Internal("too many columns".into()))?;
        sheet.write_string_with_format(row, col, *title, &bold).map_err(internal)?;
        sheet.set_column_width(col, 18).map_err(internal)?;
    }
    for cells in rows {
        row += 1;
        write(sheet, row, cells)?;
    }
    workbook.save_to_buffer().map_err(internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_gbk_is_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("名称,等级\n南京恒泰商贸有限公司,gold\n");
        let sheet = read_sheet(&gbk, 100).unwrap();
        assert_eq!(sheet.header, vec!["名称", "等级"]);
        assert_eq!(sheet.rows[0].cells, vec!["南京恒泰商贸有限公司", "gold"]);
        assert_eq!(sheet.rows[0].number, 2);
    }

    #[test]
    fn bytes_that_are_no_text_are_refused() {
        let junk = [0xFFu8, 0xFE, 0x00, 0x81, 0x00, 0xFF];
        assert!(read_sheet(&junk, 100).is_err());
    }

    #[test]
    fn formulas_are_flagged_in_csv_and_neutralised_on_export() {
        let sheet = read_sheet("a,b\n=1+1,x\n".as_bytes(), 100).unwrap();
        assert_eq!(sheet.rows[0].formula_columns, vec![0]);
        let csv = write_csv(&["a"], &[vec!["=HYPERLINK(\"x\")".into()], vec!["-5".into()]]).unwrap();
        let text = String::from_utf8(csv[3..].to_vec()).unwrap();
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(text.contains("'-5"));
    }

    #[test]
    fn xlsx_round_trips_and_formulas_are_flagged() {
        let bytes = write_xlsx("Partners", &["名称", "等级"], &[vec!["甲公司".into(), "gold".into()]]).unwrap();
        let sheet = read_sheet(&bytes, 100).unwrap();
        assert_eq!(sheet.header, vec!["名称", "等级"]);
        assert_eq!(sheet.rows[0].cells, vec!["甲公司", "gold"]);
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let ws = workbook.add_worksheet();
        ws.write_string(0, 0, "name").unwrap();
        ws.write_formula(1, 0, "=1+1").unwrap();
        let with_formula = workbook.save_to_buffer().unwrap();
        let sheet = read_sheet(&with_formula, 100).unwrap();
        assert_eq!(sheet.rows[0].formula_columns, vec![0]);
    }

    #[test]
    fn too_many_rows_are_refused() {
        let text = "a\n1\n2\n3\n";
        assert!(read_sheet(text.as_bytes(), 2).is_err());
    }
}
