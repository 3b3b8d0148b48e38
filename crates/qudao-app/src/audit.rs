//! Reading the audit log.

use qudao_domain::access::Permission;
use qudao_store::audit::{self, AuditFilter, AuditView};
use qudao_store::page::{Page, PageRequest};

use crate::{App, AppResult, Ctx};

/// A page of the audit records the caller may see, filtered by object, user and time.
pub async fn list_audit(app: &App, ctx: &Ctx, filter: &AuditFilter, page: &PageRequest) -> AppResult<Page<AuditView>> {
    ctx.require(Permission::AuditRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(audit::list(&mut tx, filter, page).await?)
}
