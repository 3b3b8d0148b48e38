//! The brand's registration rules — the conflict table and the protection periods — kept as JSON
//! settings and edited by an administrator.

use qudao_domain::access::Permission;
use qudao_domain::deals::conflicts::ConflictRules;
use qudao_domain::deals::registration::ProtectionRules;
use qudao_domain::{FieldError, Invalid};
use qudao_store::{Tx, audit, settings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{App, AppError, AppResult, Ctx};

/// The setting holding the conflict table.
const CONFLICT_RULES: &str = "deals.conflict_rules";
/// The setting holding the protection periods.
const PROTECTION_RULES: &str = "deals.protection_rules";

/// Both tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRules {
    /// What a conflict leads to.
    pub conflicts: ConflictRules,
    /// How long claims last and how they are extended.
    pub protection: ProtectionRules,
}

/// The rules in force (defaults where none were saved).
pub(crate) async fn load(tx: &mut Tx) -> AppResult<RegistrationRules> {
    let conflicts = settings::get(tx, CONFLICT_RULES).await?;
    let protection = settings::get(tx, PROTECTION_RULES).await?;
    Ok(RegistrationRules {
        conflicts: if conflicts.is_empty() { ConflictRules::default() } else { parse(&conflicts)? },
        protection: if protection.is_empty() { ProtectionRules::default() } else { parse(&protection)? },
    })
}

fn parse<T: for<'de> Deserialize<'de>>(json: &str) -> AppResult<T> {
    serde_json::from_str(json).map_err(|e| AppError::Internal(format!("stored registration rules: {e}")))
}

/// The rules, for the console and partners' forms (how long a claim lasts).
pub async fn get_rules(app: &App, ctx: &Ctx) -> AppResult<RegistrationRules> {
    ctx.require(Permission::DealsRead)?;
    let mut tx = app.read(ctx).await?;
    load(&mut tx).await
}

/// Saves new rules (administrators); claims already protected keep their end dates.
pub async fn set_rules(app: &App, ctx: &Ctx, rules: &RegistrationRules) -> AppResult<RegistrationRules> {
    ctx.require(Permission::SettingsManage)?;
    let mut invalid = Invalid::new();
    if let Err(error) = rules.conflicts.validate() {
        invalid.push(FieldError { field: format!("conflicts.{}", error.field), ..error });
    }
    if let Err(errors) = rules.protection.validate() {
        for error in errors.errors {
            invalid.push(FieldError { field: format!("protection.{}", error.field), ..error });
        }
    }
    invalid.into_result()?;
    let now = app.now_ms();
    let by = Some(ctx.caller().user_id());
    let mut tx = app.write(ctx).await?;
    let before = load(&mut tx).await?;
    settings::set(&mut tx, CONFLICT_RULES, &to_json(&rules.conflicts)?, now, by).await?;
    settings::set(&mut tx, PROTECTION_RULES, &to_json(&rules.protection)?, now, by).await?;
    audit::insert(&mut tx, &ctx.audit(now, "registration_rules", "deals", "update", None, Some(&before), Some(rules)))
        .await?;
    tx.commit().await?;
    Ok(rules.clone())
}

fn to_json<T: Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))
}
