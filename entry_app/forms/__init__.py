"""The entity forms the entry app offers in more than one place (a customer, an expense, an
activity) and the voucher tables, each written once on `web.forms.EntryForm`; the callers
pass what differs (the form's name, its title, the project it hangs on)."""
