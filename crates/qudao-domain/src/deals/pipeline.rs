//! Opportunities' stages and the pipeline measured from them: the stages a brand configures
//! (each with its probability), the weighted pipeline, monthly forecast categories, funnel
//! conversion between stages and the time spent in each (stagnation).
//!
//! The measures are computed from each opportunity's stage history — when it entered each stage
//! — so they hold for any period: an opportunity counts in the period it entered a stage.

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::ids::PartnerId;

/// What a stage means for the deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    /// Still being worked.
    Open,
    /// Won (the end).
    Won,
    /// Lost (the end).
    Lost,
}

/// One stage as the brand configures it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Stage {
    /// Stable code (`qualify`).
    pub code: String,
    /// Shown name (需求确认).
    pub name: String,
    /// Chance of winning at this stage, percent.
    pub probability: u8,
    /// Open, won or lost.
    pub kind: StageKind,
}

/// The stages a brand starts with (初步接洽 → 需求确认 → 方案报价 → 商务谈判 → 赢单 / 丢单).
pub fn default_stages() -> Vec<Stage> {
    let stage = |code: &str, name: &str, probability: u8, kind: StageKind| Stage {
        code: code.into(),
        name: name.into(),
        probability,
        kind,
    };
    vec![
        stage("contact", "初步接洽", 10, StageKind::Open),
        stage("qualify", "需求确认", 25, StageKind::Open),
        stage("propose", "方案报价", 50, StageKind::Open),
        stage("negotiate", "商务谈判", 75, StageKind::Open),
        stage("won", "赢单", 100, StageKind::Won),
        stage("lost", "丢单", 0, StageKind::Lost),
    ]
}

/// Checks a brand's stages: codes unique and plain, at least one open stage, exactly one won and
/// one lost, open probabilities rising from stage to stage and below 100.
pub fn validate_stages(stages: &[Stage]) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    for (i, stage) in stages.iter().enumerate() {
        let plain = !stage.code.is_empty()
            && stage.code.len() <= 30
            && stage.code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !plain {
            errors.push(FieldError::new(format!("stages[{i}].code"), "invalid_code"));
        }
        if stages[..i].iter().any(|s| s.code == stage.code) {
            errors.push(FieldError::new(format!("stages[{i}].code"), "duplicate"));
        }
        if stage.name.trim().is_empty() {
            errors.push(FieldError::new(format!("stages[{i}].name"), "required"));
        }
        if stage.probability > 100 {
            errors.push(FieldError::with_param(format!("stages[{i}].probability"), "out_of_range", "0–100"));
        }
    }
    let open: Vec<&Stage> = stages.iter().filter(|s| s.kind == StageKind::Open).collect();
    if open.is_empty() {
        errors.push(FieldError::new("stages", "needs_an_open_stage"));
    }
    if stages.iter().filter(|s| s.kind == StageKind::Won).count() != 1
        || stages.iter().filter(|s| s.kind == StageKind::Lost).count() != 1
    {
        errors.push(FieldError::new("stages", "needs_one_won_and_one_lost"));
    }
    if open.windows(2).any(|w| w[1].probability < w[0].probability) || open.iter().any(|s| s.probability >= 100) {
        errors.push(FieldError::new("stages", "probabilities_must_rise"));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// The position of a stage in the configured order (unknown stages last).
pub fn order_of(stages: &[Stage], code: &str) -> usize {
    stages.iter().position(|s| s.code == code).unwrap_or(stages.len())
}

/// An amount weighted by its stage's probability (fen).
pub fn weighted(amount: i64, probability: u8) -> i64 {
    amount.saturating_mul(i64::from(probability)) / 100
}

/// A partner's forecast category for one opportunity in a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ForecastCategory {
    /// The partner commits to closing it this month.
    Commit,
    /// Could close this month if things go well.
    BestCase,
    /// In the pipeline, not expected this month.
    Pipeline,
    /// Left out of the forecast.
    Omitted,
}

impl ForecastCategory {
    /// Every category, in the order a form offers them.
    pub const ALL: [ForecastCategory; 4] =
        [ForecastCategory::Commit, ForecastCategory::BestCase, ForecastCategory::Pipeline, ForecastCategory::Omitted];

    /// The code used in the API, forms and message keys.
    pub fn as_str(self) -> &'static str {
        match self {
            ForecastCategory::Commit => "commit",
            ForecastCategory::BestCase => "best_case",
            ForecastCategory::Pipeline => "pipeline",
            ForecastCategory::Omitted => "omitted",
        }
    }

    /// The category of a code, if it is one.
    pub fn parse(code: &str) -> Option<ForecastCategory> {
        ForecastCategory::ALL.into_iter().find(|c| c.as_str() == code.trim())
    }
}

/// The default category of an open opportunity from its stage's probability: 75 % and more
/// commit, 50 % best case, the rest pipeline — the partner may change it before committing.
pub fn default_category(probability: u8) -> ForecastCategory {
    match probability {
        75..=100 => ForecastCategory::Commit,
        50..=74 => ForecastCategory::BestCase,
        _ => ForecastCategory::Pipeline,
    }
}

/// Forecast totals (fen) by category; best case includes commit, pipeline includes both, as
/// sales teams read them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ForecastTotals {
    /// Committed.
    pub commit: i64,
    /// Committed and best case.
    pub best_case: i64,
    /// Everything in the pipeline.
    pub pipeline: i64,
}

/// Adds up forecast lines (category, amount).
pub fn forecast_totals(lines: &[(ForecastCategory, i64)]) -> ForecastTotals {
    let mut totals = ForecastTotals::default();
    for (category, amount) in lines {
        match category {
            ForecastCategory::Commit => {
                totals.commit += amount;
                totals.best_case += amount;
                totals.pipeline += amount;
            }
            ForecastCategory::BestCase => {
                totals.best_case += amount;
                totals.pipeline += amount;
            }
            ForecastCategory::Pipeline => totals.pipeline += amount,
            ForecastCategory::Omitted => {}
        }
    }
    totals
}

/// One visit of an opportunity to a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    /// The opportunity (any stable key).
    pub opportunity: String,
    /// The stage.
    pub stage: String,
    /// Entered at (epoch ms).
    pub entered_ms: i64,
    /// Left at (none: still there).
    pub left_ms: Option<i64>,
}

/// One stage of the funnel over a period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FunnelStage {
    /// Stage code.
    pub stage: String,
    /// Opportunities that entered it in the period.
    pub entered: usize,
    /// Of those, how many reached a later stage (won counts; lost does not).
    pub advanced: usize,
    /// advanced ÷ entered (0 when none entered).
    pub conversion: f64,
    /// Mean days spent in it, by those that left it.
    pub mean_days: Option<f64>,
    /// Open now, in it longer than the stagnation threshold.
    pub stagnant: usize,
}

/// The funnel of the open stages (in order) from the visits that entered each stage in
/// `[from_ms, to_ms)`; stagnant: still in the stage at `now_ms` after `stagnant_days`.
pub fn funnel(
    stages: &[Stage],
    visits: &[Visit],
    from_ms: i64,
    to_ms: i64,
    now_ms: i64,
    stagnant_days: i64,
) -> Vec<FunnelStage> {
    const DAY: f64 = 86_400_000.0;
    let later = |stage: &str, than: &str| {
        let (a, b) = (order_of(stages, stage), order_of(stages, than));
        let lost = stages.iter().any(|s| s.code == stage && s.kind == StageKind::Lost);
        a > b && !lost
    };
    stages
        .iter()
        .filter(|s| s.kind == StageKind::Open)
        .map(|stage| {
            let entered: Vec<&Visit> = visits
                .iter()
                .filter(|v| v.stage == stage.code && v.entered_ms >= from_ms && v.entered_ms < to_ms)
                .collect();
            let advanced = entered
                .iter()
                .filter(|v| {
                    visits.iter().any(|w| {
                        w.opportunity == v.opportunity && w.entered_ms >= v.entered_ms && later(&w.stage, &stage.code)
                    })
                })
                .count();
            let stays: Vec<f64> =
                entered.iter().filter_map(|v| v.left_ms.map(|left| (left - v.entered_ms) as f64 / DAY)).collect();
            let stagnant = visits
                .iter()
                .filter(|v| {
                    v.stage == stage.code && v.left_ms.is_none() && now_ms - v.entered_ms > stagnant_days * 86_400_000
                })
                .count();
            FunnelStage {
                stage: stage.code.clone(),
                entered: entered.len(),
                advanced,
                conversion: if entered.is_empty() { 0.0 } else { advanced as f64 / entered.len() as f64 },
                mean_days: (!stays.is_empty()).then(|| stays.iter().sum::<f64>() / stays.len() as f64),
                stagnant,
            }
        })
        .collect()
}

/// Whether a second partner may join a deal: only a partner linked to the first — its parent
/// distributor or one of its sub-dealers.
pub fn may_join(
    first: PartnerId,
    first_parent: Option<PartnerId>,
    second: PartnerId,
    second_parent: Option<PartnerId>,
) -> bool {
    first != second && (first_parent == Some(second) || second_parent == Some(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_stages_are_valid_and_bad_ones_are_named() {
        assert_eq!(validate_stages(&default_stages()), Ok(()));
        let mut bad = default_stages();
        bad[1].probability = 5;
        bad[2].code = "contact".into();
        bad.pop();
        let codes: Vec<&str> = validate_stages(&bad).unwrap_err().iter().map(|e| e.code).collect();
        assert_eq!(codes, ["duplicate", "needs_one_won_and_one_lost", "probabilities_must_rise"]);
    }

    #[test]
    fn forecasts_roll_up_as_sales_teams_read_them() {
        let totals = forecast_totals(&[
            (ForecastCategory::Commit, 100),
            (ForecastCategory::BestCase, 50),
            (ForecastCategory::Pipeline, 20),
            (ForecastCategory::Omitted, 1_000),
        ]);
        assert_eq!(totals, ForecastTotals { commit: 100, best_case: 150, pipeline: 170 });
        assert_eq!(default_category(75), ForecastCategory::Commit);
        assert_eq!(default_category(50), ForecastCategory::BestCase);
        assert_eq!(default_category(25), ForecastCategory::Pipeline);
        assert_eq!(weighted(1_000_000, 25), 250_000);
    }

    #[test]
    fn the_funnel_counts_conversion_time_in_stage_and_stagnation() {
        const DAY: i64 = 86_400_000;
        let visit = |o: &str, stage: &str, entered: i64, left: Option<i64>| Visit {
            opportunity: o.into(),
            stage: stage.into(),
            entered_ms: entered * DAY,
            left_ms: left.map(|d| d * DAY),
        };
        let visits = [
            visit("a", "contact", 0, Some(2)),
            visit("a", "qualify", 2, Some(6)),
            visit("a", "won", 6, None),
            visit("b", "contact", 1, Some(5)),
            visit("b", "lost", 5, None),
            visit("c", "contact", 3, None),
        ];
        let funnel = funnel(&default_stages(), &visits, 0, 10 * DAY, 40 * DAY, 30);
        assert_eq!((funnel[0].entered, funnel[0].advanced), (3, 1), "lost is not advancing");
        assert!((funnel[0].conversion - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(funnel[0].mean_days, Some(3.0));
        assert_eq!(funnel[0].stagnant, 1, "c has sat in contact for 37 days");
        assert_eq!((funnel[1].entered, funnel[1].advanced, funnel[1].mean_days), (1, 1, Some(4.0)));
    }

    #[test]
    fn only_linked_partners_share_a_deal() {
        let (d, s, other) = (PartnerId::new(), PartnerId::new(), PartnerId::new());
        assert!(may_join(s, Some(d), d, None));
        assert!(may_join(d, None, s, Some(d)));
        assert!(!may_join(d, None, other, None));
        assert!(!may_join(d, None, d, None));
    }
}
