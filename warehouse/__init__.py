"""The apps' read side of the published warehouse: the current snapshot, filters and
row-level security, the queries of every page."""
