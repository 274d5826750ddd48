"""The wiring: the `crm` command line, `crm serve` and the benchmarks (docs/architecture.md §12)."""
