//! Brand settings the console edits.

use qudao_domain::access::Permission;
use qudao_domain::text;
use qudao_store::{audit, settings};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{App, AppError, AppResult, Ctx};

/// The brand settings, typed.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct BrandSettings {
    /// The brand owner's name shown in the header.
    pub brand_name: String,
    /// Whether a distributor's users see their sub-dealers.
    pub parent_sees_sub_dealers: bool,
}

/// The current settings (any signed-in user: pages show the brand name).
pub async fn get_settings(app: &App, ctx: &Ctx) -> AppResult<BrandSettings> {
    ctx.require(Permission::SignedIn)?;
    let mut tx = app.read(ctx).await?;
    Ok(BrandSettings {
        brand_name: settings::get(&mut tx, settings::BRAND_NAME).await?,
        parent_sees_sub_dealers: settings::parent_sees_sub_dealers(&mut tx).await?,
    })
}

/// Changes the settings; a change of sub-dealer visibility applies from each user's next request.
pub async fn update_settings(app: &App, ctx: &Ctx, new: &BrandSettings) -> AppResult<BrandSettings> {
    ctx.require(Permission::SettingsManage)?;
    let brand_name = text::required("brand_name", &new.brand_name, 60).map_err(|e| AppError::Invalid(e.into()))?;
    let before = get_settings(app, ctx).await?;
    let now = app.now_ms();
    let by = Some(ctx.caller().user_id());
    let mut tx = app.write(ctx).await?;
    settings::set(&mut tx, settings::BRAND_NAME, &brand_name, now, by).await?;
    let visible = if new.parent_sees_sub_dealers { "true" } else { "false" };
    settings::set(&mut tx, settings::PARENT_SEES_SUB_DEALERS, visible, now, by).await?;
    let after = BrandSettings { brand_name, parent_sees_sub_dealers: new.parent_sees_sub_dealers };
    audit::insert(&mut tx, &ctx.audit(now, "settings", "brand", "update", None, Some(&before), Some(&after))).await?;
    tx.commit().await?;
    app.callers().forget_all();
    Ok(after)
}
