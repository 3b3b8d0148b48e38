//! Approval flows as saved (every version kept), the instances objects follow, their open tasks,
//! history and delegations, and the reads that turn a step's approvers into people.

pub mod delegations;
pub mod instances;
pub mod people;

use qudao_domain::ids::{FlowId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreResult, Tx};

/// A flow as listed: its current version's definition (JSON of `qudao_domain::approvals::Flow`).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FlowRow {
    /// Id.
    pub id: FlowId,
    /// `order`, `return`…
    pub object_kind: String,
    /// Its name.
    pub name: String,
    /// Order among the kind's flows (tried lowest first).
    pub position: i64,
    /// The current version.
    pub version: i64,
    /// `active` or `archived`.
    pub status: String,
    /// The current version's definition.
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    /// Last change.
    pub updated_ms: i64,
    /// By whom.
    pub updated_by: UserId,
}

/// A flow to store, or its next version.
#[derive(Debug, Clone)]
pub struct FlowWrite<'a> {
    /// Id.
    pub id: FlowId,
    /// Kind.
    pub object_kind: &'a str,
    /// Name.
    pub name: &'a str,
    /// Position.
    pub position: i64,
    /// The definition, JSON.
    pub definition: &'a str,
    /// Who saves it.
    pub by: UserId,
    /// When.
    pub now_ms: i64,
}

const FLOW: &str = "SELECT f.id, f.object_kind, f.name, f.position, f.version, f.status, v.definition, f.updated_ms, \
                    f.updated_by FROM approval_flows f \
                    JOIN approval_flow_versions v ON v.flow_id = f.id AND v.version = f.version WHERE 1 = 1";

fn flow_row(row: &sqlx::any::AnyRow) -> StoreResult<FlowRow> {
    let definition = row.text("definition")?;
    Ok(FlowRow {
        id: row.parse("id")?,
        object_kind: row.text("object_kind")?,
        name: row.text("name")?,
        position: row.int("position")?,
        version: row.int("version")?,
        status: row.text("status")?,
        definition: serde_json::from_str(&definition)
            .map_err(|e| crate::StoreError::Corrupt(format!("flow definition: {e}")))?,
        updated_ms: row.int("updated_ms")?,
        updated_by: row.parse("updated_by")?,
    })
}

/// Stores a new flow at version 1.
pub async fn insert_flow(tx: &mut Tx, flow: &FlowWrite<'_>) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO approval_flows (id, object_kind, name, position, version, status, created_ms, updated_ms, \
         updated_by) VALUES (",
    );
    sql.bind(flow.id).push(", ").bind(flow.object_kind).push(", ").bind(flow.name).push(", ").bind(flow.position);
    sql.push(", 1, 'active', ").bind(flow.now_ms).push(", ").bind(flow.now_ms).push(", ").bind(flow.by).push(")");
    sql.execute(tx.conn()).await?;
    insert_version(tx, flow, 1).await
}

async fn insert_version(tx: &mut Tx, flow: &FlowWrite<'_>, version: i64) -> StoreResult<()> {
    let mut sql =
        Sql::new("INSERT INTO approval_flow_versions (flow_id, version, definition, created_ms, created_by) VALUES (");
    sql.bind(flow.id).push(", ").bind(version).push(", ").bind(flow.definition).push(", ").bind(flow.now_ms);
    sql.push(", ").bind(flow.by).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Saves the next version of a flow if it is still at `expected` (two editors: one wins); false
/// when it moved on meanwhile.
pub async fn save_version(tx: &mut Tx, flow: &FlowWrite<'_>, expected: i64) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE approval_flows SET version = version + 1, name = ");
    sql.bind(flow.name).push(", position = ").bind(flow.position).push(", updated_ms = ").bind(flow.now_ms);
    sql.push(", updated_by = ").bind(flow.by).push(" WHERE id = ").bind(flow.id).push(" AND version = ").bind(expected);
    if sql.execute(tx.conn()).await? != 1 {
        return Ok(false);
    }
    insert_version(tx, flow, expected + 1).await?;
    Ok(true)
}

/// Archives or re-activates a flow (guarded by its version like an edit).
pub async fn set_status(tx: &mut Tx, id: FlowId, status: &str, by: UserId, now_ms: i64) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE approval_flows SET status = ");
    sql.bind(status).push(", updated_ms = ").bind(now_ms).push(", updated_by = ").bind(by);
    sql.push(" WHERE id = ").bind(id).push(" AND status <> ").bind(status);
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// One flow.
pub async fn get_flow(tx: &mut Tx, id: FlowId) -> StoreResult<Option<FlowRow>> {
    let mut sql = Sql::new(FLOW);
    sql.push_bind(" AND f.id = ", id);
    tx.scope().filter_brand_only(&mut sql); // flows are the brand's configuration
    sql.fetch_optional(tx.conn()).await?.as_ref().map(flow_row).transpose()
}

/// The flows, optionally of one kind and only active ones, in the order they are tried.
pub async fn list_flows(tx: &mut Tx, kind: Option<&str>, active_only: bool) -> StoreResult<Vec<FlowRow>> {
    let mut sql = Sql::new(FLOW);
    if let Some(kind) = kind {
        sql.push_bind(" AND f.object_kind = ", kind);
    }
    if active_only {
        sql.push(" AND f.status = 'active'");
    }
    tx.scope().filter_brand_only(&mut sql); // flows are the brand's configuration
    sql.push(" ORDER BY f.object_kind, f.position, f.created_ms");
    sql.fetch_all(tx.conn()).await?.iter().map(flow_row).collect()
}

/// The active flows of one kind, in the order they are tried, for routing an object — read past
/// the caller's scope: a partner's submission follows the brand's flows, which the partner may
/// not list.
pub async fn routing_flows(tx: &mut Tx, kind: &str) -> StoreResult<Vec<FlowRow>> {
    let own = tx.swap_scope(crate::Scope::system("approval routing reads the brand's flows")).await?;
    let flows = list_flows(tx, Some(kind), true).await;
    tx.swap_scope(own).await?;
    flows
}

/// One saved version of a flow (an instance's, or an earlier one to compare).
pub async fn flow_version(tx: &mut Tx, id: FlowId, version: i64) -> StoreResult<Option<serde_json::Value>> {
    let mut sql = Sql::new("SELECT definition FROM approval_flow_versions WHERE flow_id = ");
    sql.bind(id).push_bind(" AND version = ", version);
    tx.scope().filter_brand_only(&mut sql); // flows are the brand's configuration
    match sql.fetch_optional(tx.conn()).await? {
        Some(row) => Ok(Some(
            serde_json::from_str(&row.text("definition")?)
                .map_err(|e| crate::StoreError::Corrupt(format!("flow definition: {e}")))?,
        )),
        None => Ok(None),
    }
}
