"""`crm bench load`: a working day compressed (see run.py)."""
