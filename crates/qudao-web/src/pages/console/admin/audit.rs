//! The audit log page: who changed what and when, filtered by object, user and date.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_domain::ids::UserId;
use qudao_store::audit::{AuditFilter, AuditView};
use serde::Deserialize;

use crate::api::ListQuery;
use crate::context::Authed;
use crate::error::WebResult;
use crate::extract::ApiQuery;
use crate::i18n;
use crate::pages::{Chrome, render};
use crate::state::AppState;

/// Rows per page.
const PAGE_SIZE: u32 = 50;

/// Object kinds offered as suggestions in the filter (others can be typed).
const KINDS: &[&str] = &["partner", "contact", "address", "user", "product", "sku", "api_key", "settings"];

/// Kinds whose objects have a console page.
fn object_href(kind: &str, id: &str) -> Option<String> {
    let base = match kind {
        "partner" => "/console/partners",
        "user" => "/console/users",
        "product" => "/console/products",
        _ => return None,
    };
    Some(format!("{base}/{id}"))
}

/// The filters as the form and the pager send them; dates are `YYYY-MM-DD` in China time.
#[derive(Debug, Deserialize, Default)]
pub(super) struct AuditQuery {
    #[serde(default)]
    object_kind: String,
    #[serde(default)]
    object_id: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    after: String,
}

impl AuditQuery {
    fn next_href(&self, cursor: &str) -> String {
        let pairs = [
            ("object_kind", self.object_kind.as_str()),
            ("object_id", self.object_id.as_str()),
            ("actor", self.actor.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("after", cursor),
        ];
        let kept: Vec<(&str, &str)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        format!("/console/audit?{}", serde_urlencoded::to_string(kept).unwrap_or_default())
    }
}

/// The first millisecond of a `YYYY-MM-DD` day in China Standard Time; `None` for anything
/// that is not a real date.
fn day_start_ms(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1900..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let ms = qudao_domain::dates::china_midnight_ms(u32::try_from(year * 10_000 + month * 100 + day).ok()?);
    // 31 February is not a date: it comes back as another day.
    let same_day = i64::from(qudao_app::clock::china_date(ms)) == year * 10_000 + month * 100 + day;
    same_day.then_some(ms)
}

/// One record as a row.
struct AuditRow {
    time: String,
    actor: String,
    actor_id: Option<String>,
    kind: String,
    object_id: String,
    object_href: Option<String>,
    action: String,
    before: Option<String>,
    after: Option<String>,
}

/// JSON as stored, indented for reading.
fn pretty(json: Option<&str>) -> Option<String> {
    let json = json?;
    Some(
        serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|value| serde_json::to_string_pretty(&value).ok())
            .unwrap_or_else(|| json.to_string()),
    )
}

fn row(c: &Chrome, record: &AuditView) -> AuditRow {
    let kind_key = format!("audit.kind.{}", record.object_kind);
    AuditRow {
        time: c.datetime(record.at_ms),
        actor: if record.actor_label.is_empty() { c.t("audit.system").to_string() } else { record.actor_label.clone() },
        actor_id: record.actor_id.map(|id| id.to_string()),
        kind: if i18n::has(&kind_key) { c.t(&kind_key).to_string() } else { record.object_kind.clone() },
        object_id: record.object_id.clone(),
        object_href: object_href(&record.object_kind, &record.object_id),
        action: record.action.clone(),
        before: pretty(record.before.as_deref()),
        after: pretty(record.after.as_deref()),
    }
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    c: Chrome,
    query: AuditQuery,
    kinds: &'static [&'static str],
    rows: Vec<AuditRow>,
    next: Option<String>,
    actor_error: Option<&'static str>,
    from_error: Option<&'static str>,
    to_error: Option<&'static str>,
}

pub(super) async fn list_audit(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> WebResult<Response> {
    let page = ListQuery { limit: Some(PAGE_SIZE), after: Some(query.after.clone()) }.page()?;
    let c = Chrome::new(&state, &context, "audit.title", "/console/audit").await;
    let blank = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
    let (mut actor_error, mut from_error, mut to_error) = (None, None, None);
    let actor_id = match blank(&query.actor) {
        None => None,
        Some(text) => text.parse::<UserId>().map_err(|_| actor_error = Some(c.t("audit.invalid_id"))).ok(),
    };
    let from_ms = match blank(&query.from) {
        None => None,
        Some(text) => day_start_ms(&text).or_else(|| {
            from_error = Some(c.t("audit.invalid_date"));
            None
        }),
    };
    // The "to" day is included: the filter runs until the next day begins.
    let to_ms = match blank(&query.to) {
        None => None,
        Some(text) => day_start_ms(&text).map(|ms| ms + 86_400_000).or_else(|| {
            to_error = Some(c.t("audit.invalid_date"));
            None
        }),
    };
    let failed = actor_error.is_some() || from_error.is_some() || to_error.is_some();
    let (rows, next) = if failed {
        (Vec::new(), None)
    } else {
        let filter = AuditFilter {
            object_kind: blank(&query.object_kind),
            object_id: blank(&query.object_id),
            actor_id,
            from_ms,
            to_ms,
        };
        let found = qudao_app::audit::list_audit(state.app(), &ctx, &filter, &page).await?;
        let next = found.next.as_deref().map(|cursor| query.next_href(cursor));
        (found.items.iter().map(|record| row(&c, record)).collect(), next)
    };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let template = AuditPage { c, query, kinds: KINDS, rows, next, actor_error, from_error, to_error };
    Ok(render(status, &template))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_begin_at_midnight_in_china() {
        // 2026-11-28 00:00 in Beijing is 2026-11-27 16:00 UTC.
        assert_eq!(day_start_ms("2026-11-28"), Some(1_795_795_200_000));
        assert_eq!(day_start_ms("1970-01-01"), Some(-8 * 3_600_000));
        assert_eq!(day_start_ms("2000-02-29"), Some(951_753_600_000));
    }

    #[test]
    fn only_real_dates_are_accepted() {
        for bad in ["2026-02-30", "2026-13-01", "yesterday", "2026-1", "", "2026-00-10"] {
            assert_eq!(day_start_ms(bad), None, "{bad}");
        }
    }
}
