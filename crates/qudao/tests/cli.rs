//! The binary as outside tools use it: `seed-demo` prints the accounts on stdout, one per line,
//! tab-separated `role login password partner-name`, progress on stderr; `user create` makes the
//! first administrator once; `migrate` works on a fresh database.

#![expect(clippy::expect_used, reason = "test helpers fail loudly at the first broken step")]

use std::process::Command;

fn qudao(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qudao"))
        .args(args)
        .current_dir(dir)
        .env_remove("QUDAO_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run qudao")
}

#[test]
fn seed_demo_prints_the_accounts_tab_separated_on_stdout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = qudao(dir.path(), &["seed-demo", "--database-url", "sqlite://demo.sqlite", "--size", "small"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let lines: Vec<Vec<&str>> = stdout.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 7, "{stdout}");
    let roles: Vec<&str> = lines.iter().map(|l| l[0]).collect();
    assert_eq!(
        roles,
        [
            "brand_admin",
            "channel_manager",
            "finance",
            "partner_admin",
            "partner_sales",
            "partner_admin",
            "partner_sales"
        ]
    );
    for line in &lines {
        assert_eq!(line.len(), 4, "role, login, password, partner: {line:?}");
        assert!(!line[1].is_empty() && !line[2].is_empty());
        assert_eq!(line[3].is_empty(), !line[0].starts_with("partner_"));
    }
    assert_ne!(lines[3][3], lines[5][3], "two different partners");
    // Seeding again refuses, and says why.
    let again = qudao(dir.path(), &["seed-demo", "--database-url", "sqlite://demo.sqlite"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds data"));
}

#[test]
fn user_create_makes_the_first_administrator_only_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert!(qudao(dir.path(), &["migrate"]).status.success());
    assert!(dir.path().join("qudao-data/qudao.sqlite").exists(), "the default database is SQLite in ./qudao-data/");
    let weak = qudao(dir.path(), &["user", "create", "--login", "boss", "--name", "老板", "--password", "password123"]);
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password_too_common"));
    let ok =
        qudao(dir.path(), &["user", "create", "--login", "boss", "--name", "老板", "--password", "Lanzhou-Noodles-42"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let twice = qudao(
        dir.path(),
        &["user", "create", "--login", "boss2", "--name", "老板", "--password", "Lanzhou-Noodles-42"],
    );
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("already has users"));
}

#[test]
fn flags_beat_environment_which_beats_the_config_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("qudao.toml"), "database_url = \"sqlite://from-file.sqlite\"\n").expect("config");
    assert!(qudao(dir.path(), &["migrate"]).status.success());
    assert!(dir.path().join("from-file.sqlite").exists());
    let env = Command::new(env!("CARGO_BIN_EXE_qudao"))
        .arg("migrate")
        .current_dir(dir.path())
        .env("QUDAO_DATABASE_URL", "sqlite://from-env.sqlite")
        .output()
        .expect("run");
    assert!(env.status.success());
    assert!(dir.path().join("from-env.sqlite").exists());
    assert!(qudao(dir.path(), &["migrate", "--database-url", "sqlite://from-flag.sqlite"]).status.success());
    assert!(dir.path().join("from-flag.sqlite").exists());
}

#[test]
fn bench_pricing_ends_with_the_median_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = qudao(dir.path(), &["bench", "pricing", "--iterations", "20", "--promotions", "200"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let last = stdout.lines().last().expect("a last line");
    let value = last.strip_prefix("cart_us_median=").expect("cart_us_median=N");
    assert!(value.parse::<f64>().expect("a number") > 0.0);
}

/// The approval bench routes and acts through the real use cases: a change to what an approval's
/// end does to its object must keep it running (it once stopped with "not found").
#[test]
fn bench_approvals_routes_and_approves_to_the_end() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = qudao(dir.path(), &["bench", "approvals", "--submissions", "200", "--acted", "20"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let last = stdout.lines().last().expect("a last line");
    assert!(last.starts_with("submissions=200 ") && last.ends_with(" acted=20"), "{last}");
}

#[test]
fn bench_dedup_measures_the_labelled_set_and_times_checks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = qudao(dir.path(), &["bench", "dedup", "--customers", "500", "--checks", "20"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let last = stdout.lines().last().expect("a last line");
    let figures: Vec<(&str, f64)> = last
        .split(' ')
        .map(|pair| {
            let (name, value) = pair.split_once('=').expect("name=value");
            (name, value.parse().expect("a number"))
        })
        .collect();
    let names: Vec<&str> = figures.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["precision", "recall", "f1", "check_ms"], "{last}");
    assert!(figures[0].1 >= 0.98 && figures[1].1 >= 0.90, "{last}");
    assert!(figures[3].1 > 0.0, "{last}");
}

#[test]
fn bench_dedup_judges_outside_pairs_and_finds_outside_queries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pairs = dir.path().join("pairs.csv");
    std::fs::write(
        &pairs,
        "\u{feff}a,b,same\n上海某某科技有限公司,某某科技(上海)有限公司,1\n华为技术有限公司,华为终端有限公司,0\n\
         \"Huawei Technologies Co., Ltd.\",華為技術有限公司,1\n北京某某科技有限公司,上海某某科技有限公司,1\n",
    )
    .expect("pairs");
    let output = qudao(dir.path(), &["bench", "dedup", "--customers", "0", "--pairs", "pairs.csv"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "a,b,predicted");
    assert_eq!(lines[1], "上海某某科技有限公司,某某科技(上海)有限公司,1");
    assert_eq!(lines[2], "华为技术有限公司,华为终端有限公司,0");
    assert_eq!(lines[3], "\"Huawei Technologies Co., Ltd.\",華為技術有限公司,1");
    assert_eq!(lines[4], "北京某某科技有限公司,上海某某科技有限公司,0");
    // Two of three same pairs found, no false match: precision 1, recall 2/3.
    assert_eq!(lines[5], "precision=1.000 recall=0.667 f1=0.800 check_ms=0.00");

    std::fs::write(dir.path().join("unlabelled.csv"), "a,b\n小米,小米科技有限责任公司\n").expect("pairs");
    let output = qudao(dir.path(), &["bench", "dedup", "--customers", "0", "--pairs", "unlabelled.csv"]);
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        ["a,b,predicted", "小米,小米科技有限责任公司,1", "precision=NA recall=NA f1=NA check_ms=0.00"]
    );

    std::fs::write(
        dir.path().join("corpus.csv"),
        "id,name\nc1,上海澄明精密仪器有限公司\nc2,杭州绿源食品有限公司\nc3,北京绿源食品有限公司\n",
    )
    .expect("corpus");
    std::fs::write(
        dir.path().join("queries.csv"),
        "query,expected_id\n澄明精密仪器（上海）股份有限公司,c1\n绿源食品(杭州)有限公司,c2\n南京绿源食品有限公司,\n成都澄明精密仪器有限公司,\n",
    )
    .expect("queries");
    let output = qudao(dir.path(), &["bench", "dedup", "--corpus", "corpus.csv", "--queries", "queries.csv"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "query,returned_id",
            "澄明精密仪器（上海）股份有限公司,c1",
            "绿源食品(杭州)有限公司,c2",
            "南京绿源食品有限公司,",
            "成都澄明精密仪器有限公司,",
            "top1=1.000 false_match=0.000"
        ]
    );
}

#[test]
fn bench_routing_routes_in_memory_and_through_the_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = qudao(
        dir.path(),
        &["bench", "routing", "--leads", "300", "--rules", "5", "--partners", "60", "--db-leads", "20"],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let last = stdout.lines().last().expect("a last line");
    assert!(last.starts_with("leads=300 rules=5 partners=60 route_us="), "{last}");
    assert!(last.contains(" db_leads=20 db_ms=") && last.contains(" import_ms="), "{last}");
    assert!(stdout.contains("300 routed"), "every lead finds a partner through the catch-all: {stdout}");
}
