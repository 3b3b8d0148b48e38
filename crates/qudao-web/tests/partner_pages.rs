//! The partner pages of the console and the portal, on both databases: lists, forms with field
//! errors in the user's language, the partner page's posts, import and export, the own company
//! and its sub-dealers, and who may reach what.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use qudao_domain::access::Role;
use qudao_domain::partners::{PartnerKind, PartnerStatus};
use qudao_testkit::{Client, PartnerBuilder, TEST_PASSWORD, TestApp, TestResponse, UserBuilder, each_backend};

/// Switches a signed-in browser to English (signed-in users follow their own setting).
async fn english(client: &Client<'_>) {
    let switched = client.post_form("/lang", &[("lang", "en"), ("next", "/")]).await;
    assert_eq!(switched.status, 303, "{}", switched.text());
}

fn ok(response: &TestResponse) -> String {
    assert_eq!(response.status, 200, "{}", response.text());
    response.text()
}

/// The id at the end of a `/console/partners/{id}` location.
fn partner_id(response: &TestResponse) -> String {
    let location = response.location().expect("a redirect");
    location.trim_start_matches("/console/partners/").split(['#', '/']).next().unwrap_or_default().to_string()
}

async fn admin(app: &TestApp) -> Client<'_> {
    UserBuilder::new("admin", Role::BrandAdmin).create(app).await;
    app.browser("admin", TEST_PASSWORD).await
}

#[tokio::test]
async fn console_pages_render_in_both_languages() {
    each_backend(|app| async move {
        let partner = PartnerBuilder::new("南京恒泰商贸有限公司").region("CN-JS-NJ").create(&app).await;
        PartnerBuilder::new("南京小店").sub_dealer_of(partner.id).create(&app).await;
        let client = admin(&app).await;
        let show = format!("/console/partners/{}", partner.id);
        let list = ok(&client.get("/console/partners").await);
        assert!(list.contains("合作伙伴") && list.contains("南京恒泰商贸有限公司"), "{list}");
        assert!(list.contains("新建合作伙伴") && list.contains("批量导入") && list.contains("导出 CSV"));
        let page = ok(&client.get(&show).await);
        for text in
            ["南京市", "黄金", "经销商", "合作中", "联系人", "收货地址", "南京小店", "变更为：已暂停", "操作记录"]
        {
            assert!(page.contains(text), "{text} missing: {page}");
        }
        assert!(page.contains(&format!("/console/audit?object_kind=partner&#38;object_id={}", partner.id)));
        assert!(ok(&client.get("/console/partners/new").await).contains("统一社会信用代码"));
        assert!(ok(&client.get("/console/partners/import").await).contains("下载导入模板"));

        english(&client).await;
        let list = ok(&client.get("/console/partners").await);
        assert!(list.contains("Partners") && list.contains("New partner") && list.contains("Export Excel"), "{list}");
        let page = ok(&client.get(&show).await);
        for text in ["Nanjing", "Gold", "Distributor", "Active", "Contacts", "Shipping address", "Change to: Suspended"]
        {
            assert!(page.contains(text), "{text} missing: {page}");
        }
        assert!(ok(&client.get(&format!("{show}/edit")).await).contains("Edit partner"));
        assert!(ok(&client.get("/console/partners/import").await).contains("Download the template"));
        app
    })
    .await;
}

#[tokio::test]
async fn partners_are_created_and_edited_with_field_errors_in_the_users_language() {
    each_backend(|app| async move {
        let client = admin(&app).await;
        let bad =
            [("name", ""), ("kind", "sub_dealer"), ("tier", "gold"), ("region", "CN-SH-SH"), ("credit_code", "123")];
        let refused = client.post_form("/console/partners", &bad).await;
        assert_eq!(refused.status, 422);
        let text = refused.text();
        for message in ["必填。", "统一社会信用代码无效", "二级经销商需要指定上级经销商。"]
        {
            assert!(text.contains(message), "{message} missing: {text}");
        }
        english(&client).await;
        let refused = client.post_form("/console/partners", &bad).await;
        assert_eq!(refused.status, 422);
        assert!(refused.text().contains("Required.") && refused.text().contains("A sub-dealer needs a parent"));

        let created = client
            .post_form(
                "/console/partners",
                &[
                    ("name", "上海新希望商贸有限公司"),
                    ("name_en", "Shanghai New Hope Trading"),
                    ("kind", "distributor"),
                    ("tier", "silver"),
                    ("region", "CN-SH-SH"),
                    ("credit_code", "914403001922038216"),
                    ("status", "prospect"),
                ],
            )
            .await;
        assert_eq!(created.status, 303, "{}", created.text());
        assert_eq!(created.cookie("qudao_flash").as_deref(), Some("partner.flash.created"));
        let id = partner_id(&created);
        let page = ok(&client.get(&created.location().unwrap_or_default()).await);
        assert!(page.contains("Shanghai New Hope Trading"), "{page}");
        assert!(page.contains("Prospect") && page.contains("Change to: Active") && page.contains("Silver"));

        let form = ok(&client.get(&format!("/console/partners/{id}/edit")).await);
        assert!(form.contains("name=\"version\" value=\"1\""), "{form}");
        let edit = |name: &'static str, version: &'static str| {
            [
                ("version", version),
                ("name", name),
                ("name_en", ""),
                ("kind", "distributor"),
                ("tier", "gold"),
                ("region", "CN-SH-SH"),
                ("credit_code", "914403001922038216"),
                ("remark", "年度重点客户"),
            ]
        };
        let saved =
            client.post_form(&format!("/console/partners/{id}/edit"), &edit("上海新希望贸易有限公司", "1")).await;
        assert_eq!(saved.status, 303, "{}", saved.text());
        let page = ok(&client.get(&format!("/console/partners/{id}")).await);
        assert!(page.contains("上海新希望贸易有限公司") && page.contains("年度重点客户") && page.contains("Gold"));
        assert!(!page.contains("Shanghai New Hope Trading"), "an emptied field is cleared");

        let stale = client.post_form(&format!("/console/partners/{id}/edit"), &edit("别人的改动", "1")).await;
        assert_eq!(stale.status, 409);
        assert!(stale.text().contains("Someone else changed this in the meantime"), "{}", stale.text());
        let invalid = client.post_form(&format!("/console/partners/{id}/edit"), &edit("", "2")).await;
        assert_eq!(invalid.status, 422);
        assert!(invalid.text().contains("Required."));
        app
    })
    .await;
}

#[tokio::test]
async fn status_contacts_and_addresses_change_from_the_partner_page() {
    each_backend(|app| async move {
        let partner = PartnerBuilder::new("杭州示例商贸").status(PartnerStatus::Prospect).create(&app).await;
        let client = admin(&app).await;
        let show = format!("/console/partners/{}", partner.id);

        let moved = client.post_form(&format!("{show}/status"), &[("status", "active"), ("reason", "签约完成")]).await;
        assert_eq!(moved.status, 303, "{}", moved.text());
        assert_eq!(moved.cookie("qudao_flash").as_deref(), Some("partner.flash.status_changed"));
        let page = ok(&client.get(&show).await);
        assert!(page.contains("badge active") && page.contains("变更为：已暂停"), "{page}");
        let again = client.post_form(&format!("{show}/status"), &[("status", "prospect")]).await;
        assert_eq!(again.status, 409, "prospect is not reachable from active");

        let unreachable = client.post_form(&format!("{show}/contacts"), &[("name", "王芳")]).await;
        assert_eq!(unreachable.status, 422);
        assert!(unreachable.text().contains("请填写电话或电子邮箱。"), "{}", unreachable.text());
        assert!(unreachable.text().contains("value=\"王芳\""), "the form keeps what was typed");
        let added = client
            .post_form(&format!("{show}/contacts"), &[("name", "王芳"), ("phone", "138 0013 8000"), ("primary", "1")])
            .await;
        assert_eq!(added.status, 303, "{}", added.text());
        let page = ok(&client.get(&show).await);
        assert!(page.contains("王芳") && page.contains("13800138000") && page.contains("主要联系人"));
        let contact = qudao_app::partners::get_partner(&app.app, &ctx_of(&app, "admin").await, partner.id)
            .await
            .expect("partner")
            .contacts[0]
            .id;
        let removed = client.post_form(&format!("{show}/contacts/{contact}/delete"), &[]).await;
        assert_eq!(removed.status, 303);
        assert!(!ok(&client.get(&show).await).contains("13800138000"));

        let bad_address =
            client.post_form(&format!("{show}/addresses"), &[("kind", "shipping"), ("region", "CN-XX-XX")]).await;
        assert_eq!(bad_address.status, 422);
        let added = client
            .post_form(
                &format!("{show}/addresses"),
                &[
                    ("kind", "billing"),
                    ("region", "CN-JS-SZ"),
                    ("detail", "工业园区星湖街328号"),
                    ("recipient", "李雷"),
                    ("is_default", "1"),
                ],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.text());
        let page = ok(&client.get(&show).await);
        assert!(page.contains("工业园区星湖街328号") && page.contains("开票地址") && page.contains("苏州市"), "{page}");
        let address = qudao_app::partners::get_partner(&app.app, &ctx_of(&app, "admin").await, partner.id)
            .await
            .expect("partner")
            .addresses[0]
            .id;
        let removed = client.post_form(&format!("{show}/addresses/{address}/delete"), &[]).await;
        assert_eq!(removed.status, 303);
        assert!(!ok(&client.get(&show).await).contains("星湖街"));
        app
    })
    .await;
}

#[tokio::test]
async fn the_list_searches_filters_pages_and_exports() {
    each_backend(|app| async move {
        PartnerBuilder::new("上海金桥批发").tier("gold").create(&app).await;
        PartnerBuilder::new("南京白银贸易").tier("silver").region("CN-JS-NJ").create(&app).await;
        PartnerBuilder::new("广州铂金食品")
            .tier("platinum")
            .region("CN-GD-GZ")
            .kind(PartnerKind::Agent)
            .create(&app)
            .await;
        let client = admin(&app).await;

        let gold = ok(&client.get("/console/partners?tier=gold").await);
        assert!(gold.contains("上海金桥批发") && !gold.contains("南京白银贸易") && !gold.contains("广州铂金食品"));
        let pinyin = ok(&client.get("/console/partners?q=baiyin").await);
        assert!(pinyin.contains("南京白银贸易") && !pinyin.contains("上海金桥批发"), "{pinyin}");
        let initials = ok(&client.get("/console/partners?q=gzbj").await);
        assert!(initials.contains("广州铂金食品") && !initials.contains("南京白银贸易"), "{initials}");
        let ignored = ok(&client.get("/console/partners?whatever=1").await);
        assert!(ignored.contains("广州铂金食品"), "unknown parameters are ignored");
        assert_eq!(client.get("/console/partners?status=sleeping").await.status, 400);

        let first = ok(&client.get("/console/partners?kind=distributor&limit=1").await);
        let marker = "href=\"/console/partners?kind=distributor&#38;limit=1&#38;after=";
        let start = first.find(marker).expect("a next-page link keeping the filters") + "href=\"".len();
        let next = first[start..].split('"').next().unwrap_or_default().replace("&#38;", "&");
        let second = ok(&client.get(&next).await);
        let names = ["上海金桥批发", "南京白银贸易"];
        assert_eq!(names.iter().filter(|n| first.contains(**n)).count(), 1);
        assert_eq!(names.iter().filter(|n| second.contains(**n)).count(), 1);
        assert!(!second.contains("广州铂金食品"));

        assert!(first.contains("/console/partners/export?kind=distributor&#38;format=csv"));
        let csv = client.get("/console/partners/export?kind=distributor&format=csv").await;
        assert_eq!(csv.status, 200);
        assert!(csv.headers["content-type"].to_str().unwrap_or("").starts_with("text/csv"));
        let text = csv.text();
        assert!(text.contains("南京白银贸易") && !text.contains("广州铂金食品") && text.contains("统一社会信用代码"));
        let xlsx = client.get("/console/partners/export?format=xlsx&tier=platinum").await;
        assert_eq!(xlsx.status, 200);
        let sheet = qudao_app::sheets::read_sheet(&xlsx.body, 100).expect("an xlsx export");
        assert_eq!(sheet.rows.len(), 1);

        // A channel manager sees the partners of their territory only.
        let cm = UserBuilder::new("cm", Role::ChannelManager).create(&app).await;
        app.assign_region(cm, "CN-SH").await;
        let cm = app.browser("cm", TEST_PASSWORD).await;
        let list = ok(&cm.get("/console/partners").await);
        assert!(list.contains("上海金桥批发") && !list.contains("南京白银贸易") && !list.contains("批量导入"));
        app
    })
    .await;
}

#[tokio::test]
async fn the_region_filter_includes_the_regions_below() {
    each_backend(|app| async move {
        PartnerBuilder::new("上海金桥批发").create(&app).await;
        PartnerBuilder::new("南京白银贸易").region("CN-JS-NJ").create(&app).await;
        PartnerBuilder::new("广州铂金食品").region("CN-GD-GZ").create(&app).await;
        let client = admin(&app).await;
        let east = ok(&client.get("/console/partners?region=R-EAST").await);
        assert!(east.contains("上海金桥批发") && east.contains("南京白银贸易") && !east.contains("广州铂金食品"));
        assert!(east.contains("<option value=\"R-EAST\" selected>"), "the filter stays chosen");
        let csv = ok(&client.get("/console/partners/export?region=CN-JS").await);
        assert!(csv.contains("南京白银贸易") && !csv.contains("上海金桥批发"));
        assert_eq!(client.get("/console/partners?region=CN-XX").await.status, 400);
        app
    })
    .await;
}

#[tokio::test]
async fn imports_report_every_problem_and_import_all_or_nothing() {
    each_backend(|app| async move {
        let parent = PartnerBuilder::new("苏州总经销").region("CN-JS-SZ").create(&app).await;
        let client = admin(&app).await;

        let template = client.get("/console/partners/import/template.csv").await;
        assert_eq!(template.status, 200);
        assert!(template.body.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark for Excel");
        assert!(
            template.text().contains("名称,英文名称,简称,类型,等级,地区,上级,统一社会信用代码"),
            "{}",
            template.text()
        );

        let bad = "名称,类型,等级,地区,统一社会信用代码,联系人,联系电话\n\
                   苏州甲商行,二级经销商,silver,苏州市,,张三,13900001111\n\
                   ,经销商,gold,CN-SH-SH,123,,\n\
                   杭州丙公司,经销商,钻石,CN-SH-SH,,,\n";
        let report = client.upload("POST", "/console/partners/import", "bad.csv", bad.as_bytes()).await;
        assert_eq!(report.status, 422, "{}", report.text());
        let text = report.text();
        for message in ["二级经销商需要指定上级经销商。", "名称: 必填。", "等级: 未知等级。", "统一社会信用代码无效"]
        {
            assert!(text.contains(message), "{message} missing: {text}");
        }
        assert!(text.contains(">2<") && text.contains(">3<") && text.contains(">4<"), "row numbers: {text}");
        assert!(!ok(&client.get("/console/partners").await).contains("苏州甲商行"), "nothing was imported");

        let good = format!(
            "Name,Kind,Tier,Region,Parent,Contact,Contact phone\n\
             苏州甲商行,sub_dealer,silver,CN-JS-SZ,{},张三,13900001111\n\
             无锡乙贸易,distributor,Gold,CN-JS,,,\n",
            parent.code
        );
        let done = client.upload("POST", "/console/partners/import", "good.csv", good.as_bytes()).await;
        assert_eq!(done.status, 200, "{}", done.text());
        assert!(done.text().contains("已导入 2 个合作伙伴。"), "{}", done.text());
        let list = ok(&client.get("/console/partners").await);
        assert!(list.contains("苏州甲商行") && list.contains("无锡乙贸易"));

        let empty = client.upload("POST", "/console/partners/import", "empty.csv", b"").await;
        assert_eq!(empty.status, 422);
        assert!(empty.text().contains("表格为空。"), "{}", empty.text());

        english(&client).await;
        let template = client.get("/console/partners/import/template.csv").await;
        assert!(template.text().contains("Name,English name,Short name,Kind,Tier,Region,Parent,Credit code"));
        app
    })
    .await;
}

#[tokio::test]
async fn partner_users_cannot_reach_console_pages_and_brand_users_not_the_portal() {
    each_backend(|app| async move {
        let partner = PartnerBuilder::new("南京恒泰商贸有限公司").create(&app).await;
        UserBuilder::new("pa", Role::PartnerAdmin).partner(partner.id).create(&app).await;
        let portal = app.browser("pa", TEST_PASSWORD).await;
        for path in [
            "/console/partners".to_string(),
            "/console/partners/new".to_string(),
            "/console/partners/import".to_string(),
            "/console/partners/export".to_string(),
            format!("/console/partners/{}", partner.id),
            format!("/console/partners/{}/edit", partner.id),
        ] {
            assert_eq!(portal.get(&path).await.status, 403, "{path}");
        }
        let post = portal.post_form(&format!("/console/partners/{}/contacts", partner.id), &[("name", "x")]).await;
        assert_eq!(post.status, 403);
        let brand = admin(&app).await;
        assert_eq!(brand.get("/portal/company").await.status, 403);
        assert_eq!(brand.get("/portal/dealers").await.status, 403);
        // Roles without the function get 403 on it, even in the console.
        UserBuilder::new("fin", Role::Finance).create(&app).await;
        let finance = app.browser("fin", TEST_PASSWORD).await;
        assert_eq!(finance.get("/console/partners/new").await.status, 403);
        assert_eq!(finance.get("/console/partners/import").await.status, 403);
        let page = ok(&finance.get(&format!("/console/partners/{}", partner.id)).await);
        assert!(!page.contains("添加联系人") && !page.contains("变更状态"), "no forms without the permission");
        app
    })
    .await;
}

#[tokio::test]
async fn the_portal_shows_the_own_company_and_its_sub_dealers_only() {
    each_backend(|app| async move {
        app.setting(qudao_store::settings::PARENT_SEES_SUB_DEALERS, "true").await;
        let own = PartnerBuilder::new("上海自家经销").create(&app).await;
        let dealer = PartnerBuilder::new("上海下级门店").sub_dealer_of(own.id).create(&app).await;
        let other = PartnerBuilder::new("北京别家经销").create(&app).await;
        let other_dealer = PartnerBuilder::new("北京别家门店").sub_dealer_of(other.id).create(&app).await;
        UserBuilder::new("pa", Role::PartnerAdmin).partner(own.id).create(&app).await;
        UserBuilder::new("ps", Role::PartnerSales).partner(own.id).create(&app).await;
        UserBuilder::new("other", Role::PartnerAdmin).partner(other.id).create(&app).await;
        let pa = app.browser("pa", TEST_PASSWORD).await;

        let company = ok(&pa.get("/portal/company").await);
        assert!(company.contains("上海自家经销") && company.contains("添加联系人"), "{company}");
        let added = pa.post_form("/portal/company/contacts", &[("name", "赵敏"), ("email", "zhao@example.com")]).await;
        assert_eq!(added.status, 303, "{}", added.text());
        let invalid = pa.post_form("/portal/company/addresses", &[("kind", "office"), ("region", "CN-SH-SH")]).await;
        assert_eq!(invalid.status, 422);
        assert!(invalid.text().contains("必填。"));
        let added = pa
            .post_form(
                "/portal/company/addresses",
                &[("kind", "office"), ("region", "CN-SH-SH"), ("detail", "世纪大道100号")],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.text());
        let company = ok(&pa.get("/portal/company").await);
        assert!(
            company.contains("zhao@example.com") && company.contains("世纪大道100号") && company.contains("办公地址")
        );

        let other_client = app.browser("other", TEST_PASSWORD).await;
        let theirs = ok(&other_client.get("/portal/company").await);
        assert!(theirs.contains("北京别家经销") && !theirs.contains("zhao@example.com"));
        // Their contact ids never reach ours: deleting one through our company is "not found".
        let ctx = ctx_of(&app, "pa").await;
        let ours = qudao_app::partners::get_partner(&app.app, &ctx, own.id).await.expect("own");
        let contact = ours.contacts[0].id;
        let address = ours.addresses[0].id;
        assert_eq!(
            other_client.post_form(&format!("/portal/company/contacts/{contact}/delete"), &[]).await.status,
            404
        );
        assert_eq!(
            other_client.post_form(&format!("/portal/company/addresses/{address}/delete"), &[]).await.status,
            404
        );

        let ps = app.browser("ps", TEST_PASSWORD).await;
        let company = ok(&ps.get("/portal/company").await);
        assert!(company.contains("zhao@example.com") && !company.contains("添加联系人"));
        assert_eq!(ps.post_form(&format!("/portal/company/contacts/{contact}/delete"), &[]).await.status, 403);
        assert_eq!(pa.post_form(&format!("/portal/company/contacts/{contact}/delete"), &[]).await.status, 303);
        assert_eq!(pa.post_form(&format!("/portal/company/addresses/{address}/delete"), &[]).await.status, 303);
        assert!(!ok(&pa.get("/portal/company").await).contains("zhao@example.com"));

        let dealers = ok(&pa.get("/portal/dealers").await);
        assert!(dealers.contains("上海下级门店") && !dealers.contains("北京别家门店"), "{dealers}");
        let page = ok(&pa.get(&format!("/portal/dealers/{}", dealer.id)).await);
        assert!(page.contains("上海下级门店") && page.contains("/portal/company") && !page.contains("添加联系人"));
        assert_eq!(pa.get(&format!("/portal/dealers/{}", own.id)).await.status, 404, "the own company is no dealer");
        assert_eq!(pa.get(&format!("/portal/dealers/{}", other_dealer.id)).await.status, 404);
        assert_eq!(pa.get("/portal/dealers/not-an-id").await.status, 404);

        english(&pa).await;
        let company = ok(&pa.get("/portal/company").await);
        assert!(company.contains("Contacts") && company.contains("Add address"));
        assert!(ok(&pa.get("/portal/dealers").await).contains("Sub-dealer"));
        app
    })
    .await;
}

/// A use-case context of `login`, to read ids the pages do not print.
async fn ctx_of(app: &TestApp, login: &str) -> qudao_app::Ctx {
    app.ctx_of(login).await
}
