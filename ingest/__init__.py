"""Operational CRM store: schema, domain commands, extraction, demo data and import."""
