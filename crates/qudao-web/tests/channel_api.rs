//! Channel inventory: partners report stock and sell-out (by API or sheet), the brand reads the
//! estimate (last count + sell-in from shipments − sell-out since), days of cover, safety stock
//! and who is below it; a bad sheet is refused whole and kept; partners see only their own.
use qudao_app::clock::china_date;
use qudao_domain::access::Role;
use qudao_domain::dates::format_date;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};
use serde_json::json;

const DAY: i64 = 86_400_000;

fn day(app: &TestApp, back: i64) -> String {
    format_date(china_date(app.app.now_ms() - back * DAY))
}

#[tokio::test]
async fn channel_stock_is_estimated_from_counts_shipments_and_sell_out() {
    each_backend(|app| async move {
        let first = PartnerBuilder::new("渠道一商贸").create(&app).await;
        let second = PartnerBuilder::new("渠道二商贸").create(&app).await;
        UserBuilder::new("rep", Role::PartnerSales).partner(first.id).create(&app).await;
        UserBuilder::new("rep2", Role::PartnerSales).partner(second.id).create(&app).await;
        UserBuilder::new("boss", Role::BrandAdmin).create(&app).await;
        let sku = app.sku("S-CH", 500).await;
        let warehouse = app.warehouse("WH-CH", 1).await;
        app.receive(sku, warehouse, 1_000).await;
        app.credit_line(first.id, 100_000_000).await;
        let rep = app.bearer("rep", TEST_PASSWORD).await;
        let boss = app.bearer("boss", TEST_PASSWORD).await;

        // A count ten days ago, and three a day sold since.
        let count = rep
            .post_json("/api/v1/channel/reports", &json!({ "kind": "stock", "date": day(&app, 10), "lines": [{ "sku": "s-ch", "quantity": 100 }] }))
            .await;
        assert_eq!(count.status, 201, "{}", count.text());
        for back in 1..=9 {
            let sold = rep
                .post_json("/api/v1/channel/reports", &json!({ "kind": "sell_out", "date": day(&app, back), "lines": [{ "sku": "S-CH", "quantity": 3 }] }))
                .await;
            assert_eq!(sold.status, 201, "{}", sold.text());
        }
        // Twenty shipped to it today.
        let order = rep.post_json("/api/v1/orders", &json!({ "lines": [{ "sku": "S-CH", "quantity": 20 }], "payment": "credit" })).await.json();
        let shipped = boss
            .post_json(&format!("/api/v1/orders/{}/shipments", order["id"].as_str().expect("id")), &json!({ "carrier": "顺丰速运", "tracking_no": "SF1" }))
            .await;
        assert_eq!(shipped.status, 201, "{}", shipped.text());

        let rows = boss.get("/api/v1/channel/stock").await.json();
        let row = rows.as_array().expect("rows").iter().find(|r| r["sku"] == "S-CH").cloned().expect("the row");
        assert_eq!((row["reported"].as_i64(), row["sell_in_since"].as_i64(), row["sold_since"].as_i64()), (Some(100), Some(20), Some(27)));
        assert_eq!(row["estimated"].as_i64(), Some(93));
        assert_eq!(row["days_of_cover"].as_i64(), Some(103), "93 at 0.9 a day");

        // A day reported again replaces itself; an old count does not replace a newer one.
        rep.post_json("/api/v1/channel/reports", &json!({ "kind": "sell_out", "date": day(&app, 1), "lines": [{ "sku": "S-CH", "quantity": 5 }] })).await;
        let older = rep
            .post_json("/api/v1/channel/reports", &json!({ "kind": "stock", "date": day(&app, 20), "lines": [{ "sku": "S-CH", "quantity": 999 }] }))
            .await;
        assert_eq!(older.status, 201);
        let row = boss.get("/api/v1/channel/stock?sku=S-CH").await.json()[0].clone();
        assert_eq!((row["reported"].as_i64(), row["sold_since"].as_i64(), row["estimated"].as_i64()), (Some(100), Some(29), Some(91)));

        // Safety stock by hand puts it below; automatic safety leaves a hand-set one alone.
        let set = boss.json("PUT", &format!("/api/v1/partners/{}/channel-safety", first.id), &json!({ "sku": "S-CH", "quantity": 120 })).await;
        assert_eq!(set.status, 204, "{}", set.text());
        let auto = boss.post_json("/api/v1/channel/safety/auto", &json!({ "days": 14 })).await;
        assert_eq!(auto.status, 200, "{}", auto.text());
        let under = boss.get("/api/v1/channel/under-safety").await.json();
        assert_eq!(under.as_array().map(Vec::len), Some(1), "{under}");
        assert_eq!(under[0]["safety"].as_i64(), Some(120));
        let regions = boss.get("/api/v1/channel/summary?by=region").await.json();
        assert_eq!(regions[0]["estimated"].as_i64(), Some(91), "{regions}");

        // A sheet with bad rows is refused whole, every problem named, and kept.
        let sheet = "SKU,数量\nS-CH,50\nS-NOPE,4\nS-CH,x\n";
        let refused = rep.upload("POST", "/api/v1/channel/reports/upload", "stock.csv", sheet.as_bytes()).await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        let fields: Vec<String> =
            refused.json()["error"]["fields"].as_array().expect("fields").iter().map(|f| f["field"].as_str().unwrap_or("").to_string()).collect();
        assert_eq!(fields, vec!["row 4: quantity".to_string()], "the unparsable row first: {fields:?}");
        let unknown = rep.upload("POST", "/api/v1/channel/reports/upload", "stock.csv", "SKU,数量\nS-CH,50\nS-NOPE,4\n".as_bytes()).await;
        assert_eq!(unknown.json()["error"]["fields"][0]["field"], "row 3: sku", "{}", unknown.text());
        let no_columns = rep.upload("POST", "/api/v1/channel/reports/upload", "x.csv", "名称\nA\n".as_bytes()).await;
        assert_eq!(no_columns.json()["error"]["fields"][0]["code"], "missing_columns");
        assert_eq!(boss.get("/api/v1/channel/stock?sku=S-CH").await.json()[0]["reported"].as_i64(), Some(100), "nothing applied");
        assert_eq!(boss.get("/api/v1/channel/rejections").await.json().as_array().map(Vec::len), Some(3));
        let good = rep.upload("POST", "/api/v1/channel/reports/upload", "stock.csv", "SKU,库存\nS-CH,95\n".as_bytes()).await;
        assert_eq!(good.status, 201, "{}", good.text());
        assert_eq!(boss.get("/api/v1/channel/stock?sku=S-CH").await.json()[0]["reported"].as_i64(), Some(95));

        // The other partner sees none of it.
        let rep2 = app.bearer("rep2", TEST_PASSWORD).await;
        assert_eq!(rep2.get("/api/v1/channel/stock").await.json().as_array().map(Vec::len), Some(0));
        assert_eq!(rep2.get("/api/v1/channel/rejections").await.json().as_array().map(Vec::len), Some(0));
        assert_eq!(rep.get("/api/v1/channel/stock").await.json().as_array().map(Vec::len), Some(1));
        app
    })
    .await;
}

#[tokio::test]
async fn the_portal_reports_by_form_and_sheet_and_the_console_rolls_it_up() {
    each_backend(|app| async move {
        let partner = PartnerBuilder::new("渠道页面商贸").create(&app).await;
        UserBuilder::new("rep", Role::PartnerSales).partner(partner.id).create(&app).await;
        UserBuilder::new("boss", Role::BrandAdmin).create(&app).await;
        app.sku("S-PG", 500).await;
        let rep = app.browser("rep", TEST_PASSWORD).await;
        let sent =
            rep.post_form("/portal/channel/report", &[("kind", "stock"), ("sku", "s-pg"), ("quantity", "40")]).await;
        assert_eq!(sent.status, 303, "{}", sent.text());
        let bad =
            rep.post_form("/portal/channel/report", &[("kind", "stock"), ("sku", "S-NONE"), ("quantity", "4")]).await;
        assert_eq!(bad.status, 422, "the form shows the unknown SKU");
        let upload = rep.upload("POST", "/portal/channel/upload", "stock.csv", "SKU,库存\nS-PG,38\n".as_bytes()).await;
        assert_eq!(upload.status, 303, "{}", upload.text());
        let page = rep.get("/portal/channel").await;
        assert!(page.text().contains("S-PG") && page.text().contains("id=\"channel-rows\""), "{}", page.text());
        let boss = app.browser("boss", TEST_PASSWORD).await;
        let console = boss.get("/console/channel?by=sku").await;
        assert_eq!(console.status, 200);
        assert!(console.text().contains("S-PG"), "the SKU's roll-up");
        app
    })
    .await;
}
