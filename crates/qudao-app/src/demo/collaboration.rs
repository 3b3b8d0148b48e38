//! Demo collaboration: the approval flows a brand like the demo's would set up, the large orders
//! still waiting put through them (so `cm.east` and `finance` find a queue), and discussions on
//! recent orders between the brand's channel managers and the partners' people, one with an
//! internal note — so the queue, the flow editor, the approval panels and the threads all have
//! something to show.

use qudao_domain::approvals::{Approver, Branch, Condition, Flow, Mode, Step, Subject};
use qudao_domain::ids::{FlowId, MessageId, UserId};
use qudao_domain::orders::approval_facts;
use qudao_store::approvals::{self as store, FlowWrite, instances, people};
use qudao_store::orders::{self, OrderFilter};
use qudao_store::page::PageRequest;
use qudao_store::threads::{self, NewMessage};
use qudao_store::{Db, Tx, partners, settings};

use super::users::ADMIN;
use super::{Progress, scope};
use crate::AppResult;

/// Orders above this wait for their channel manager, then finance (¥50,000).
const LARGE_ORDER: i64 = 5_000_000;
/// Returns above this wait for finance (¥2,000).
const LARGE_RETURN: i64 = 200_000;
/// How many waiting orders are put through the flow, and how many orders get a discussion.
const WAITING: u32 = 12;
const DISCUSSED: u32 = 8;

/// What was written.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Written {
    /// Flows saved.
    pub flows: usize,
    /// Orders now waiting in a flow.
    pub approvals: usize,
    /// Messages written.
    pub messages: usize,
}

fn step(name: &str, approver: Approver, escalate_hours: Option<i64>) -> Step {
    Step {
        name: name.into(),
        branches: vec![Branch { approvers: vec![approver], mode: Mode::Any }],
        only_if: None,
        escalate_after_ms: escalate_hours.map(|h| h * 3_600_000),
    }
}

/// The demo's flows: large orders to the partner's channel manager (escalating after two days)
/// then finance; large returns to finance.
fn flows() -> Vec<(&'static str, Flow)> {
    vec![
        (
            "大额订单审批",
            Flow {
                object_kind: Subject::Order.as_str().into(),
                version: 1,
                applies_if: Some(Condition::AmountOver { value: LARGE_ORDER }),
                steps: vec![
                    step("渠道经理审批", Approver::ChannelManager, Some(48)),
                    step("财务审批", Approver::Role { role: qudao_domain::access::Role::Finance }, None),
                ],
            },
        ),
        (
            "大额退货审批",
            Flow {
                object_kind: Subject::Return.as_str().into(),
                version: 1,
                applies_if: Some(Condition::AmountOver { value: LARGE_RETURN }),
                steps: vec![step("财务审批", Approver::Role { role: qudao_domain::access::Role::Finance }, None)],
            },
        ),
    ]
}

/// Writes the flows, puts waiting large orders through them and starts discussions.
pub(crate) async fn write(db: &Db, now_ms: i64, progress: &dyn Progress) -> AppResult<Written> {
    progress.stage("collaboration", 3);
    let mut tx = db.write(&scope()).await?;
    let known = people::by_logins(&mut tx, &[ADMIN.0.to_string()]).await?;
    let Some(admin) = known.first().map(|(_, id)| *id) else { return Ok(Written::default()) };
    let mut written = Written::default();
    for (position, (name, flow)) in flows().into_iter().enumerate() {
        let definition = serde_json::to_string(&flow).map_err(|e| crate::AppError::Internal(e.to_string()))?;
        let write = FlowWrite {
            id: FlowId::new(),
            object_kind: &flow.object_kind,
            name,
            position: position as i64 + 1,
            definition: &definition,
            by: admin,
            now_ms,
        };
        store::insert_flow(&mut tx, &write).await?;
        written.flows += 1;
    }
    progress.advance(1);
    written.approvals = put_through(&mut tx, now_ms).await?;
    progress.advance(1);
    written.messages = discuss(&mut tx, admin, now_ms).await?;
    tx.commit().await?;
    progress.advance(1);
    Ok(written)
}

/// Submitted orders over the threshold that wait for the brand now wait in the flow instead.
async fn put_through(tx: &mut Tx, now_ms: i64) -> AppResult<usize> {
    let snapshot = settings::snapshot(tx).await?;
    let flows = crate::approvals::flows_for(tx, Subject::Order, &snapshot).await?;
    let filter = OrderFilter { status: Some("submitted".into()), ..OrderFilter::default() };
    let waiting = orders::list(tx, &filter, &PageRequest::first(200)).await?;
    let mut started = 0;
    // Those waiting for the money keep waiting for it; the others wait for the brand.
    let for_the_brand = |o: &&qudao_store::orders::OrderSummary| {
        o.total > LARGE_ORDER && o.review_reason.as_deref().is_some_and(|r| !r.starts_with("awaiting"))
    };
    for summary in waiting.items.iter().filter(for_the_brand) {
        if started >= WAITING as usize {
            break;
        }
        let Some(order) = orders::get(tx, summary.id).await? else { continue };
        let Some(submitter) = order.placed_by else { continue };
        if instances::running_of(tx, Subject::Order.as_str(), &summary.id.to_string()).await?.is_some() {
            continue;
        }
        let Some(partner) = partners::get(tx, summary.partner_id).await? else { continue };
        let facts = approval_facts(
            order.summary.total,
            order.summary.total,
            0,
            &partner.tier.code,
            &partner.region.path,
            Vec::new(),
        );
        let Some(plan) = crate::approvals::plan(&flows, &facts) else { continue };
        let submission = crate::approvals::Submission {
            subject: Subject::Order,
            object_id: summary.id.to_string(),
            partner_id: summary.partner_id,
            summary: format!("{} · {}", summary.number, summary.partner_name),
            amount: summary.total,
            submitter,
            payload: None,
        };
        crate::approvals::begin(tx, &plan, &submission, now_ms - 3_600_000).await?;
        orders::set_review_reason(tx, summary.id, Some("approval")).await?;
        started += 1;
    }
    Ok(started)
}

/// A few recent orders get a discussion: the channel manager asks, the partner answers, and
/// the brand leaves itself an internal note.
async fn discuss(tx: &mut Tx, admin: UserId, now_ms: i64) -> AppResult<usize> {
    let recent = orders::list(tx, &OrderFilter::default(), &PageRequest::first(DISCUSSED)).await?;
    let mut messages = 0;
    for (n, summary) in recent.items.iter().enumerate() {
        let Some(order) = orders::get(tx, summary.id).await? else { continue };
        let Some(placer) = order.placed_by else { continue };
        let pool = people::pool(tx, summary.partner_id, Subject::Order.as_str(), now_ms).await?;
        let manager = pool.managers.first().map_or(admin, |m| m.id);
        let at = summary.placed_ms.max(now_ms - 86_400_000) + 600_000;
        let lines: [(UserId, &str, bool); 3] = [
            (manager, "收到订单，请确认收货地址和期望到货日期。", false),
            (placer, "地址不变，月底前到货即可，谢谢！", false),
            (manager, "内部：该客户回款及时，可优先排产。", true),
        ];
        let take = if n % 2 == 0 { 3 } else { 2 };
        let object_id = summary.id.to_string();
        for (i, (author, body, internal)) in lines.iter().take(take).enumerate() {
            let message = NewMessage {
                id: MessageId::new(),
                object_kind: Subject::Order.as_str(),
                object_id: &object_id,
                partner_id: summary.partner_id,
                author_id: *author,
                body,
                internal: *internal,
                mentions: &[],
                attachments: &[],
                created_ms: at + i as i64 * 900_000,
            };
            threads::insert(tx, &message).await?;
            messages += 1;
        }
    }
    Ok(messages)
}
