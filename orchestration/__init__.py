"""Refreshing the warehouse: extract → dbt build → publish, directly or through Dagster."""
