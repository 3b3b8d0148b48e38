//! Reading orders.

use qudao_domain::access::Permission;
use qudao_domain::ids::OrderId;
use qudao_store::orders::{self, OrderFilter, OrderSummary, OrderView};
use qudao_store::page::{Page, PageRequest};

use crate::{App, AppError, AppResult, Ctx};

/// One order (a partner user: only its own company's; a channel manager: its partners').
pub async fn get_order(app: &App, ctx: &Ctx, id: OrderId) -> AppResult<OrderView> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    orders::get(&mut tx, id).await?.ok_or(AppError::NotFound)
}

/// A page of the orders the caller sees, newest first.
pub async fn list_orders(
    app: &App,
    ctx: &Ctx,
    filter: &OrderFilter,
    page: &PageRequest,
) -> AppResult<Page<OrderSummary>> {
    ctx.require(Permission::OrdersRead)?;
    let mut tx = app.read(ctx).await?;
    Ok(orders::list(&mut tx, filter, page).await?)
}
