//! The shared cart: quick order adds, editing sets, every user of the partner sees the same
//! cart priced afresh, checkout orders it and empties what was ordered; reorder and saved lists
//! refill it; an order sheet goes in whole or not at all, with a report per bad row.

use qudao_domain::access::Role;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};
use serde_json::json;

async fn shop(app: &TestApp) -> qudao_domain::ids::PartnerId {
    let partner = PartnerBuilder::new("甲公司").create(app).await;
    UserBuilder::new("rep", Role::PartnerSales).partner(partner.id).create(app).await;
    UserBuilder::new("boss", Role::PartnerAdmin).partner(partner.id).create(app).await;
    let other = PartnerBuilder::new("乙公司").create(app).await;
    UserBuilder::new("rival", Role::PartnerAdmin).partner(other.id).create(app).await;
    let main = app.warehouse("WH-A", 1).await;
    for (code, price) in [("S-COLA", 250), ("S-TEA", 400)] {
        let sku = app.sku(code, price).await;
        app.receive(sku, main, 1_000).await;
    }
    app.credit_line(partner.id, 1_000_000).await;
    partner.id
}

#[tokio::test]
async fn the_cart_is_shared_priced_and_emptied_by_checkout() {
    each_backend(|app| async move {
        shop(&app).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let boss = app.bearer("boss", TEST_PASSWORD).await;
        let rival = app.bearer("rival", TEST_PASSWORD).await;
        let added = rep.post_json("/api/v1/cart/lines", &json!({ "lines": [{ "sku": "s-cola", "quantity": 2 }] })).await;
        assert_eq!(added.status, 200, "{}", added.text());
        // Quick order adds to what is there; another user of the same partner sees one cart.
        let again = boss
            .post_json("/api/v1/cart/lines", &json!({ "lines": [{ "sku": "S-COLA", "quantity": 3 }, { "sku": "S-TEA", "quantity": 1 }] }))
            .await;
        assert_eq!(again.status, 200, "{}", again.text());
        let cart = rep.get("/api/v1/cart").await.json();
        assert_eq!(cart["lines"].as_array().map(Vec::len), Some(2), "{cart}");
        assert_eq!(cart["lines"][0]["sku"], "S-COLA");
        assert_eq!(cart["lines"][0]["quantity"], 5);
        assert_eq!(cart["quote"]["total"], 5 * 250 + 400, "{cart}");
        assert_eq!(cart["quote"]["lines"][0]["explanation"]["list_price"], 250);
        // Another partner's cart is its own.
        assert_eq!(rival.get("/api/v1/cart").await.json()["lines"], json!([]));
        // Setting a quantity replaces it; 0 removes the line.
        let set = rep
            .post_json("/api/v1/cart/lines", &json!({ "mode": "set", "lines": [{ "sku": "S-TEA", "quantity": 0 }, { "sku": "S-COLA", "quantity": 4 }] }))
            .await;
        assert_eq!(set.status, 200, "{}", set.text());
        assert_eq!(set.json()["lines"].as_array().map(Vec::len), Some(1));
        assert_eq!(set.json()["quote"]["total"], 1_000);
        // Bad lines write nothing and say why, in the caller's language.
        let zh = app.bearer("rep", TEST_PASSWORD).await.language("zh-CN");
        let bad = zh
            .post_json("/api/v1/cart/lines", &json!({ "lines": [{ "sku": "NOPE", "quantity": 1 }, { "sku": "S-TEA", "quantity": -1 }] }))
            .await;
        assert_eq!(bad.status, 422, "{}", bad.text());
        let fields = bad.json()["error"]["fields"].clone();
        assert_eq!(fields[0]["field"], "lines[0].sku", "{fields}");
        assert_eq!(fields[1]["code"], "invalid_quantity", "{fields}");
        assert!(fields[1]["message"].as_str().unwrap_or_default().contains("数量"), "{fields}");
        assert_eq!(rep.get("/api/v1/cart").await.json()["lines"].as_array().map(Vec::len), Some(1));

        // Checkout with a key: one order, the cart emptied; a retry replays and orders nothing.
        let body = json!({ "payment": "credit", "remark": "周五前到货" });
        let placed = rep.json_with("POST", "/api/v1/cart/checkout", &body, &[("Idempotency-Key", "cart-checkout-0001")]).await;
        assert_eq!(placed.status, 201, "{}", placed.text());
        let order = placed.json();
        assert_eq!(order["total"], 1_000);
        assert_eq!(order["remark"], "周五前到货");
        assert_eq!(rep.get("/api/v1/cart").await.json()["lines"], json!([]));
        let replay = rep.json_with("POST", "/api/v1/cart/checkout", &body, &[("Idempotency-Key", "cart-checkout-0001")]).await;
        assert_eq!(replay.status, 201, "{}", replay.text());
        assert_eq!(replay.json()["id"], order["id"]);
        let empty = rep.post_json("/api/v1/cart/checkout", &body).await;
        assert_eq!(empty.status, 422, "{}", empty.text());
        assert_eq!(empty.json()["error"]["fields"][0]["code"], "cart_empty");
        let orders = rep.get("/api/v1/orders").await.json();
        assert_eq!(orders["items"].as_array().map(Vec::len), Some(1), "{orders}");

        // Reorder puts the order's lines back; another partner cannot reorder it.
        let id = order["id"].as_str().expect("id");
        assert_eq!(rival.post_json(&format!("/api/v1/orders/{id}/reorder"), &json!({})).await.status, 404);
        let refilled = rep.post_json(&format!("/api/v1/orders/{id}/reorder"), &json!({})).await;
        assert_eq!(refilled.status, 200, "{}", refilled.text());
        assert_eq!(refilled.json()["cart"]["lines"][0]["quantity"], 4);
        assert_eq!(refilled.json()["skipped"], json!([]));

        // A saved list from the cart, then into the cart again; names are unique per partner.
        let saved = rep.post_json("/api/v1/saved-lists", &json!({ "name": "每周补货" })).await;
        assert_eq!(saved.status, 201, "{}", saved.text());
        let list = saved.json()["id"].as_str().expect("list id").to_string();
        assert_eq!(saved.json()["items"][0]["sku"], "S-COLA");
        let twice = rep.post_json("/api/v1/saved-lists", &json!({ "name": "每周补货" })).await;
        assert_eq!(twice.status, 422, "{}", twice.text());
        assert_eq!(twice.json()["error"]["fields"][0]["code"], "already_taken");
        assert_eq!(rival.get(&format!("/api/v1/saved-lists/{list}")).await.status, 404);
        assert_eq!(rival.get("/api/v1/saved-lists").await.json(), json!([]));
        let refilled = boss.post_json(&format!("/api/v1/saved-lists/{list}/to-cart"), &json!({})).await;
        assert_eq!(refilled.status, 200, "{}", refilled.text());
        assert_eq!(refilled.json()["cart"]["lines"][0]["quantity"], 8);
        assert_eq!(rep.delete(&format!("/api/v1/saved-lists/{list}")).await.status, 204);
        assert_eq!(rep.get(&format!("/api/v1/saved-lists/{list}")).await.status, 404);
        assert_eq!(rep.delete("/api/v1/cart").await.status, 200);
        assert_eq!(rep.get("/api/v1/cart").await.json()["lines"], json!([]));
        app.assert_invariants().await;
        app
    })
    .await;
}

#[tokio::test]
async fn an_order_sheet_goes_in_whole_or_reports_its_bad_rows() {
    each_backend(|app| async move {
        shop(&app).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await.language("zh-CN");
        let bad = "商品编码,数量,单位\nS-COLA,2,\nNOPE,1,\nS-TEA,abc,\nS-TEA,1,BARREL\n";
        let report = rep.upload("POST", "/api/v1/cart/import", "order.csv", bad.as_bytes()).await;
        assert_eq!(report.status, 422, "{}", report.text());
        let body = report.json();
        assert_eq!(body["added"], 0, "{body}");
        let rows: Vec<i64> =
            body["problems"].as_array().expect("problems").iter().map(|p| p["row"].as_i64().unwrap_or(0)).collect();
        assert_eq!(rows, vec![3, 4, 5], "{body}");
        assert_eq!(body["problems"][0]["errors"][0]["field"], "sku", "{body}");
        assert_eq!(body["problems"][2]["errors"][0]["field"], "unit", "{body}");
        assert_eq!(rep.get("/api/v1/cart").await.json()["lines"], json!([]), "nothing half-written");

        let good = "SKU,Quantity,Unit\nS-COLA,2,CASE\nS-TEA,5,\nS-COLA,1,CASE\n";
        let report = rep.upload("POST", "/api/v1/cart/import", "order.csv", good.as_bytes()).await;
        assert_eq!(report.status, 200, "{}", report.text());
        let body = report.json();
        assert_eq!(body["added"], 2, "{body}");
        assert_eq!(body["cart"]["lines"][0]["sku"], "S-COLA");
        assert_eq!(body["cart"]["lines"][0]["quantity"], 3);
        assert_eq!(body["cart"]["lines"][0]["unit"], "CASE");
        assert_eq!(body["cart"]["quote"]["total"], 3 * 24 * 250 + 5 * 400, "{body}");

        let no_column = rep.upload("POST", "/api/v1/cart/import", "order.csv", "名称,数量\n可乐,1\n".as_bytes()).await;
        assert_eq!(no_column.status, 422, "{}", no_column.text());
        assert_eq!(no_column.json()["problems"][0]["errors"][0]["code"], "missing_column");
        app
    })
    .await;
}
