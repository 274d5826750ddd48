"""Deal scoring as an asset between the dbt marts and the published snapshot.

The full (nightly) refresh retrains the model; every refresh scores the open deals unless no
deal's features changed. The backtest's verdict and the model's calibration are its checks:
warnings, since a model that loses to the stage baselines is kept out of the forecast (the
scores table says so) rather than stopping the refresh.
"""

from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    MaterializeResult,
    asset,
)

from orchestration.as_of import parse_as_of
from orchestration.dbt_runner import marts_path
from orchestration.defs.assets import MART_KEYS, SCORES_KEY, AsOfConfig
from orchestration.defs.resources import DUCKDB_POOL, build_path
from scoring.run import ScoringSummary, score_deals

# A model whose predictions stray further than this from the observed win rate (averaged
# over the backtest's probability bands, weighted by deals) is flagged.
CALIBRATION_TOLERANCE = 0.05
FEATURE_MARTS = ("fct_deal_features", "fct_forecast")
CHECKS = ("model_beats_stage_baselines", "model_is_calibrated")


class ScoringConfig(AsOfConfig):
    full: bool = False


@asset(
    key=SCORES_KEY,
    deps=[key for key in MART_KEYS if key.path[-1] in FEATURE_MARTS],
    group_name="scoring",
    kinds={"duckdb", "python"},
    pool=DUCKDB_POOL,
    check_specs=[AssetCheckSpec(name, asset=SCORES_KEY) for name in CHECKS],
    description="Each open deal's win probability, change in a week and top signals "
    "(fct_deal_scores), with the backtest against the stage baselines.",
)
def deal_scores(context: AssetExecutionContext, config: ScoringConfig) -> Iterator[Any]:
    build = build_path()
    summary = score_deals(
        marts_path(build), build, as_of=parse_as_of(config.as_of_date), retrain=config.full
    )
    context.log.info(summary.line())
    yield MaterializeResult(asset_key=SCORES_KEY, metadata=metadata(summary))
    yield from check_results(summary)


def metadata(summary: ScoringSummary) -> dict:
    return {
        "summary": summary.line(),
        "scored": summary.scored,
        "skipped": summary.skipped,
        "trained": summary.trained,
        "backtested": summary.backtested,
        "model_kind": summary.model_kind or "none",
        "model_version": summary.model_version or "none",
        "seconds": round(summary.seconds, 2),
    }


def check_results(summary: ScoringSummary) -> Iterator[AssetCheckResult]:
    briers = {f"{method}_brier": m["brier"] for method, m in summary.pooled.items()}
    aucs = {f"{method}_auc": m["auc"] for method, m in summary.pooled.items() if m["auc"]}
    yield AssetCheckResult(
        asset_key=SCORES_KEY,
        check_name="model_beats_stage_baselines",
        passed=bool(summary.verdict.get("all", False)),
        severity=AssetCheckSeverity.WARN,
        metadata={
            **briers,
            **aucs,
            "modes_where_model_is_used": ", ".join(
                m for m, wins in summary.verdict.items() if wins and m != "all"
            )
            or "none",
        },
    )
    gap = summary.calibration_gap
    yield AssetCheckResult(
        asset_key=SCORES_KEY,
        check_name="model_is_calibrated",
        passed=gap is not None and gap <= CALIBRATION_TOLERANCE,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "calibration_gap": gap if gap is not None else "no backtest",
            "tolerance": CALIBRATION_TOLERANCE,
        },
    )


SCORING_ASSETS = [deal_scores]
