//! Long work reports progress the page can poll, visible only to the caller who started it.

use qudao_domain::access::Role;
use qudao_testkit::{TEST_PASSWORD, UserBuilder, each_backend};

#[tokio::test]
async fn an_import_reports_its_progress_to_its_owner_only() {
    each_backend(|app| async move {
        UserBuilder::new("admin", Role::BrandAdmin).create(&app).await;
        UserBuilder::new("admin2", Role::BrandAdmin).create(&app).await;
        let admin = app.bearer("admin", TEST_PASSWORD).await;
        let mut sheet = String::from("名称,类型,等级,地区\n");
        for n in 0..120 {
            sheet.push_str(&format!("上海进度测试{n:03}商贸有限公司,经销商,gold,CN-SH-SH\n"));
        }
        let response =
            admin.upload("POST", "/api/v1/partners/import?progress=import-abc-123", "p.csv", sheet.as_bytes()).await;
        assert_eq!(response.status, 201, "{}", response.text());
        let progress = admin.get("/api/v1/progress/import-abc-123").await;
        assert_eq!(progress.status, 200);
        assert_eq!(progress.json(), serde_json::json!({ "done": 120, "total": 120, "finished": true }));
        let other = app.bearer("admin2", TEST_PASSWORD).await;
        assert_eq!(other.get("/api/v1/progress/import-abc-123").await.status, 404);
        // The console's import page hands the browser an id and a place to show the bar.
        let browser = app.browser("admin", TEST_PASSWORD).await;
        let page = browser.get("/console/partners/import").await.text();
        assert!(page.contains("data-progress=\"") && page.contains("<progress"));
        app
    })
    .await;
}
