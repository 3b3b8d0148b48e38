//! The price list and promotion editors through the API: what they save is what quotes and
//! orders then use; what the save-time checks refuse is refused clearly in both languages with
//! nothing written; only brand pricing staff may edit; the check prices a sample cart before and
//! after without writing.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use qudao_domain::access::Role;
use qudao_domain::accounts::AccountKind;
use qudao_domain::ids::{PartnerId, SkuId};
use qudao_store::Scope;
use qudao_testkit::{Client, PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};
use serde_json::{Value, json};

/// A gold partner with a sales rep and credit, a cola at ¥2.50 and a gift SKU at ¥1.00, both in
/// stock, and a marketing user who edits prices.
struct Shop {
    partner: PartnerId,
    partner_code: String,
    cola: SkuId,
    gift: SkuId,
}

async fn shop(app: &TestApp) -> Shop {
    let partner = PartnerBuilder::new("甲公司").tier("gold").create(app).await;
    UserBuilder::new("rep", Role::PartnerSales).partner(partner.id).create(app).await;
    UserBuilder::new("mkt", Role::Marketing).create(app).await;
    UserBuilder::new("cm", Role::ChannelManager).create(app).await;
    let cola = app.sku("S-COLA", 250).await;
    let gift = app.sku("S-GIFT", 100).await;
    let warehouse = app.warehouse("WH-A", 1).await;
    app.receive(cola, warehouse, 1_000).await;
    app.receive(gift, warehouse, 100).await;
    app.credit_line(partner.id, 1_000_000).await;
    Shop { partner: partner.id, partner_code: partner.code.clone(), cola, gift }
}

fn gold_list(code: &str, price: &str, from: &str, status: &str) -> Value {
    json!({ "code": code, "name": format!("金牌价{code}"), "scope": "tier", "target": "gold", "valid_from": from,
        "valid_to": "2099-12-31", "status": status, "entries": [{ "sku": "s-cola", "price": price }] })
}

fn spend_reduce(code: &str, threshold: &str, off: &str) -> Value {
    json!({ "code": code, "name": format!("满{threshold}减{off}"),
        "kind": { "type": "spend_reduce", "threshold": threshold, "off": off, "repeat": false },
        "eligibility": { "tiers": ["gold"], "valid_from": "2020-01-01", "valid_to": "2099-12-31" },
        "scope": { "skus": ["S-COLA"] }, "priority": 10, "status": "active" })
}

/// Price lists, promotions, audit rows and the pricing version: what a refused request must not
/// change.
async fn written(app: &TestApp) -> (usize, usize, i64, String) {
    let mut tx = app.app.db().read(&Scope::system("test")).await.expect("tx");
    let lists = qudao_store::pricing::price_lists(&mut tx).await.expect("lists").len();
    let promotions = qudao_store::pricing::promotions(&mut tx).await.expect("promotions").len();
    let audit = qudao_store::audit::count_all(&mut tx).await.expect("audit");
    let version = qudao_store::settings::get(&mut tx, qudao_store::pricing::PRICING_VERSION).await.expect("version");
    (lists, promotions, audit, version)
}

async fn quote(rep: &Client<'_>, quantity: i64) -> Value {
    let response =
        rep.post_json("/api/v1/orders/quote", &json!({ "lines": [{ "sku": "S-COLA", "quantity": quantity }] })).await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()
}

/// The one field error of a refused request, with its message.
fn field_error(response: &qudao_testkit::TestResponse) -> (String, String, String) {
    assert_eq!(response.status, 422, "{}", response.text());
    let body = response.json();
    let fields = body["error"]["fields"].as_array().expect("fields");
    assert_eq!(fields.len(), 1, "{body}");
    let text = |key: &str| fields[0][key].as_str().expect("text").to_string();
    (text("field"), text("code"), text("message"))
}

#[tokio::test]
async fn a_tier_price_list_saved_in_the_editor_prices_the_partners_cart() {
    each_backend(|app| async move {
        shop(&app).await;
        let mkt = app.bearer("mkt", TEST_PASSWORD).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let before = quote(&rep, 10).await;
        assert_eq!(before["lines"][0]["explanation"]["price_source"]["scope"], "catalog");
        assert_eq!(before["total"], 2_500);

        let created = mkt.post_json("/api/v1/price-lists", &gold_list("PL-GOLD", "2.20", "2020-01-01", "active")).await;
        assert_eq!(created.status, 201, "{}", created.text());
        let created = created.json();
        assert_eq!(created["list"]["scope_kind"], "tier");
        assert_eq!(created["list"]["entries"][0]["price"], 220);
        assert_eq!(created["form"]["target"], "gold", "the editor's shape names the tier by code");
        assert_eq!(created["form"]["entries"][0], json!({ "sku": "S-COLA", "price": "2.20" }));
        assert_eq!(created["form"]["valid_from"], "2020-01-01");
        assert_eq!(created["notices"], json!([]));
        let id = created["list"]["id"].as_str().expect("id").to_string();

        let priced = quote(&rep, 10).await;
        let explanation = &priced["lines"][0]["explanation"];
        assert_eq!(explanation["list_price"], 220);
        assert_eq!(explanation["price_source"]["scope"], "tier");
        assert_eq!(explanation["price_source"]["list_code"], "PL-GOLD");
        assert_eq!(explanation["price_source"]["list_name"], "金牌价PL-GOLD");
        assert_eq!(priced["total"], 2_200);

        let shown = mkt.get(&format!("/api/v1/price-lists/{id}")).await;
        assert_eq!(shown.status, 200);
        assert_eq!(shown.json()["form"], created["form"]);
        let listed = mkt.get("/api/v1/price-lists").await.json();
        assert!(listed.as_array().expect("lists").iter().any(|l| l["code"] == "PL-GOLD"), "{listed}");
        // A channel manager reads the lists but may not edit them.
        let cm = app.bearer("cm", TEST_PASSWORD).await;
        assert_eq!(cm.get(&format!("/api/v1/price-lists/{id}")).await.status, 200);
        assert_eq!(cm.json("PUT", &format!("/api/v1/price-lists/{id}"), &created["form"]).await.status, 403);

        // An edit with the version read goes live at once; a stale version is refused.
        let mut form = created["form"].clone();
        form["entries"][0]["price"] = json!("2.10");
        let updated = mkt.json("PUT", &format!("/api/v1/price-lists/{id}"), &form).await;
        assert_eq!(updated.status, 200, "{}", updated.text());
        assert_eq!(updated.json()["form"]["version"], 2);
        assert_eq!(quote(&rep, 10).await["total"], 2_100);
        let stale = mkt.json("PUT", &format!("/api/v1/price-lists/{id}"), &form).await;
        assert_eq!(stale.status, 409);
        assert_eq!(stale.json()["error"]["code"], "conflict.stale_version");
        // Archiving takes it out of pricing.
        let mut archived = updated.json()["form"].clone();
        archived["status"] = json!("archived");
        assert_eq!(mkt.json("PUT", &format!("/api/v1/price-lists/{id}"), &archived).await.status, 200);
        assert_eq!(quote(&rep, 10).await["lines"][0]["explanation"]["price_source"]["scope"], "catalog");
        app
    })
    .await;
}

#[tokio::test]
async fn spend_reduce_and_buy_gift_promotions_from_the_editor_apply_to_quotes_and_orders() {
    each_backend(|app| async move {
        let shop = shop(&app).await;
        let mkt = app.bearer("mkt", TEST_PASSWORD).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        // Quoting first builds the promotion cache, which the saves below must invalidate.
        assert_eq!(quote(&rep, 24).await["discount"], 0);

        let reduce = mkt.post_json("/api/v1/promotions", &spend_reduce("PR-50-5", "50", "5.00")).await;
        assert_eq!(reduce.status, 201, "{}", reduce.text());
        let reduce = reduce.json();
        assert_eq!(reduce["form"]["kind"], json!({ "type": "spend_reduce", "threshold": "50.00", "off": "5.00", "repeat": false }));
        assert_eq!(reduce["form"]["eligibility"]["tiers"], json!(["gold"]));
        assert_eq!(reduce["form"]["scope"]["skus"], json!(["S-COLA"]));
        let gift = mkt
            .post_json(
                "/api/v1/promotions",
                &json!({ "code": "PR-GIFT", "name": "买10赠1",
                    "kind": { "type": "buy_gift", "buy": "S-COLA", "buy_qty": 10, "gift": "s-gift", "gift_qty": 1, "repeat": true },
                    "eligibility": { "valid_from": "2020-01-01", "valid_to": "2099-12-31" }, "status": "active" }),
            )
            .await;
        assert_eq!(gift.status, 201, "{}", gift.text());
        assert_eq!(gift.json()["form"]["kind"]["gift"], "S-GIFT");
        let listed = mkt.get("/api/v1/promotions").await.json();
        assert_eq!(listed.as_array().expect("promotions").len(), 2);

        // 24 bottles at ¥2.50 = ¥60: 满50减5 takes ¥5 off, and two gifts come free.
        let priced = quote(&rep, 24).await;
        assert_eq!((priced["gross"].as_i64(), priced["discount"].as_i64(), priced["total"].as_i64()), (Some(6_000), Some(-500), Some(5_500)), "{priced}");
        let lines = priced["lines"].as_array().expect("lines");
        let gift_line = lines.iter().find(|l| l["gift"] == true).expect("a gift line");
        assert_eq!((gift_line["sku"].as_str(), gift_line["base_quantity"].as_i64(), gift_line["net"].as_i64()), (Some("S-GIFT"), Some(2), Some(0)));
        let adjustments = lines[0]["explanation"]["adjustments"].as_array().expect("adjustments");
        let reduced = adjustments.iter().find(|a| a["kind"] == "spend_reduce").expect("the 满减 on the line");
        assert_eq!((reduced["name"].as_str(), reduced["amount"].as_i64()), (Some("满50减5.00"), Some(-500)));
        assert!(adjustments.iter().any(|a| a["kind"] == "buy_gift" && a["name"] == "买10赠1"), "{adjustments:?}");

        let placed = rep
            .post_json("/api/v1/orders", &json!({ "lines": [{ "sku": "S-COLA", "quantity": 24 }], "payment": "credit" }))
            .await;
        assert_eq!(placed.status, 201, "{}", placed.text());
        let order = placed.json();
        assert_eq!(order["total"], 5_500);
        assert_eq!(order["discount"], -500);
        let lines = order["lines"].as_array().expect("lines");
        assert!(lines.iter().any(|l| l["sku"] == "S-GIFT" && l["base_quantity"] == 2 && l["net"] == 0), "{order}");
        assert_eq!(app.account(shop.partner, AccountKind::Receivable).await.0, 5_500);
        assert_eq!(app.stock_of(shop.cola).await, (1_000, 24));
        assert_eq!(app.stock_of(shop.gift).await, (100, 2), "the gifts are reserved with the order");

        // Ending the 满减 takes it out of the next quote.
        let mut ended = reduce["form"].clone();
        ended["status"] = json!("ended");
        let id = reduce["id"].as_str().expect("id");
        assert_eq!(mkt.json("PUT", &format!("/api/v1/promotions/{id}"), &ended).await.status, 200);
        assert_eq!(quote(&rep, 24).await["discount"], 0);
        app.assert_invariants().await;
        app
    })
    .await;
}

/// A refused request: where it goes, its body, the field and code refused, and the message in
/// Chinese and in English.
type Case = (&'static str, Value, (&'static str, &'static str), &'static str, &'static str);

#[tokio::test]
async fn bad_prices_and_promotions_are_refused_in_both_languages_and_write_nothing() {
    each_backend(|app| async move {
        shop(&app).await;
        let mkt_zh = app.bearer("mkt", TEST_PASSWORD).await.language("zh-CN");
        let mkt_en = app.bearer("mkt", TEST_PASSWORD).await.language("en");
        let live = mkt_zh.post_json("/api/v1/price-lists", &gold_list("PL-A", "2.20", "2020-01-01", "active")).await;
        assert_eq!(live.status, 201, "{}", live.text());
        let before = written(&app).await;

        let cases: Vec<Case> = vec![
            (
                "/api/v1/price-lists",
                gold_list("PL-B", "2.00", "2021-01-01", "active"),
                ("entries[0].sku", "price_overlap"),
                "价目表 PL-A 已在重叠的日期内为相同对象给此 SKU 定价。",
                "List PL-A already prices this SKU for the same buyers on overlapping dates.",
            ),
            (
                "/api/v1/promotions",
                spend_reduce("PR-BAD", "10", "10"),
                ("kind.off", "off_not_below_threshold"),
                "减免金额必须低于满减门槛。",
                "The amount off must be less than the spend threshold.",
            ),
            (
                "/api/v1/price-lists",
                json!({ "code": "PL-C", "name": "未知", "scope": "base", "valid_from": "2020-01-01", "status": "draft",
                    "entries": [{ "sku": "NOPE-1", "price": "1.00" }] }),
                ("entries[0].sku", "unknown_sku"),
                "未知的SKU：NOPE-1。",
                "Unknown SKU: NOPE-1.",
            ),
            (
                "/api/v1/price-lists",
                json!({ "code": "PL-D", "name": "负价", "scope": "base", "valid_from": "2020-01-01", "status": "draft",
                    "entries": [{ "sku": "S-COLA", "price": "-1.00" }] }),
                ("entries[0].price", "must_not_be_negative"),
                "不能为负数。",
                "Must not be negative.",
            ),
        ];
        for (path, body, (field, code), zh, en) in &cases {
            let refused = field_error(&mkt_zh.post_json(path, body).await);
            assert_eq!(refused, (field.to_string(), code.to_string(), zh.to_string()), "{path} {body}");
            let refused = field_error(&mkt_en.post_json(path, body).await);
            assert_eq!(refused, (field.to_string(), code.to_string(), en.to_string()), "{path} {body}");
            // The check refuses it the same way, and writes nothing either.
            let check =
                if path.contains("price-lists") { json!({ "list": body }) } else { json!({ "promotion": body }) };
            let checked = field_error(&mkt_en.post_json(&format!("{path}/check"), &check).await);
            assert_eq!(checked.1, *code);
        }
        assert_eq!(written(&app).await, before, "refused saves and checks write nothing");

        // A list that would not be live may overlap: it is saved with a notice, and refused when
        // someone tries to activate it.
        let draft = mkt_en.post_json("/api/v1/price-lists", &gold_list("PL-B", "2.00", "2021-01-01", "draft")).await;
        assert_eq!(draft.status, 201, "{}", draft.text());
        let draft = draft.json();
        assert_eq!(
            draft["notices"],
            json!([{ "code": "price_overlap", "field": "entries[0].sku", "others": ["PL-A"] }])
        );
        let mut activate = draft["form"].clone();
        activate["status"] = json!("active");
        let id = draft["list"]["id"].as_str().expect("id");
        let refused = field_error(&mkt_en.json("PUT", &format!("/api/v1/price-lists/{id}"), &activate).await);
        assert_eq!(refused.1, "price_overlap");
        assert_eq!(mkt_en.get(&format!("/api/v1/price-lists/{id}")).await.json()["list"]["status"], "draft");
        app
    })
    .await;
}

#[tokio::test]
async fn partner_users_cannot_use_the_editors() {
    each_backend(|app| async move {
        shop(&app).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let before = written(&app).await;
        for path in ["/api/v1/price-lists", "/api/v1/promotions"] {
            assert_eq!(rep.get(path).await.status, 403, "{path}");
        }
        let attempts = [
            ("/api/v1/price-lists", gold_list("PL-X", "0.01", "2020-01-01", "active")),
            ("/api/v1/price-lists/check", json!({ "list": gold_list("PL-X", "0.01", "2020-01-01", "active") })),
            ("/api/v1/promotions", spend_reduce("PR-X", "1", "0.99")),
            ("/api/v1/promotions/check", json!({ "promotion": spend_reduce("PR-X", "1", "0.99") })),
        ];
        for (path, body) in &attempts {
            let response = rep.post_json(path, body).await;
            assert_eq!(response.status, 403, "{path}: {}", response.text());
            assert_eq!(response.json()["error"]["code"], "forbidden");
        }
        assert_eq!(written(&app).await, before);
        app
    })
    .await;
}

#[tokio::test]
async fn the_check_prices_a_sample_cart_before_and_after_without_saving() {
    each_backend(|app| async move {
        let shop = shop(&app).await;
        let mkt = app.bearer("mkt", TEST_PASSWORD).await;
        let live = mkt.post_json("/api/v1/price-lists", &gold_list("PL-GOLD", "2.20", "2020-01-01", "active")).await;
        assert_eq!(live.status, 201, "{}", live.text());
        let live = live.json();
        let before = written(&app).await;
        let sample = json!({ "partner": shop.partner_code, "lines": [{ "sku": "S-COLA", "quantity": 30 }] });

        // Editing the live list: the draft replaces it in the "after" quote.
        let mut form = live["form"].clone();
        form["entries"][0]["price"] = json!("2.00");
        let checked = mkt
            .post_json("/api/v1/price-lists/check", &json!({ "id": live["list"]["id"], "list": form, "sample": sample }))
            .await;
        assert_eq!(checked.status, 200, "{}", checked.text());
        let checked = checked.json();
        assert_eq!(checked["notices"], json!([]));
        assert_eq!(checked["before"]["total"], 6_600);
        assert_eq!(checked["after"]["total"], 6_000);
        assert_eq!(checked["after"]["lines"][0]["explanation"]["price_source"]["list_code"], "PL-GOLD");
        assert_eq!(checked["after"]["lines"][0]["explanation"]["outranked"], json!([]), "the draft replaced the live list");

        // A new promotion: before without it, after with it.
        let promotion = spend_reduce("PR-60-6", "60", "6");
        let checked = mkt.post_json("/api/v1/promotions/check", &json!({ "promotion": promotion, "sample": sample })).await;
        assert_eq!(checked.status, 200, "{}", checked.text());
        let checked = checked.json();
        assert_eq!((checked["before"]["discount"].as_i64(), checked["after"]["discount"].as_i64()), (Some(0), Some(-600)), "{checked}");
        assert_eq!(checked["after"]["lines"][0]["explanation"]["adjustments"][0]["name"], "满60减6");

        // An unknown partner for the sample is a field error.
        let bad = mkt
            .post_json(
                "/api/v1/promotions/check",
                &json!({ "promotion": promotion, "sample": { "partner": "P-NOBODY", "lines": [{ "sku": "S-COLA", "quantity": 1 }] } }),
            )
            .await;
        assert_eq!(field_error(&bad).1, "unknown_partner");
        assert_eq!(written(&app).await, before, "checks write nothing and leave the pricing version alone");
        // The live rules are untouched: the partner still pays ¥2.20 with no discount.
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let priced = quote(&rep, 30).await;
        assert_eq!((priced["total"].as_i64(), priced["discount"].as_i64()), (Some(6_600), Some(0)));
        app
    })
    .await;
}
