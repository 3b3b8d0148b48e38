//! Deal registration in pages, without a browser: a partner registers from the form (bad input
//! comes back on the form with its values); a second partner's other spelling is shown its
//! evidence and "another partner", never the name; the console's queue shows both sides and a
//! channel manager rejects from it; the first partner's countdown shows; extension, release and
//! claiming from the pool work from their buttons; the rule table saves and refuses bad numbers.

use qudao_domain::access::Role;
use qudao_testkit::{PartnerBuilder, TEST_PASSWORD, TestApp, UserBuilder, each_backend};

async fn world(app: &TestApp) {
    let a = PartnerBuilder::new("甲贸易有限公司").region("CN-SH-SH").create(app).await;
    let b = PartnerBuilder::new("乙科技有限公司").region("CN-SH-SH").create(app).await;
    UserBuilder::new("a.rep", Role::PartnerSales).partner(a.id).create(app).await;
    UserBuilder::new("b.rep", Role::PartnerSales).partner(b.id).create(app).await;
    let cm = UserBuilder::new("cm", Role::ChannelManager).create(app).await;
    app.assign_region(cm, "CN-SH").await;
    UserBuilder::new("root", Role::BrandAdmin).create(app).await;
}

#[tokio::test]
async fn partners_register_from_the_form_and_a_manager_decides_from_the_queue() {
    each_backend(|app| async move {
        world(&app).await;
        let a = app.browser("a.rep", TEST_PASSWORD).await;
        let form = a.get("/portal/registrations/new").await;
        assert_eq!(form.status, 200);
        assert!(form.text().contains("统一社会信用代码"), "{}", form.text());

        // Bad input comes back on the form, values kept, nothing written.
        let bad = a
            .post_form(
                "/portal/registrations",
                &[
                    ("customer_name", "上海某某科技有限公司"),
                    ("credit_code", "123"),
                    ("contact_name", "王"),
                    ("contact_phone", "12"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422);
        let text = bad.text();
        assert!(text.contains("value=\"上海某某科技有限公司\""), "values kept");
        assert!(text.contains("统一社会信用代码") && text.contains("field-error"), "{text}");
        assert!(a.get("/portal/registrations").await.text().contains("暂无报备"));

        let done = a
            .post_form(
                "/portal/registrations",
                &[
                    ("customer_name", "上海某某科技有限公司"),
                    ("region", "CN-SH"),
                    ("contact_name", "王经理"),
                    ("contact_phone", "13800138000"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text());
        let mine = done.location().expect("to the registration");
        let page = a.get(&mine).await.text();
        assert!(page.contains("保护期剩余 90 天"), "the countdown shows");
        assert!(page.contains("data-status=\"approved\""));

        let b = app.browser("b.rep", TEST_PASSWORD).await;
        let second = b.post_form("/portal/registrations", &[("customer_name", "某某科技(上海)有限公司")]).await;
        assert_eq!(second.status, 303);
        let theirs = second.location().expect("to the registration");
        let page = b.get(&theirs).await.text();
        assert!(page.contains("data-status=\"pending\""));
        assert!(page.contains("由另一家伙伴持有") && page.contains("同名不同写法"), "{page}");
        assert!(page.contains("上海某某科技有限公司"), "the evidence names the customer as written");
        assert!(!page.contains("甲贸易"), "never the other partner");

        let cm = app.browser("cm", TEST_PASSWORD).await;
        let queue = cm.get("/console/registrations").await.text();
        assert!(queue.contains("甲贸易有限公司") && queue.contains("乙科技有限公司"), "both sides in the queue");
        let id = theirs.rsplit('/').next().expect("id");
        let rejected = cm
            .post_form(
                &format!("/console/registrations/{id}/decision"),
                &[("decision", "reject"), ("comment", "甲方先报备"), ("next", "/console/registrations")],
            )
            .await;
        assert_eq!(rejected.status, 303);
        assert_eq!(rejected.location().as_deref(), Some("/console/registrations"));
        let page = b.get(&theirs).await.text();
        assert!(page.contains("data-status=\"rejected\"") && page.contains("甲方先报备"));

        // The first partner asks for more time (granted by rule), then gives the customer up;
        // the second claims it from the pool.
        let own = mine.rsplit('/').next().expect("id");
        let extended = a.post_form(&format!("/portal/registrations/{own}/extension"), &[("comment", "")]).await;
        assert_eq!(extended.status, 303);
        assert!(a.get(&mine).await.text().contains("保护期剩余 120 天"));
        assert_eq!(a.post_form(&format!("/portal/registrations/{own}/release"), &[("comment", "")]).await.status, 303);
        let pool = b.get("/portal/registration-pool").await.text();
        assert!(pool.contains("上海某某科技有限公司") && !pool.contains("13800138000"));
        let claimed = b.post_form(&format!("/portal/registration-pool/{own}/claim"), &[("comment", "")]).await;
        assert_eq!(claimed.status, 303);
        let page = b.get(&claimed.location().expect("new registration")).await.text();
        assert!(page.contains("从公海认领") && page.contains("data-status=\"approved\""), "{page}");
        app
    })
    .await;
}

#[tokio::test]
async fn the_rule_table_saves_and_refuses_bad_numbers() {
    each_backend(|app| async move {
        world(&app).await;
        let root = app.browser("root", TEST_PASSWORD).await;
        let fields = [
            ("reject_at", "98"),
            ("review_at", "60"),
            ("default_days", "60"),
            ("tier_days", "gold:180，silver：120"),
            ("extension_days", "30"),
            ("auto_extensions", "1"),
            ("max_extensions", "3"),
            ("remind_days", "7"),
        ];
        let saved = root.post_form("/console/registration-rules", &fields).await;
        assert_eq!(saved.status, 303, "{}", saved.text());
        let page = root.get("/console/registration-rules").await.text();
        assert!(page.contains("gold:180, silver:120") && page.contains("value=\"60\""));
        let mut bad = fields;
        bad[1] = ("review_at", "99");
        bad[3] = ("tier_days", "gold");
        let refused = root.post_form("/console/registration-rules", &bad).await;
        assert_eq!(refused.status, 422);
        let text = refused.text();
        assert!(text.contains("代码:天数") && text.contains("value=\"99\""), "{text}");
        let cm = app.browser("cm", TEST_PASSWORD).await;
        assert_eq!(cm.post_form("/console/registration-rules", &fields).await.status, 403);
        app
    })
    .await;
}
