//! A small channel in which every isolation boundary exists, for the registry-driven tests.
//!
//! ```text
//! 华东 R-EAST ─ 上海 CN-SH ─ D1 distributor (the "own" company) ─ S1 sub-dealer (in Nanjing)
//!             └ 江苏 CN-JS ─ D2 distributor (a sibling)           ─ S2 sub-dealer
//! 华南 R-SOUTH ─ 广东 CN-GD ─ F1 distributor (another region)
//! ```
//! The channel manager is assigned Shanghai only, so of all partners only D1 is theirs.
//! Distributors see their sub-dealers (the brand setting is on). Every partner-owned thing
//! carries a marker string (`ZZD2`, a unique phone) so a response can be searched for leaks.

use std::collections::BTreeMap;

use qudao_domain::access::Role;
use qudao_domain::ids::RegistrationId;
use qudao_domain::ids::{
    AddressId, AdjustmentId, ApiKeyId, ApprovalId, ContactId, DelegationId, DeliveryId, EndpointId, FairId, FileId,
    FlowId, NotificationId, OrderId, PartnerId, PaymentId, PriceListId, ProductId, PromotionId, ReceiptId, ReturnId,
    SavedListId, ShipmentId, SkuId, StatementId, UserId,
};
use qudao_domain::partners::{AddressDraft, ContactDraft, PartnerKind};
use qudao_store::Scope;
use qudao_store::catalog::{self, NewProduct, NewSku};
use qudao_store::files::{self, FileRecord};

use crate::{PartnerBuilder, TestApp, UserBuilder};

/// Everything one partner owns in the world.
#[derive(Debug, Clone)]
pub struct Owned {
    /// The partner.
    pub id: PartnerId,
    /// Its code.
    pub code: String,
    /// Its contact.
    pub contact: ContactId,
    /// Its address.
    pub address: AddressId,
    /// Its administrator.
    pub admin: UserId,
    /// A file it owns.
    pub file: FileId,
    /// An order it placed (3 units of the active SKU, 2 shipped, 1 of those asked back).
    pub order: OrderId,
    /// The shipment of those 2 units.
    pub shipment: ShipmentId,
    /// The return asked for 1 unit.
    pub return_id: ReturnId,
    /// A saved list (常购清单) of the active SKU (and one unit of it in the cart).
    pub saved_list: SavedListId,
    /// Its own price list (a draft), which only its wall may see.
    pub price_list: PriceListId,
    /// A receipt (回款) from it, settling part of its order.
    pub receipt: ReceiptId,
    /// A statement (对账单) of the year so far, up to yesterday.
    pub statement: StatementId,
    /// A pending adjustment (调账) of its rebate.
    pub adjustment: AdjustmentId,
    /// An online payment started for an order of its placed with payment `online`.
    pub payment: PaymentId,
    /// That payment's id at the provider (the simulator).
    pub payment_ref: String,
    /// Another order placed with payment `online`, no payment started yet.
    pub awaiting_payment: OrderId,
    /// An order waiting at the first step of its approval (the flow it follows was archived
    /// since, so other orders are approved at once).
    pub approval_order: OrderId,
    /// That order's approval.
    pub approval: ApprovalId,
    /// A registration (客户报备) of an end customer named after its marker.
    pub registration: RegistrationId,
    /// A lead routed to it (by a rule naming it, for leads of an industry named after its marker).
    pub lead: String,
    /// An opportunity of its own, for a customer named after its marker.
    pub opportunity: String,
    /// Strings that appear only in this partner's data.
    pub markers: Vec<String>,
}

/// The world.
#[derive(Debug, Clone)]
pub struct World {
    /// Partners by name: d1, s1, d2, s2, f1.
    pub partners: BTreeMap<&'static str, Owned>,
    /// Signed-in logins by caller name, with their role.
    pub callers: Vec<(&'static str, Role)>,
    /// An active product (visible to everyone).
    pub product_on: ProductId,
    /// Its SKU.
    pub sku_on: SkuId,
    /// An inactive product (brand staff only).
    pub product_off: ProductId,
    /// Its SKU.
    pub sku_off: SkuId,
    /// A picture of the inactive product.
    pub image_off: FileId,
    /// An API key of the brand administrator.
    pub api_key: ApiKeyId,
    /// An open ordering fair offering the active SKU, with demand from every partner.
    pub fair: FairId,
    /// A draft promotion naming D1 and D2 as eligible partners.
    pub promotion: PromotionId,
    /// A webhook endpoint subscribed to every event.
    pub webhook_endpoint: EndpointId,
    /// One of its deliveries, dead-lettered.
    pub webhook_delivery: DeliveryId,
    /// An approval flow for orders (archived: its orders in flight keep it).
    pub flow: FlowId,
    /// A routing rule for leads (the brand's; the one sending D1 its lead).
    pub routing_rule: String,
    /// A notification of brand.root's (an approval waiting for the administrators).
    pub notification: NotificationId,
    /// A customer in the registration pool (D1 registered it, then released it): every
    /// partner may see and claim it.
    pub pool_entry: RegistrationId,
    /// The brand's users by login (`brand.root`, `brand.cm`, `brand.finance`…).
    pub brand_users: BTreeMap<&'static str, UserId>,
    /// A hand-over of brand.root's approvals to brand.finance, for next year.
    pub delegation: DelegationId,
    /// Markers of the inactive product.
    pub product_off_markers: Vec<String>,
    /// Markers of brand users, hidden from partner users.
    pub brand_markers: Vec<String>,
}

/// The partners each caller must not reach.
pub fn forbidden_partners(caller: &str) -> &'static [&'static str] {
    match caller {
        "brand.root" | "brand.finance" | "brand.marketing" | "brand.warehouse" | "brand.exec" => &[],
        "brand.cm" => &["s1", "d2", "s2", "f1"],
        "d1.admin" | "d1.sales" | "d1.finance" => &["d2", "s2", "f1"],
        "s1.admin" => &["d1", "d2", "s2", "f1"],
        "d2.admin" => &["d1", "s1", "f1"],
        _ => &["d1", "s1", "d2", "s2", "f1"],
    }
}

impl World {
    /// Builds the world in `app`.
    pub async fn build(app: &TestApp) -> World {
        app.setting(qudao_store::settings::PARENT_SEES_SUB_DEALERS, "true").await;
        let brand: [(&'static str, Role); 6] = [
            ("brand.root", Role::BrandAdmin),
            ("brand.cm", Role::ChannelManager),
            ("brand.finance", Role::Finance),
            ("brand.marketing", Role::Marketing),
            ("brand.warehouse", Role::Warehouse),
            ("brand.exec", Role::Executive),
        ];
        let mut brand_ids = BTreeMap::new();
        for (login, role) in brand {
            brand_ids.insert(login, UserBuilder::new(login, role).create(app).await);
        }
        app.assign_region(brand_ids["brand.cm"], "CN-SH").await;
        let ctx = app.ctx_of("brand.root").await;

        let d1 = PartnerBuilder::new("上海ZZD1商贸有限公司").region("CN-SH-SH").tier("platinum").create(app).await;
        let s1 = PartnerBuilder::new("南京ZZS1商行")
            .region("CN-JS-NJ")
            .sub_dealer_of(d1.id)
            .tier("silver")
            .create(app)
            .await;
        let d2 = PartnerBuilder::new("苏州ZZD2贸易有限公司").region("CN-JS-SZ").create(app).await;
        let s2 = PartnerBuilder::new("苏州ZZS2批发部").region("CN-JS-SZ").sub_dealer_of(d2.id).create(app).await;
        let f1 = PartnerBuilder::new("广州ZZF1食品有限公司")
            .region("CN-GD-GZ")
            .kind(PartnerKind::Distributor)
            .credit_code("914403001922038216")
            .create(app)
            .await;
        let mut partners = BTreeMap::new();
        for (index, (name, partner)) in
            [("d1", &d1), ("s1", &s1), ("d2", &d2), ("s2", &s2), ("f1", &f1)].into_iter().enumerate()
        {
            let marker = format!("ZZ{}", name.to_uppercase());
            let phone = format!("1390000{:04}", 1000 + index);
            let contact =
                ContactDraft::parse(&format!("联系人{marker}"), None, Some(&phone), None, true).expect("contact");
            let contact = qudao_app::partners::add_contact(&app.app, &ctx, partner.id, &contact, None)
                .await
                .expect("add contact");
            let address = AddressDraft::parse("shipping", "CN-SH-SH", &format!("{marker}路1号"), None, None, true)
                .expect("address");
            let address = qudao_app::partners::add_address(&app.app, &ctx, partner.id, &address, None)
                .await
                .expect("add address");
            let admin_login = format!("{name}.admin");
            let admin = UserBuilder::new(&admin_login, Role::PartnerAdmin).partner(partner.id).create(app).await;
            let file = FileId::new();
            let key = format!("imports/{file}.csv");
            app.app.files().put(&key, format!("name\n{marker}\n").into_bytes()).await.expect("file bytes");
            let mut tx = app.app.db().write(&Scope::system("test world")).await.expect("tx");
            files::insert(
                &mut tx,
                &FileRecord {
                    id: file,
                    partner_id: Some(partner.id),
                    purpose: "import".into(),
                    filename: format!("{marker}.csv"),
                    content_type: "text/csv".into(),
                    size_bytes: 10,
                    sha256: "0".repeat(64),
                    storage_key: key,
                    thumb_key: None,
                    width: None,
                    height: None,
                    created_by: None,
                    created_ms: app.app.now_ms(),
                },
            )
            .await
            .expect("file");
            tx.commit().await.expect("commit");
            let markers = vec![
                partner.id.to_string(),
                partner.code.clone(),
                partner.name.clone(),
                marker,
                phone,
                admin_login,
                admin.to_string(),
                contact.id.to_string(),
                address.id.to_string(),
                file.to_string(),
            ];
            partners.insert(
                name,
                Owned {
                    id: partner.id,
                    code: partner.code.clone(),
                    contact: contact.id,
                    address: address.id,
                    admin,
                    file,
                    order: OrderId::new(),
                    shipment: ShipmentId::new(),
                    return_id: ReturnId::new(),
                    saved_list: SavedListId::new(),
                    receipt: ReceiptId::new(),
                    statement: StatementId::new(),
                    adjustment: AdjustmentId::new(),
                    payment: PaymentId::new(),
                    payment_ref: String::new(),
                    awaiting_payment: OrderId::new(),
                    approval_order: OrderId::new(),
                    approval: ApprovalId::new(),
                    registration: RegistrationId::new(),
                    lead: String::new(),
                    opportunity: String::new(),
                    price_list: PriceListId::new(),
                    markers,
                },
            );
        }
        if let Some(f1) = partners.get_mut("f1") {
            f1.markers.push("914403001922038216".into());
        }
        for (login, role) in [("d1.sales", Role::PartnerSales), ("d1.finance", Role::PartnerFinance)] {
            UserBuilder::new(login, role).partner(d1.id).create(app).await;
        }

        // Catalog: one active and one inactive product, with a picture of the inactive one.
        let mut tx = app.app.db().write(&Scope::system("test world")).await.expect("tx");
        let categories = qudao_store::catalog::masters::categories(&mut tx).await.expect("categories");
        let brands = qudao_store::catalog::masters::brands(&mut tx).await.expect("brands");
        let units = qudao_store::catalog::masters::units(&mut tx).await.expect("units");
        let make = |code: &'static str, zh: &'static str, en: &'static str| NewProduct {
            id: ProductId::new(),
            code: code.into(),
            name_zh: zh.into(),
            name_en: en.into(),
            category_id: categories[1].id,
            brand_id: brands[0].id,
            base_unit_id: units[0].id,
            tax_rate_bp: 1300,
            description: None,
            units: vec![],
            now_ms: 0,
        };
        let on = make("P-ON-1", "澜溪可乐", "Lanxi Cola");
        let off = make("P-ZZOFF-1", "未发布ZZOFF饮料", "Unreleased ZZOFF Drink");
        let (sku_on, sku_off) = (SkuId::new(), SkuId::new());
        for (product, sku, sku_code) in [(&on, sku_on, "S-ON-1"), (&off, sku_off, "S-ZZOFF-1")] {
            catalog::insert(&mut tx, product).await.expect("product");
            catalog::insert_sku(
                &mut tx,
                &NewSku {
                    id: sku,
                    product_id: product.id,
                    code: sku_code.into(),
                    spec: vec![("规格".into(), "500ml".into())],
                    name_zh: format!("{} 500ml", product.name_zh),
                    name_en: format!("{} 500ml", product.name_en),
                    barcode: None,
                    list_price: 350,
                    currency: "CNY".into(),
                    now_ms: 0,
                },
            )
            .await
            .expect("sku");
            catalog::refresh_search_key(&mut tx, product.id).await.expect("search key");
        }
        catalog::set_status(&mut tx, off.id, false, 0).await.expect("deactivate");
        let image_off = FileId::new();
        let picture = {
            let mut bytes = Vec::new();
            image::RgbImage::from_pixel(4, 4, image::Rgb([1, 2, 3]))
                .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
                .expect("png");
            bytes
        };
        let key = format!("images/{image_off}.png");
        app.app.files().put(&key, picture).await.expect("picture");
        files::insert(
            &mut tx,
            &FileRecord {
                id: image_off,
                partner_id: None,
                purpose: "product_image".into(),
                filename: "ZZOFF.png".into(),
                content_type: "image/png".into(),
                size_bytes: 10,
                sha256: "0".repeat(64),
                storage_key: key,
                thumb_key: None,
                width: Some(4),
                height: Some(4),
                created_by: None,
                created_ms: 0,
            },
        )
        .await
        .expect("image");
        catalog::add_image(&mut tx, off.id, image_off, 0).await.expect("attach");
        tx.commit().await.expect("commit");

        let api_key =
            qudao_app::access::api_keys::create_api_key(&app.app, &ctx, "ERP", &["partners:read".into()], None)
                .await
                .expect("api key")
                .view
                .id;

        // Ordering: stock of the active SKU, a credit line and one order per partner, whose
        // remark carries the partner's marker; part of it shipped, with tracking, and part of
        // that asked back, so shipments and returns have an owner too.
        let warehouse = app.warehouse("WH-TEST", 1).await;
        app.receive(sku_on, warehouse, 10_000).await;
        // A second warehouse, for transfers and counts.
        app.warehouse("WH-TEST2", 2).await;
        let brand_ctx = app.ctx_of("brand.root").await;
        let now = app.app.now_ms();
        let fair_request = qudao_app::fairs::FairRequest {
            code: "F-WORLD".into(),
            name: "测试订货会".into(),
            starts_ms: now - 3_600_000,
            ends_ms: now + 30 * 86_400_000,
            rule: "pro_rata".into(),
            items: vec![qudao_app::fairs::FairItemRequest { sku: "S-ON-1".into(), price: 900, stock: 10 }],
            quotas: Vec::new(),
        };
        let fair =
            qudao_app::fairs::create_fair(&app.app, &brand_ctx, &fair_request, None).await.expect("fair").fair.id;
        for (name, owned) in partners.iter_mut() {
            app.credit_line(owned.id, 1_000_000).await;
            let ctx = app.ctx_of(&format!("{name}.admin")).await;
            let request = qudao_app::orders::OrderRequest {
                lines: vec![qudao_app::pricing::LineRequest { sku: "S-ON-1".into(), quantity: 3, unit: None }],
                payment: "credit".into(),
                rebate: None,
                address_id: None,
                requested_date: None,
                remark: Some(format!("备注{}", owned.markers[3])),
            };
            let placed = qudao_app::orders::place_order(&app.app, &ctx, &request, None).await.expect("order");
            let qudao_app::orders::Placed::New(order) = placed else { panic!("a replay without a key") };
            owned.order = order.summary.id;
            owned.markers.push(order.summary.id.to_string());
            owned.markers.push(order.summary.number.clone());
            let online_request = qudao_app::orders::OrderRequest { payment: "online".into(), ..request.clone() };
            let placed =
                qudao_app::orders::place_order(&app.app, &ctx, &online_request, None).await.expect("online order");
            let qudao_app::orders::Placed::New(online) = placed else { panic!("a replay without a key") };
            let payment = qudao_app::finance::payments::start_payment(&app.app, &ctx, online.summary.id, None, None)
                .await
                .expect("payment");
            // Paid at the simulator, then the order cancelled: the money waits as prepaid balance,
            // to be refunded through the provider.
            let notice = app
                .app
                .payments()
                .simulator()
                .expect("simulator")
                .pay(&payment.provider_ref, app.app.now_ms())
                .expect("pay");
            qudao_app::finance::payments::receive_notification(&app.app, "sim", &notice).await.expect("notified");
            qudao_app::orders::cancel_order(&app.app, &ctx, online.summary.id, Some("改为线下付款"))
                .await
                .expect("cancel the paid order");
            owned.payment = payment.id;
            owned.payment_ref = payment.provider_ref.clone();
            owned.markers.push(payment.id.to_string());
            owned.markers.push(payment.provider_ref);
            owned.markers.push(online.summary.number.clone());
            let placed =
                qudao_app::orders::place_order(&app.app, &ctx, &online_request, None).await.expect("online order");
            let qudao_app::orders::Placed::New(waiting) = placed else { panic!("a replay without a key") };
            owned.awaiting_payment = waiting.summary.id;
            owned.markers.push(waiting.summary.number.clone());
            let ship = qudao_app::orders::ShipRequest {
                warehouse: None,
                carrier: "顺丰速运".into(),
                tracking_no: format!("SF{}", owned.markers[3]),
                lines: vec![qudao_app::orders::LineAmount { line_no: 1, quantity: 2 }],
            };
            let shipment =
                qudao_app::orders::ship_order(&app.app, &brand_ctx, owned.order, &ship, None).await.expect("ship");
            let event = qudao_app::orders::TrackingRequest {
                status: "in_transit".into(),
                location: Some(format!("转运中心{}", owned.markers[3])),
                description: "已发出".into(),
                at_ms: None,
            };
            qudao_app::orders::add_tracking_event(&app.app, &brand_ctx, shipment.id, &event, None)
                .await
                .expect("track");
            owned.shipment = shipment.id;
            owned.markers.push(shipment.id.to_string());
            owned.markers.push(shipment.number);
            let ask = qudao_app::orders::ReturnRequest {
                reason: format!("破损{}", owned.markers[3]),
                lines: vec![qudao_app::orders::LineAmount { line_no: 1, quantity: 1 }],
            };
            let asked =
                qudao_app::orders::request_return(&app.app, &ctx, owned.order, &ask, None).await.expect("return");
            owned.return_id = asked.id;
            owned.markers.push(asked.id.to_string());
            owned.markers.push(asked.number);
            let list = qudao_app::orders::SavedListRequest {
                name: format!("常购{}", owned.markers[3]),
                lines: Some(vec![qudao_app::pricing::LineRequest { sku: "S-ON-1".into(), quantity: 6, unit: None }]),
            };
            let list = qudao_app::orders::create_saved_list(&app.app, &ctx, &list, None).await.expect("saved list");
            owned.saved_list = list.summary.id;
            let cart = qudao_app::orders::CartChange {
                lines: vec![qudao_app::pricing::LineRequest { sku: "S-ON-1".into(), quantity: 1, unit: None }],
                mode: qudao_app::orders::CartMode::Add,
            };
            qudao_app::orders::change_cart(&app.app, &ctx, &cart).await.expect("cart");
            owned.markers.push(list.summary.id.to_string());
            let paid = qudao_app::finance::ReceiptInput {
                amount: "1.00".into(),
                method: None,
                received_date: None,
                proof_file_id: None,
                memo: Some(format!("回款{}", owned.markers[3])),
                allocations: None,
            };
            let paid =
                qudao_app::finance::record_receipt(&app.app, &brand_ctx, owned.id, &paid, None).await.expect("receipt");
            owned.receipt = paid.id;
            owned.markers.push(paid.id.to_string());
            owned.markers.push(paid.number);
            let yesterday = qudao_app::clock::china_date(app.app.now_ms() - 86_400_000);
            let period = qudao_app::finance::StatementInput {
                period_from: format!("{}-01-01", yesterday / 10_000),
                period_to: qudao_domain::dates::format_date(yesterday),
            };
            let statement = qudao_app::finance::issue_statement(&app.app, &brand_ctx, owned.id, &period, None)
                .await
                .expect("statement");
            owned.statement = statement.statement.id;
            owned.markers.push(statement.statement.id.to_string());
            let adjustment = qudao_app::finance::AdjustmentInput {
                account: "rebate".into(),
                amount: "1.00".into(),
                order_id: None,
                reason: format!("调账{}", owned.markers[3]),
            };
            let adjustment = qudao_app::finance::request_adjustment(&app.app, &brand_ctx, owned.id, &adjustment, None)
                .await
                .expect("adjustment");
            owned.adjustment = adjustment.id;
            owned.markers.push(adjustment.id.to_string());
            let claim = qudao_app::deals::RegistrationBody {
                customer_name: format!("{}终端客户科技有限公司", owned.markers[3]),
                contacts: vec![qudao_app::deals::ContactBody {
                    name: Some("客户联系人".into()),
                    phone: Some(owned.markers[4].clone()),
                    email: None,
                }],
                ..Default::default()
            };
            let claim = qudao_app::deals::submit(&app.app, &ctx, &claim, None).await.expect("registration");
            owned.registration = claim.registration.id;
            owned.markers.push(claim.registration.id.to_string());
            owned.markers.push(claim.registration.number);
            owned.markers.push(claim.registration.customer_name);
            let want = [qudao_app::fairs::DemandLine { sku: "S-ON-1".into(), quantity: 5 }];
            qudao_app::fairs::set_demand(&app.app, &ctx, fair, &want).await.expect("fair demand");
        }

        // Approvals: a flow every order follows while it is active; one order per partner
        // placed under it, then the flow archived, so the rest of the world is approved at once.
        let flow_input: qudao_app::approvals::flows::FlowInput = serde_json::from_value(serde_json::json!({
            "object_kind": "order",
            "name": "测试审批流",
            "steps": [{ "name": "品牌审批", "branches": [{ "approvers": [{ "kind": "role", "role": "brand_admin" }], "mode": "any" }] }]
        }))
        .expect("flow input");
        let flow = qudao_app::approvals::flows::create(&app.app, &brand_ctx, &flow_input, None)
            .await
            .expect("flow")
            .id
            .expect("id");
        for (name, owned) in partners.iter_mut() {
            let ctx = app.ctx_of(&format!("{name}.admin")).await;
            let request = qudao_app::orders::OrderRequest {
                lines: vec![qudao_app::pricing::LineRequest { sku: "S-ON-1".into(), quantity: 1, unit: None }],
                payment: "credit".into(),
                rebate: None,
                address_id: None,
                requested_date: None,
                remark: None,
            };
            let placed =
                qudao_app::orders::place_order(&app.app, &ctx, &request, None).await.expect("order to approve");
            let qudao_app::orders::Placed::New(order) = placed else { panic!("a replay without a key") };
            let approvals = qudao_app::approvals::of_object(&app.app, &ctx, "order", &order.summary.id.to_string())
                .await
                .expect("approvals");
            owned.approval_order = order.summary.id;
            owned.approval = approvals.first().expect("an approval").id;
            owned.markers.push(order.summary.number.clone());
            owned.markers.push(owned.approval.to_string());
        }
        qudao_app::approvals::flows::set_active(&app.app, &brand_ctx, flow, false).await.expect("archive");
        let notification =
            qudao_app::notifications::inbox(&app.app, &brand_ctx, false, &qudao_store::page::PageRequest::first(1))
                .await
                .expect("inbox")
                .items
                .first()
                .expect("an approval waiting for brand.root")
                .id;
        // Leads: one rule per partner, for leads of an industry named after its marker, and one
        // lead each, routed to it.
        let mut routing_rule = String::new();
        for (position, owned) in partners.values_mut().enumerate() {
            let detail =
                qudao_app::partners::get_partner(&app.app, &brand_ctx, owned.id).await.expect("partner detail");
            let input: qudao_app::deals::leads::RuleInput = serde_json::from_value(serde_json::json!({
                "position": position,
                "rule": {
                    "name": format!("路由规则{position}"),
                    "lead_industries": [format!("行业{}", owned.markers[3])],
                    "partner_regions": [detail.partner.region.path],
                    "partners": [owned.id],
                    "strategy": "round_robin",
                    "sla_hours": 24
                }
            }))
            .expect("rule input");
            let rule =
                qudao_app::deals::leads::create_rule(&app.app, &brand_ctx, &input, None).await.expect("routing rule");
            if routing_rule.is_empty() {
                routing_rule = rule.id;
            }
            let lead = qudao_app::deals::leads::LeadBody {
                company: format!("线索{}有限公司", owned.markers[3]),
                phone: Some("13900009999".into()),
                region: Some("CN-SH".into()),
                industry: Some(format!("行业{}", owned.markers[3])),
                ..Default::default()
            };
            let lead = qudao_app::deals::leads::create(&app.app, &brand_ctx, &lead, None).await.expect("lead");
            assert_eq!(lead.lead.partner_id, Some(owned.id), "the lead goes to its partner");
            owned.lead = lead.lead.id.clone();
            owned.markers.push(lead.lead.id);
            owned.markers.push(lead.lead.number);
            owned.markers.push(lead.lead.company);
            let ctx = app.ctx_of(&format!("{}.admin", partner_name(owned))).await;
            let deal = qudao_app::deals::opportunities::OpportunityBody {
                customer_name: Some(format!("商机客户{}有限公司", owned.markers[3])),
                amount: Some(serde_json::json!("1000")),
                ..Default::default()
            };
            let deal = qudao_app::deals::opportunities::create(&app.app, &ctx, &deal, None).await.expect("opportunity");
            owned.opportunity = deal.opportunity.id.clone();
            owned.markers.push(deal.opportunity.id);
            owned.markers.push(deal.opportunity.number);
        }
        let pool_entry = {
            let ctx = app.ctx_of("d1.admin").await;
            let body = qudao_app::deals::RegistrationBody {
                customer_name: "公海测试客户有限公司".into(),
                ..Default::default()
            };
            let held = qudao_app::deals::submit(&app.app, &ctx, &body, None).await.expect("registration to release");
            qudao_app::deals::release(&app.app, &ctx, held.registration.id, None).await.expect("release");
            held.registration.id
        };
        let delegation = {
            let input = qudao_app::approvals::DelegationInput {
                delegate_id: brand_ids["brand.finance"],
                object_kind: None,
                from_ms: Some(app.app.now_ms() + 365 * 86_400_000),
                until_ms: app.app.now_ms() + 372 * 86_400_000,
            };
            qudao_app::approvals::delegate(&app.app, &brand_ctx, &input, None).await.expect("delegation").id
        };

        // Pricing: each partner's own draft price list (its code carries the partner's marker),
        // and a draft promotion naming D1 and D2, which a channel manager of Shanghai sees with
        // D1 only.
        for owned in partners.values_mut() {
            let input = qudao_app::pricing::PriceListInput {
                code: format!("PL-{}", owned.markers[3]),
                name: format!("专属价{}", owned.markers[3]),
                scope: "partner".into(),
                target: Some(owned.code.clone()),
                valid_from: "2026-01-01".into(),
                valid_to: None,
                status: "draft".into(),
                entries: vec![qudao_app::pricing::PriceEntryInput { sku: "S-ON-1".into(), price: "3.30".into() }],
                version: None,
            };
            let list = qudao_app::pricing::create_price_list(&app.app, &brand_ctx, &input, None).await.expect("list");
            owned.price_list = list.list.id;
            owned.markers.push(list.list.id.to_string());
            owned.markers.push(list.list.code);
        }
        let promotion = qudao_app::pricing::PromotionInput {
            code: "PR-WORLD".into(),
            name: "满100减10".into(),
            kind: qudao_app::pricing::PromotionKindInput::SpendReduce {
                threshold: "100".into(),
                off: "10".into(),
                repeat: false,
            },
            eligibility: qudao_app::pricing::EligibilityInput {
                tiers: Vec::new(),
                regions: Vec::new(),
                partners: vec![partners["d1"].code.clone(), partners["d2"].code.clone()],
                valid_from: "2026-01-01".into(),
                valid_to: "2026-12-31".into(),
            },
            scope: qudao_app::pricing::ItemScopeInput::default(),
            priority: 0,
            stacking: "stackable".into(),
            limit_per_partner: None,
            status: "draft".into(),
            version: None,
        };
        let promotion =
            qudao_app::pricing::create_promotion(&app.app, &brand_ctx, &promotion, None).await.expect("promotion").id;

        // The ERP link: an endpoint (at a public address nothing here calls) subscribed to
        // everything above, and one of its deliveries dead-lettered so that it can be replayed.
        let endpoint = qudao_app::integration::EndpointInput {
            url: "https://1.1.1.1/qudao-world".into(),
            events: vec!["*".into()],
            description: Some("ERP".into()),
            active: None,
        };
        let webhook_endpoint = qudao_app::integration::create_endpoint(&app.app, &brand_ctx, &endpoint, None)
            .await
            .expect("endpoint")
            .view
            .id;
        let deliverer = qudao_app::integration::Deliverer::new(app.app.clone()).expect("deliverer");
        deliverer.dispatch().await.expect("dispatch");
        let webhook_delivery = {
            use qudao_store::integration::deliveries::{self, Next, Outcome};
            let now = app.app.now_ms();
            let mut tx = app.app.db().write(&Scope::system("test world")).await.expect("tx");
            let taken = deliveries::claim(&mut tx, "world", 1, now, now + 60_000).await.expect("claim");
            let first = taken.first().expect("a delivery of the world's events");
            let outcome = Outcome {
                id: first.id,
                endpoint_id: first.endpoint_id,
                at_ms: now,
                duration_ms: 1,
                status: Some(500),
                error: None,
                excerpt: None,
                next: Next::Dead,
                disable_endpoint: false,
            };
            deliveries::record(&mut tx, "world", &[outcome]).await.expect("record");
            tx.commit().await.expect("commit");
            first.id
        };

        let mut callers: Vec<(&'static str, Role)> = brand.to_vec();
        callers.extend([
            ("d1.admin", Role::PartnerAdmin),
            ("d1.sales", Role::PartnerSales),
            ("d1.finance", Role::PartnerFinance),
            ("s1.admin", Role::PartnerAdmin),
            ("d2.admin", Role::PartnerAdmin),
        ]);
        World {
            partners,
            callers,
            product_on: on.id,
            sku_on,
            product_off: off.id,
            sku_off,
            image_off,
            api_key,
            fair,
            promotion,
            webhook_endpoint,
            webhook_delivery,
            flow,
            routing_rule,
            delegation,
            notification,
            pool_entry,
            product_off_markers: vec![
                off.id.to_string(),
                "P-ZZOFF-1".into(),
                "ZZOFF".into(),
                sku_off.to_string(),
                image_off.to_string(),
            ],
            brand_markers: vec!["brand.root".into(), "brand.cm".into(), brand_ids["brand.root"].to_string()],
            brand_users: brand_ids,
        }
    }
}

/// The world's short name of a partner (`d1`), from its marker (`ZZD1`).
fn partner_name(owned: &Owned) -> String {
    owned.markers[3].trim_start_matches("ZZ").to_lowercase()
}
