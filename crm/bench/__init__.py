"""Every benchmark behind `crm bench`; figures go to docs/benchmarks.md."""
