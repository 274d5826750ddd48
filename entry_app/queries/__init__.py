"""The entry app's read queries on the store: lists and the cockpit."""
