//! The partner list's query string: filters, paging and the export format. Unlike the API's
//! `PartnerQuery` it ignores unknown parameters (a browser's address bar may carry anything), then
//! applies the API's rules.

use axum::response::Response;
use qudao_app::Ctx;
use qudao_store::page::PageRequest;
use qudao_store::partners::PartnerFilter;
use serde::Deserialize;

use crate::api::ListQuery;
use crate::api::partners::PartnerQuery;
use crate::error::WebResult;
use crate::i18n::Lang;
use crate::state::AppState;

/// The list's query. Unknown parameters are ignored, as a browser's address bar may carry
/// anything.
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct ListParams {
    pub q: Option<String>,
    pub status: Option<String>,
    pub tier: Option<String>,
    pub kind: Option<String>,
    pub region: Option<String>,
    pub after: Option<String>,
    pub limit: Option<u32>,
    pub format: Option<String>,
}

fn blank(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

impl ListParams {
    /// The filters that are set, as (name, value) pairs, for links that keep them.
    pub fn filters(&self) -> Vec<(&'static str, String)> {
        [("q", &self.q), ("status", &self.status), ("tier", &self.tier), ("kind", &self.kind), ("region", &self.region)]
            .into_iter()
            .filter_map(|(name, value)| blank(value).map(|v| (name, v)))
            .collect()
    }

    /// A link to `path` with the filters and `extra` parameters.
    pub fn href(&self, path: &str, extra: &[(&'static str, String)]) -> String {
        let mut pairs = self.filters();
        pairs.extend(extra.iter().cloned());
        match serde_urlencoded::to_string(&pairs) {
            Ok(query) if !query.is_empty() => format!("{path}?{query}"),
            _ => path.to_string(),
        }
    }

    /// The same filter as the API's, for the API's rules (an unknown value is a 400).
    fn as_api(&self) -> PartnerQuery {
        PartnerQuery {
            q: self.q.clone(),
            status: self.status.clone(),
            kind: self.kind.clone(),
            tier: self.tier.clone(),
            region: self.region.clone(),
            parent: None,
            format: self.format.clone(),
            limit: self.limit,
            after: self.after.clone(),
        }
    }

    /// The store filter; unknown values are a 400.
    pub async fn filter(&self, state: &AppState, ctx: &Ctx) -> WebResult<PartnerFilter> {
        self.as_api().resolve(state, ctx).await
    }

    /// The page wanted.
    pub fn page(&self) -> WebResult<PageRequest> {
        ListQuery { limit: self.limit, after: self.after.clone() }.page()
    }
}

/// The partners matching `params` as a CSV (default) or XLSX download, headers in `lang`.
pub(super) async fn export(state: &AppState, ctx: &Ctx, params: &ListParams, lang: Lang) -> WebResult<Response> {
    crate::api::partners::export_response(state, ctx, &params.as_api(), lang).await
}
