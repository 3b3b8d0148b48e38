//! Importing partners from a CSV or XLSX sheet, all or nothing: the page that describes the
//! columns, the template to start from, and the report of an upload.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::AppError;
use qudao_app::partners::{self as uc, ImportColumn, ImportReport, import_columns};

use crate::api::partners::ProgressQuery;
use crate::api::partners::download;
use crate::context::{Authed, RequestContext, field_message};
use crate::error::{WebError, WebResult};
use crate::extract::Upload;
use crate::i18n::{self, Lang};
use crate::pages::{Chrome, FormState, render};
use crate::state::AppState;

/// A column as the page describes it.
struct ColumnRow {
    zh: &'static str,
    en: &'static str,
    aliases: String,
    required: bool,
    description: &'static str,
}

/// One bad row of a failed import.
struct ProblemRow {
    row: usize,
    messages: Vec<String>,
}

/// The outcome of an upload.
struct Outcome {
    rows: usize,
    imported: usize,
    problems: Vec<ProblemRow>,
}

#[derive(Template)]
#[template(path = "console/partners_import.html")]
struct ImportPage {
    c: Chrome,
    columns: Vec<ColumnRow>,
    form: FormState,
    outcome: Option<Outcome>,
    /// A fresh id under which the next upload's progress can be polled.
    progress_id: String,
}

/// The header of a column in `lang`, or the field as reported when it names no column.
fn header(lang: Lang, columns: &[ImportColumn], field: &str) -> String {
    match columns.iter().find(|c| c.key == field) {
        Some(column) if lang.is_zh() => column.zh.to_string(),
        Some(column) => column.en.to_string(),
        None => field.to_string(),
    }
}

fn outcome(lang: Lang, report: &ImportReport) -> Outcome {
    let columns = import_columns();
    let problems = report
        .problems
        .iter()
        .map(|problem| ProblemRow {
            row: problem.row,
            messages: problem
                .errors
                .iter()
                .map(|error| {
                    let message = field_message(lang, error);
                    // Unknown columns are named in the message itself.
                    if error.code == "unknown_column" {
                        message
                    } else {
                        format!("{}: {message}", header(lang, &columns, &error.field))
                    }
                })
                .collect(),
        })
        .collect();
    Outcome { rows: report.rows, imported: report.imported, problems }
}

async fn render_import(
    state: &AppState,
    context: &RequestContext,
    form: FormState,
    outcome: Option<Outcome>,
    status: StatusCode,
) -> Response {
    let lang = context.lang;
    let columns = import_columns()
        .into_iter()
        .map(|column| ColumnRow {
            zh: column.zh,
            en: column.en,
            aliases: column.aliases.join(", "),
            required: column.required,
            description: i18n::t(lang, &format!("partner.import.col.{}", column.key)),
        })
        .collect();
    let c = Chrome::new(state, context, "partner.import.title", "/console/partners").await;
    let progress_id = qudao_app::tokens::random_token().unwrap_or_default().chars().take(32).collect();
    render(status, &ImportPage { c, columns, form, outcome, progress_id })
}

/// `GET /console/partners/import`.
pub(super) async fn import_page(State(state): State<AppState>, Authed(_, context): Authed) -> Response {
    render_import(&state, &context, FormState::new(), None, StatusCode::OK).await
}

/// `POST /console/partners/import`: a multipart upload of the sheet.
pub(super) async fn import_partners(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    axum::extract::Query(query): axum::extract::Query<ProgressQuery>,
    upload: Result<Upload, WebError>,
) -> WebResult<Response> {
    let progress = query.progress.as_deref().filter(|id| qudao_app::progress::valid_id(id));
    let result = match upload {
        Ok(upload) => uc::import_partners(state.app(), &ctx, &upload.bytes, None, progress).await,
        Err(WebError::App(AppError::Invalid(invalid))) => Err(AppError::Invalid(invalid)),
        Err(other) => return Err(other),
    };
    match result {
        Ok(report) => {
            let status = if report.problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            let outcome = outcome(context.lang, &report);
            Ok(render_import(&state, &context, FormState::new(), Some(outcome), status).await)
        }
        Err(AppError::Invalid(invalid)) => {
            let mut form = FormState::new();
            form.fail(context.lang, &invalid, &["file"]);
            Ok(render_import(&state, &context, form, None, StatusCode::UNPROCESSABLE_ENTITY).await)
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /console/partners/import/template.csv`: an empty sheet with the accepted headers in the
/// caller's language (UTF-8 with a byte-order mark, so Excel shows Chinese correctly).
pub(super) async fn download_template(Authed(_, context): Authed) -> WebResult<Response> {
    let headers: Vec<&str> = import_columns().iter().map(|c| if context.lang.is_zh() { c.zh } else { c.en }).collect();
    let bytes = qudao_app::sheets::write_csv(&headers, &[])?;
    Ok(download(bytes, "text/csv; charset=utf-8", "partners-template.csv"))
}
