"""Deal scoring: a per-deal win probability learned from the warehouse's own history.

features: the point-in-time feature rows (dbt's fct_deal_features) as a model reads them
model: the candidate classifiers, calibrated
baselines: the stage's admin probability and calibrated win rate, the scores to beat
metrics: Brier score, log loss, AUC and the reliability curve
backtest: rolling origin over past quarters against the two stage baselines
attributions: the signals that move one deal's score most
store: the model file and the kept backtest beside the build
run: the refresh step: train, backtest, score and write the scoring tables into the marts
bench: `crm bench scoring`
"""
