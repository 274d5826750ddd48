"""Bulk import of CSV and Excel files from another CRM (`crm import`, docs/import.md).

mapping.py reads the YAML mapping; readers.py the file; convert.py turns a row into field
values with references resolved (resolve.py); entities.py and projects.py hold the import
commands; run.py drives one file through its chunks, recorded in ledger.py (undo.py takes an
import back), and report.py tells what happened.
"""

from ingest.importer.mapping import Mapping, MappingError, load_mapping, load_sales_mode
from ingest.importer.report import ImportReport
from ingest.importer.run import import_file

__all__ = [
    "ImportReport",
    "Mapping",
    "MappingError",
    "import_file",
    "load_mapping",
    "load_sales_mode",
]
