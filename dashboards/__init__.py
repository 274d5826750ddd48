"""Decision-support dashboards: read-only views on the latest published snapshot."""
