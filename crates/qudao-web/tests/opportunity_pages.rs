//! Opportunities in pages, without a browser: a protected registration is converted from its page,
//! moved on the board's opportunity page, followed up; the monthly forecast is committed from its
//! form; the console's pipeline shows the funnel and the forecast by province and tier.

use qudao_domain::access::Role;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, UserBuilder, each_backend};

fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    let picture = image::RgbImage::from_pixel(8, 8, image::Rgb([200, 120, 40]));
    if picture.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).is_err() {
        bytes.clear();
    }
    bytes
}

#[tokio::test]
async fn a_registration_becomes_an_opportunity_moves_and_reaches_the_pipeline() {
    each_backend(|app| async move {
        let partner = PartnerBuilder::new("甲机电有限公司").region("CN-SH-SH").create(&app).await;
        UserBuilder::new("a.rep", Role::PartnerSales).partner(partner.id).create(&app).await;
        let root_id = UserBuilder::new("root", Role::BrandAdmin).create(&app).await;
        let a = app.browser("a.rep", TEST_PASSWORD).await;
        let registered = a.post_form("/portal/registrations", &[("customer_name", "上海澄明精密仪器有限公司")]).await;
        let registration = registered.location().unwrap_or_default();
        assert!(a.get(&registration).await.text().contains("转为商机"));
        let id = registration.rsplit('/').next().unwrap_or_default().to_string();
        let converted =
            a.post_form("/portal/opportunities", &[("from_registration", id.as_str()), ("amount", "520000")]).await;
        assert_eq!(converted.status, 303, "{}", converted.text());
        let deal = converted.location().unwrap_or_default();
        let page = a.get(&deal).await.text();
        assert!(page.contains("初步接洽") && page.contains("上海澄明精密仪器有限公司"), "{page}");
        assert!(a.get(&registration).await.text().contains("data-status=\"converted\""));

        assert_eq!(a.post_form(&format!("{deal}/stage"), &[("stage", "negotiate")]).await.status, 303);
        let deal_id = deal.rsplit('/').next().unwrap_or_default().to_string();
        let followed = a
            .post_multipart(
                &format!("/opportunities/{deal_id}/followups"),
                &[("kind", "visit"), ("note", "拜访采购部"), ("date", "")],
                None,
            )
            .await;
        assert_eq!(followed.status, 303, "{}", followed.text());
        assert_eq!(followed.location().as_deref(), Some(format!("{deal}#followups").as_str()));
        // A photo of the visit goes with the page's form, checked like every upload.
        let not_a_picture = a
            .post_multipart(
                &format!("/opportunities/{deal_id}/followups"),
                &[("kind", "meeting"), ("note", "假图片")],
                Some(("site.png", b"not a picture")),
            )
            .await;
        assert_eq!(not_a_picture.status, 415, "{}", not_a_picture.text());
        let with_picture = a
            .post_multipart(
                &format!("/opportunities/{deal_id}/followups"),
                &[("kind", "meeting"), ("note", "现场演示")],
                Some(("site.png", &png())),
            )
            .await;
        assert_eq!(with_picture.status, 303, "{}", with_picture.text());
        let page = a.get(&deal).await.text();
        assert!(page.contains("商务谈判") && page.contains("拜访采购部") && page.contains("现场演示"), "{page}");
        let picture =
            page.split("href=\"/files/").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default().to_string();
        assert!(!picture.is_empty(), "the follow-up's picture is linked");
        assert_eq!(a.get(&format!("/files/{picture}")).await.status, 200);
        let board = a.get("/portal/opportunities").await.text();
        assert!(board.contains("data-stage=\"negotiate\"") && board.contains("上海澄明精密仪器有限公司"));
        assert!(!a.get(&deal).await.text().contains("假图片"), "a refused follow-up wrote nothing");

        let forecast = a.get("/portal/forecast?period=2026-12").await.text();
        let line = forecast.split(&format!("name=\"category.{deal_id}\"")).nth(1).unwrap_or_default();
        assert!(line.contains("value=\"commit\" selected"), "75 % offers the deal as a commit: {line}");
        assert!(forecast.contains("520,000"), "{forecast}");
        let unknown = a
            .post_form("/portal/forecast", &[("period", "2026-12"), (format!("category.{deal_id}").as_str(), "sure")])
            .await;
        assert_eq!(unknown.status, 422, "a category the form never offers is refused: {}", unknown.text());
        let field = format!("category.{deal_id}");
        let committed = a.post_form("/portal/forecast", &[("period", "2026-12"), (field.as_str(), "best_case")]).await;
        assert_eq!(committed.status, 303, "{}", committed.text());

        let root = app.browser("root", TEST_PASSWORD).await;
        let pipeline = root.get("/console/pipeline?period=2026-12").await.text();
        let table = |id: &str| {
            let start = pipeline.find(&format!("id=\"{id}\"")).unwrap_or(pipeline.len());
            let rest = &pipeline[start..];
            rest[..rest.find("</table>").unwrap_or(rest.len())].to_string()
        };
        let funnel = table("funnel");
        let first_stage = funnel.split("初步接洽</td>").nth(1).unwrap_or_default();
        assert!(first_stage.contains(">1</td>"), "the deal entered the first stage and moved on: {funnel}");
        let rollup = table("rollup");
        assert!(rollup.contains("上海") && rollup.contains("520,000"), "the committed best case, rolled up: {rollup}");
        assert!(pipeline.contains("甲机电有限公司"), "the open opportunity on the brand's board");

        // The brand's people write follow-ups once they are on the deal's team.
        let console_deal = format!("/console/opportunities/{deal_id}");
        assert!(!root.get(&console_deal).await.text().contains("id=\"followup\""), "not on the team yet");
        let joined = app
            .bearer("root", TEST_PASSWORD)
            .await
            .post_json(
                &format!("/api/v1/opportunities/{deal_id}/members"),
                &serde_json::json!({ "user_id": root_id.to_string(), "role": "售前支持" }),
            )
            .await;
        assert_eq!(joined.status, 200, "{}", joined.text());
        assert!(root.get(&console_deal).await.text().contains("id=\"followup\""));
        let by_brand = root
            .post_multipart(
                &format!("/opportunities/{deal_id}/followups"),
                &[("kind", "meeting"), ("note", "品牌方技术交流")],
                None,
            )
            .await;
        assert_eq!(by_brand.location().as_deref(), Some(format!("{console_deal}#followups").as_str()));
        assert!(a.get(&deal).await.text().contains("品牌方技术交流"), "the partner reads the brand's follow-up");
        app
    })
    .await;
}
