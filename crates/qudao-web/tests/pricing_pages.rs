//! The pricing console through its forms: a marketer writes a price list and a promotion as
//! people type them, checks them against a sample cart before they go live, and saves them; what
//! the checks refuse comes back on the line it is about, in the user's language, with nothing
//! written; who may read and who may edit follows the permissions.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use qudao_domain::access::Role;
use qudao_store::Scope;
use qudao_testkit::{Client, PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};
use serde_json::{Value, json};

/// A gold partner `P-GOLD…` with a sales rep, a cola at ¥2.50 and a gift at ¥1.00 in stock, a
/// marketer who edits prices and a channel manager who reads them. Returns the partner's code.
async fn shop(app: &TestApp) -> String {
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
    partner.code.clone()
}

/// Price lists, promotions and the pricing version: what a preview or a refused save must not
/// change.
async fn written(app: &TestApp) -> (usize, usize, String) {
    let mut tx = app.app.db().read(&Scope::system("test")).await.expect("tx");
    let lists = qudao_store::pricing::price_lists(&mut tx).await.expect("lists").len();
    let promotions = qudao_store::pricing::promotions(&mut tx).await.expect("promotions").len();
    let version = qudao_store::settings::get(&mut tx, qudao_store::pricing::PRICING_VERSION).await.expect("version");
    (lists, promotions, version)
}

async fn quote_total(rep: &Client<'_>, quantity: i64) -> Value {
    let response =
        rep.post_json("/api/v1/orders/quote", &json!({ "lines": [{ "sku": "S-COLA", "quantity": quantity }] })).await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()["total"].clone()
}

/// The id at the end of a redirect to an editor page.
fn saved_id(response: &qudao_testkit::TestResponse, prefix: &str) -> String {
    assert_eq!(response.status, 303, "{}", response.text());
    let location = response.location().expect("location");
    location.strip_prefix(prefix).expect("the editor page").to_string()
}

#[tokio::test]
async fn a_price_list_is_previewed_on_a_sample_cart_then_saved_and_priced() {
    each_backend(|app| async move {
        let partner = shop(&app).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let mkt = app.browser("mkt", TEST_PASSWORD).await.language("en");
        assert_eq!(quote_total(&rep, 10).await, 2_500);

        let new = mkt.get("/console/pricing/lists/new").await;
        assert_eq!(new.status, 200);
        assert!(new.text().contains("name=\"entries\""));
        let draft = [
            ("code", "PL-GOLD"),
            ("name", "金牌价"),
            ("scope", "tier"),
            ("target", "gold"),
            ("valid_from", "2020-01-01"),
            ("valid_to", ""),
            ("status", "active"),
            // A column pasted from a sheet: code, a name in between, the price last.
            ("entries", "S-COLA 可乐 330ml 2.00\n\n"),
            ("sample_partner", partner.as_str()),
            ("sample_lines", "s-cola 10"),
            ("sample_date", ""),
        ];
        let before = written(&app).await;
        let preview = mkt.post_form("/console/pricing/lists/preview", &draft).await;
        assert_eq!(preview.status, 200, "{}", preview.text());
        let page = preview.text();
        assert!(page.contains("With this draft"), "the preview table is shown");
        assert!(page.contains("25.00") && page.contains("20.00"), "¥25.00 live, ¥20.00 with the draft: {page}");
        assert!(page.contains("金牌价"), "the explanation names the draft list");
        assert_eq!(written(&app).await, before, "a preview writes nothing");
        assert_eq!(quote_total(&rep, 10).await, 2_500);

        let saved = mkt.post_form("/console/pricing/lists", &draft).await;
        let id = saved_id(&saved, "/console/pricing/lists/");
        assert_eq!(quote_total(&rep, 10).await, 2_000, "the saved list prices the partner's cart");
        let shown = mkt.get(&format!("/console/pricing/lists/{id}")).await.text();
        assert!(shown.contains("S-COLA 2.00"), "the prices come back one per line");
        let overview = mkt.get("/console/pricing").await.text();
        assert!(overview.contains("PL-GOLD") && overview.contains("gold") && overview.contains("Live"), "{overview}");

        // Saving again with the version read changes the price; the same version again is stale.
        let version = "1";
        let mut edit: Vec<(&str, &str)> = draft.to_vec();
        edit.retain(|(k, _)| !k.starts_with("sample"));
        edit.push(("version", version));
        let edit: Vec<(&str, &str)> =
            edit.into_iter().map(|(k, v)| if k == "entries" { (k, "S-COLA 1.90") } else { (k, v) }).collect();
        let updated = mkt.post_form(&format!("/console/pricing/lists/{id}"), &edit).await;
        assert_eq!(saved_id(&updated, "/console/pricing/lists/"), id);
        assert_eq!(quote_total(&rep, 10).await, 1_900);
        let stale = mkt.post_form(&format!("/console/pricing/lists/{id}"), &edit).await;
        assert_eq!(stale.status, 409);
        assert!(stale.text().contains("Someone else changed this"), "{}", stale.text());
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn a_refused_price_list_names_the_lines_in_the_users_language_and_writes_nothing() {
    each_backend(|app| async move {
        shop(&app).await;
        let mkt = app.browser("mkt", TEST_PASSWORD).await;
        let live = [
            ("code", "PL-BASE"),
            ("name", "基础价"),
            ("scope", "base"),
            ("valid_from", "2020-01-01"),
            ("status", "active"),
            ("entries", "S-COLA 2.40"),
        ];
        saved_id(&mkt.post_form("/console/pricing/lists", &live).await, "/console/pricing/lists/");
        let before = written(&app).await;

        // Line 1 is fine, line 3 names no SKU we sell, line 4 has no number for a price.
        let bad = [
            ("code", "PL-BAD"),
            ("name", "错误"),
            ("scope", "base"),
            ("valid_from", "2020-01-01"),
            ("status", "draft"),
            ("entries", "S-GIFT 0.90\n\nS-NOPE 1.00\nS-COLA abc"),
        ];
        let refused = mkt.post_form("/console/pricing/lists", &bad).await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        let page = refused.text();
        assert!(page.contains("第 3 行") && page.contains("S-NOPE"), "the unknown SKU on its line: {page}");
        assert!(page.contains("第 4 行"), "the bad price on its line");
        assert!(page.contains("S-COLA abc"), "what was typed stays in the form");
        let english = app.browser("mkt", TEST_PASSWORD).await.language("en");
        let page = english.post_form("/console/pricing/lists", &bad).await.text();
        assert!(page.contains("Line 3: Unknown SKU: S-NOPE."), "{page}");
        assert_eq!(written(&app).await, before, "nothing half-written");

        // An active list that overlaps the live one is refused on its line; as a draft it saves
        // and its page warns before it goes live.
        let overlap = [
            ("code", "PL-TWO"),
            ("name", "第二张"),
            ("scope", "base"),
            ("valid_from", "2026-01-01"),
            ("status", "active"),
            ("entries", "S-COLA 2.30"),
        ];
        let refused = english.post_form("/console/pricing/lists", &overlap).await;
        assert_eq!(refused.status, 422);
        assert!(refused.text().contains("Line 1: List PL-BASE already prices this SKU"), "{}", refused.text());
        assert_eq!(written(&app).await, before);
        let draft: Vec<(&str, &str)> =
            overlap.iter().map(|&(k, v)| if k == "status" { (k, "draft") } else { (k, v) }).collect();
        let id = saved_id(&english.post_form("/console/pricing/lists", &draft).await, "/console/pricing/lists/");
        let shown = english.get(&format!("/console/pricing/lists/{id}")).await.text();
        assert!(shown.contains("overlaps the live list PL-BASE"), "{shown}");
        app
    })
    .await;
}

#[tokio::test]
async fn a_promotion_is_written_checked_on_a_sample_cart_and_saved() {
    each_backend(|app| async move {
        let partner = shop(&app).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let mkt = app.browser("mkt", TEST_PASSWORD).await.language("en");
        assert!(mkt.get("/console/pricing/promotions/new").await.text().contains("data-kind-select"));
        let form = [
            ("code", "PR-50-5"),
            ("name", "满50减5"),
            ("kind", "spend_reduce"),
            ("threshold", "50"),
            ("off", "5"),
            ("tiers", "gold"),
            ("valid_from", "2020-01-01"),
            ("valid_to", "2099-12-31"),
            ("skus", "S-COLA"),
            ("priority", "10"),
            ("stacking", "stackable"),
            ("status", "active"),
            ("sample_partner", partner.as_str()),
            ("sample_lines", "S-COLA 24"),
        ];
        let before = written(&app).await;
        let preview = mkt.post_form("/console/pricing/promotions/preview", &form).await;
        assert_eq!(preview.status, 200, "{}", preview.text());
        let page = preview.text();
        assert!(page.contains("60.00") && page.contains("55.00"), "¥60.00 live, ¥55.00 with 满50减5: {page}");
        assert!(page.contains("满50减5"), "the line explains the reduction");
        assert_eq!(written(&app).await, before, "a preview writes nothing");
        // Half-way there, the preview nudges.
        let near: Vec<(&str, &str)> =
            form.iter().map(|&(k, v)| if k == "sample_lines" { (k, "S-COLA 16") } else { (k, v) }).collect();
        let page = mkt.post_form("/console/pricing/promotions/preview", &near).await.text();
        assert!(page.contains("Almost there") && page.contains("to reach 满50减5"), "{page}");

        let id = saved_id(&mkt.post_form("/console/pricing/promotions", &form).await, "/console/pricing/promotions/");
        assert_eq!(quote_total(&rep, 24).await, 5_500);
        let shown = mkt.get(&format!("/console/pricing/promotions/{id}")).await.text();
        assert!(shown.contains("name=\"threshold\" value=\"50.00\""), "the stored threshold comes back: {shown}");
        let overview = mkt.get("/console/pricing").await.text();
        assert!(overview.contains("PR-50-5") && overview.contains("Spend and save"), "{overview}");

        // A percent typed as people say it is stored in basis points.
        let discount = [
            ("code", "PR-PCT"),
            ("name", "九折"),
            ("kind", "item_discount"),
            ("percent_off", "12.5"),
            ("valid_from", "2020-01-01"),
            ("valid_to", "2099-12-31"),
            ("skus", "S-GIFT"),
            ("priority", "5"),
            ("stacking", "exclusive"),
            ("status", "draft"),
        ];
        let pct =
            saved_id(&mkt.post_form("/console/pricing/promotions", &discount).await, "/console/pricing/promotions/");
        let api = app.bearer("mkt", TEST_PASSWORD).await;
        let stored = api.get(&format!("/api/v1/promotions/{pct}")).await.json();
        assert_eq!(stored["form"]["kind"], json!({ "type": "item_discount", "percent_off_bp": 1250 }));
        assert_eq!(stored["form"]["stacking"], "exclusive");
        assert!(mkt.get(&format!("/console/pricing/promotions/{pct}")).await.text().contains("value=\"12.5\""));

        // Bad input comes back on its fields, nothing written.
        let before = written(&app).await;
        let bad: Vec<(&str, &str)> = form
            .iter()
            .map(|&(k, v)| match k {
                "code" => (k, "PR-BAD"),
                "off" => (k, "80"),
                "tiers" => (k, "gold, platinum-x"),
                _ => (k, v),
            })
            .collect();
        let refused = mkt.post_form("/console/pricing/promotions", &bad).await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        let page = refused.text();
        assert!(page.contains("Item 2: Unknown tier."), "{page}");
        let unknown_kind: Vec<(&str, &str)> =
            form.iter().map(|&(k, v)| if k == "kind" { (k, "lottery") } else { (k, v) }).collect();
        assert_eq!(mkt.post_form("/console/pricing/promotions", &unknown_kind).await.status, 422);
        assert_eq!(written(&app).await, before);
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn readers_see_the_pricing_pages_and_only_editors_change_them() {
    each_backend(|app| async move {
        shop(&app).await;
        let mkt = app.browser("mkt", TEST_PASSWORD).await;
        let list = [
            ("code", "PL-BASE"),
            ("name", "基础价"),
            ("scope", "base"),
            ("valid_from", "2020-01-01"),
            ("status", "active"),
            ("entries", "S-COLA 2.40"),
        ];
        let id = saved_id(&mkt.post_form("/console/pricing/lists", &list).await, "/console/pricing/lists/");
        assert!(mkt.get("/console").await.text().contains("href=\"/console/pricing\""), "in the marketer's menu");

        let cm = app.browser("cm", TEST_PASSWORD).await;
        let overview = cm.get("/console/pricing").await;
        assert_eq!(overview.status, 200);
        assert!(overview.text().contains("PL-BASE"));
        assert!(!overview.text().contains("/console/pricing/lists/new"), "no button for what is not allowed");
        let shown = cm.get(&format!("/console/pricing/lists/{id}")).await;
        assert_eq!(shown.status, 200);
        assert!(!shown.text().contains("formaction"), "a reader gets no save or preview button");
        assert_eq!(cm.get("/console/pricing/lists/new").await.status, 403);
        let before = written(&app).await;
        assert_eq!(cm.post_form(&format!("/console/pricing/lists/{id}"), &list).await.status, 403);
        assert_eq!(cm.post_form("/console/pricing/lists/preview", &list).await.status, 403);
        assert_eq!(written(&app).await, before);

        let rep = app.browser("rep", TEST_PASSWORD).await;
        assert_eq!(rep.get("/console/pricing").await.status, 403, "partners stay out");
        assert!(!rep.get("/portal").await.text().contains("/console/pricing"));
        app
    })
    .await;
}
