//! Console pages: pricing — the overview of price lists and promotions, and their two editors.
//!
//! Both editors work the same way: the form is typed as people think of it (one price per line,
//! codes separated by commas), every save runs the save-time checks against what is live and a
//! refusal comes back on the field it is about, and "Preview" prices a sample cart for one
//! partner with the live rules and with the draft, side by side, without saving anything. What
//! the two editors share — the sample cart, the preview table, the notices, mapping the use
//! case's field names onto the form — lives here.

pub mod lists;
pub mod promotions;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::AppError;
use qudao_app::pricing::{self as uc, CheckResult, EditorNotice, LineRequest, PromotionKindInput, Quote, SampleCart};
use qudao_domain::access::Permission;
use qudao_domain::{FieldError, Invalid};

use crate::context::{Authed, RequestContext, field_message};
use crate::error::WebResult;
use crate::i18n::{self, Lang};
use crate::pages::console::products::view::Choice;
use crate::pages::ordering::{explain, label, nudges};
use crate::pages::{Chrome, FormState, page};
use crate::registry::{Route, Verb, on};
use crate::state::AppState;

/// One price list in the overview.
struct ListRow {
    id: String,
    code: String,
    name: String,
    scope: String,
    target: String,
    validity: String,
    status: String,
    live: bool,
}

/// One promotion in the overview.
struct PromotionRow {
    id: String,
    code: String,
    name: String,
    kind: String,
    validity: String,
    priority: i64,
    stacking: String,
    status: String,
    live: bool,
}

#[derive(Template)]
#[template(path = "console/pricing.html")]
struct OverviewPage {
    c: Chrome,
    lists: Vec<ListRow>,
    promotions: Vec<PromotionRow>,
    can_manage: bool,
}

/// A day stored as yyyymmdd, as people read it.
fn day(yyyymmdd: i64) -> String {
    qudao_domain::dates::format_date(u32::try_from(yyyymmdd).unwrap_or(0))
}

/// "2026-12-01 – 2026-12-31", or open-ended.
fn validity(c: &Chrome, from: &str, to: Option<&str>) -> String {
    match to.filter(|t| !t.is_empty()) {
        Some(to) => format!("{from} – {to}"),
        None => format!("{from} – {}", c.t("pricing.open_ended")),
    }
}

/// The kind's type code (`spend_reduce`), for labels.
fn kind_code(kind: &PromotionKindInput) -> &'static str {
    match kind {
        PromotionKindInput::SpecialPrice { .. } => "special_price",
        PromotionKindInput::ItemDiscount { .. } => "item_discount",
        PromotionKindInput::SpendReduce { .. } => "spend_reduce",
        PromotionKindInput::SpendPercent { .. } => "spend_percent",
        PromotionKindInput::BuyGift { .. } => "buy_gift",
        PromotionKindInput::Bundle { .. } => "bundle",
    }
}

async fn overview(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let c = Chrome::new(&state, &context, "pricing.title", "/console/pricing").await;
    let lists = uc::price_list_overview(state.app(), &ctx)
        .await?
        .into_iter()
        .map(|s| {
            let valid_to = s.list.valid_to.map(day);
            ListRow {
                id: s.list.id.to_string(),
                validity: validity(&c, &day(s.list.valid_from), valid_to.as_deref()),
                scope: label(&c, "pricing.scope.", &s.list.scope_kind),
                status: label(&c, "pricing.status.", &s.list.status),
                live: s.list.status == "active",
                code: s.list.code,
                name: s.list.name,
                target: s.target.unwrap_or_default(),
            }
        })
        .collect();
    let promotions = uc::list_promotions(state.app(), &ctx)
        .await?
        .into_iter()
        .map(|p| {
            let f = p.form;
            PromotionRow {
                id: p.id.to_string(),
                kind: label(&c, "pricing.kind.", kind_code(&f.kind)),
                validity: validity(&c, &f.eligibility.valid_from, Some(&f.eligibility.valid_to)),
                priority: f.priority,
                stacking: label(&c, "pricing.stacking.", &f.stacking),
                status: label(&c, "pricing.status.", &f.status),
                live: f.status == "active",
                code: f.code,
                name: f.name,
            }
        })
        .collect();
    let can_manage = ctx.caller().may(Permission::PricingManage);
    Ok(page(&OverviewPage { c, lists, promotions, can_manage }))
}

/// Splits a typed list of codes ("gold, silver" or one per line).
fn codes(text: &str) -> Vec<String> {
    text.split(|ch: char| ch == ',' || ch == '，' || ch == '、' || ch == ';' || ch.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The non-blank lines of a textarea as their words (split on tabs, spaces and commas, so a
/// column pasted from a spreadsheet works), each with its 1-based line number.
fn rows(text: &str) -> Vec<(usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.split(|ch: char| ch == ',' || ch == '，' || ch.is_whitespace())))
        .map(|(n, words)| (n, words.filter(|w| !w.is_empty()).collect::<Vec<_>>()))
        .filter(|(_, words)| !words.is_empty())
        .collect()
}

/// The options of a select whose values are `codes`, labelled by `prefix` + code, with `current`
/// selected.
fn choices(c: &Chrome, prefix: &str, codes: &[&str], current: &str) -> Vec<Choice> {
    codes
        .iter()
        .map(|code| Choice {
            code: (*code).to_string(),
            label: label(c, prefix, code),
            selected: *code == current.trim(),
        })
        .collect()
}

/// The sample cart typed into the form ("S-COLA 20 CASE" per line), or none when no partner
/// was given. Returns the typed line number of each cart line too, for errors.
fn sample_cart(form: &FormState) -> Option<(SampleCart, Vec<usize>)> {
    let partner = form.value("sample_partner").trim();
    if partner.is_empty() {
        return None;
    }
    let typed = rows(form.value("sample_lines"));
    let numbers = typed.iter().map(|(n, _)| *n).collect();
    let lines = typed
        .into_iter()
        .map(|(_, words)| LineRequest {
            sku: words[0].to_string(),
            quantity: words.get(1).and_then(|q| q.parse().ok()).unwrap_or(0),
            unit: words.get(2).map(|u| u.to_string()),
        })
        .collect();
    let date = Some(form.value("sample_date").trim().to_string()).filter(|d| !d.is_empty());
    Some((SampleCart { partner: partner.to_string(), lines, date }, numbers))
}

/// Where a use case's field error belongs on a form: the form field, and the typed line it is
/// about when the field is one of many (`entries[2].sku` is line 3 of the prices, unless the
/// editor says which typed line entry 2 came from).
struct FieldMap<'a> {
    /// The form field for a use case field with its `[index]` and anything after it removed.
    rename: &'a (dyn Fn(&str) -> Option<&'static str> + Sync),
    /// Where entry `index` of a many-valued field was typed, as a message key and a number:
    /// (`pricing.line`, 3) for the third line of a textarea, (`pricing.item`, 2) for the
    /// second code of a list.
    lines: &'a (dyn Fn(&str, usize) -> (&'static str, usize) + Sync),
}

impl FieldMap<'_> {
    /// Puts every error of `invalid` on its form field, in the page's language; errors that fit
    /// no field go to the top of the form.
    fn apply(&self, form: &mut FormState, lang: Lang, invalid: &Invalid, sample: &[usize]) {
        for error in &invalid.errors {
            let message = field_message(lang, error);
            let (base, index) = split_index(&error.field);
            let target = match base {
                "sample.partner" => Some("sample_partner"),
                "sample.date" => Some("sample_date"),
                "lines" => Some("sample_lines"),
                other => (self.rename)(other),
            };
            let place = index.map(|i| match base {
                "lines" => ("pricing.line", sample.get(i).copied().unwrap_or(i + 1)),
                _ => (self.lines)(base, i),
            });
            let message = match place {
                Some((key, n)) => format!("{}: {message}", i18n::tf(lang, key, &[("n", &n.to_string())])),
                None => message,
            };
            match target {
                Some(field) => form.add_error(field, &message),
                None => {
                    let line = format!("{}: {message}", error.field);
                    form.general = Some(match form.general.take() {
                        Some(previous) => format!("{previous}; {line}"),
                        None => line,
                    });
                }
            }
        }
    }
}

/// `entries[2].sku` → (`entries`, Some(2)); `name` → (`name`, None).
fn split_index(field: &str) -> (&str, Option<usize>) {
    match field.split_once('[') {
        Some((base, rest)) => (base, rest.split_once(']').and_then(|(i, _)| i.parse().ok())),
        None => (field, None),
    }
}

/// A preview row: one SKU of the sample cart priced live and with the draft.
struct PreviewRow {
    sku: String,
    name: String,
    quantity: String,
    gift: bool,
    before: String,
    after: String,
    changed: bool,
    why: Vec<String>,
}

/// The sample cart priced before and after.
struct Preview {
    rows: Vec<PreviewRow>,
    before_total: String,
    after_total: String,
    before_discount: String,
    after_discount: String,
    changed: bool,
    nudges: Vec<String>,
}

/// Lines of the two quotes matched by SKU, unit and whether they are gifts: a line only one side
/// has shows "—" on the other.
fn preview_of(c: &Chrome, before: &Quote, after: &Quote) -> Preview {
    let key = |l: &qudao_app::pricing::QuotedLine| (l.sku.clone(), l.unit.clone(), l.gift);
    let mut rows: Vec<PreviewRow> = Vec::new();
    for line in &after.lines {
        let old = before.lines.iter().find(|b| key(b) == key(line));
        rows.push(PreviewRow {
            sku: line.sku.clone(),
            name: c.pick(&line.name_zh, &line.name_en).to_string(),
            quantity: format!("{} {}", line.quantity, line.unit),
            gift: line.gift,
            before: old.map(|o| c.money(o.net)).unwrap_or_else(|| "—".into()),
            after: c.money(line.net),
            changed: old.is_none_or(|o| o.net != line.net || o.quantity != line.quantity),
            why: serde_json::to_value(&line.explanation).map(|v| explain(c, &v)).unwrap_or_default(),
        });
    }
    for line in before.lines.iter().filter(|b| !after.lines.iter().any(|a| key(a) == key(b))) {
        rows.push(PreviewRow {
            sku: line.sku.clone(),
            name: c.pick(&line.name_zh, &line.name_en).to_string(),
            quantity: format!("{} {}", line.quantity, line.unit),
            gift: line.gift,
            before: c.money(line.net),
            after: "—".into(),
            changed: true,
            why: Vec::new(),
        });
    }
    let nudges = nudges(c, after);
    Preview {
        changed: rows.iter().any(|r| r.changed) || before.total != after.total,
        rows,
        before_total: c.money(before.total),
        after_total: c.money(after.total),
        before_discount: c.money(before.discount),
        after_discount: c.money(after.discount),
        nudges,
    }
}

/// What a check or a save noticed, as sentences: which live list or promotion the draft overlaps,
/// and what will happen about it.
fn notice_lines(
    c: &Chrome,
    notices: &[EditorNotice],
    lines: &dyn Fn(&str, usize) -> (&'static str, usize),
) -> Vec<String> {
    notices
        .iter()
        .map(|n| {
            let (base, index) = split_index(&n.field);
            let at = match index.map(|i| lines(base, i)) {
                Some((key, n)) => i18n::tf(c.lang, key, &[("n", &n.to_string())]),
                None => String::new(),
            };
            let others = n.others.join(", ");
            let key = format!("pricing.notice.{}", n.code);
            let text = if i18n::has(&key) { i18n::tf(c.lang, &key, &[("others", &others)]) } else { n.code.clone() };
            if at.is_empty() { text } else { format!("{at}: {text}") }
        })
        .collect()
}

/// What an editor page shows under its form: notices, and the preview when one was asked for.
struct CheckView {
    notices: Vec<String>,
    preview: Option<Preview>,
}

impl CheckView {
    fn empty() -> Self {
        CheckView { notices: Vec::new(), preview: None }
    }

    fn of(c: &Chrome, result: &CheckResult, lines: &dyn Fn(&str, usize) -> (&'static str, usize)) -> Self {
        let preview = match (&result.before, &result.after) {
            (Some(before), Some(after)) => Some(preview_of(c, before, after)),
            _ => None,
        };
        CheckView { notices: notice_lines(c, &result.notices, lines), preview }
    }
}

/// The status a refused save or check answers with, after putting its errors on the form; other
/// errors (not found, forbidden) go on to the error page.
fn refusal(
    form: &mut FormState,
    context: &RequestContext,
    error: AppError,
    map: &FieldMap<'_>,
    sample: &[usize],
) -> WebResult<StatusCode> {
    match error {
        AppError::Invalid(invalid) => {
            map.apply(form, context.lang, &invalid, sample);
            Ok(StatusCode::UNPROCESSABLE_ENTITY)
        }
        AppError::Conflict(code) => {
            form.fail_general(context.lang, &format!("error.conflict.{code}"));
            Ok(StatusCode::CONFLICT)
        }
        other => Err(other.into()),
    }
}

/// A sample cart with a partner but no lines is a mistake worth saying, not an empty preview.
fn sample_or_error(form: &FormState) -> Result<Option<(SampleCart, Vec<usize>)>, Invalid> {
    match sample_cart(form) {
        Some((cart, _)) if cart.lines.is_empty() => {
            let mut invalid = Invalid::new();
            invalid.push(FieldError::new("lines", "required"));
            Err(invalid)
        }
        other => Ok(other),
    }
}

/// The overview's route; each editor has its own.
pub const ROUTES: &[Route] =
    &[Route::page(Verb::Get, "/console/pricing", Permission::PricingRead, "Price lists and promotions", |v| {
        on(v, overview)
    })];
