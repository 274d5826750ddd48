"""`python -m crm.cli`: the same as `crm`."""

from crm.cli import main

main()
