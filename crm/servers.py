"""The servers `crm serve` starts, by the names `crm serve --only` takes: a module of its
own, light enough for the command line to import without loading the servers' code."""

ENTRY_APP, DASHBOARDS, DAGSTER_UI, DAGSTER_DAEMON, DBT_DOCS = SERVERS = (
    "entry-app",
    "dashboards",
    "dagster-ui",
    "dagster-daemon",
    "dbt-docs",
)
