"""The day's large import: a generated customer list from another CRM, brought in by the
data steward with `crm import` (a process of its own, as an admin runs it) while everyone
else works."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from crm.bench.load.ledger import Ledger, Success

MAPPING = """\
source: {source}
entity: customers
id_column: 客户编号
columns:
  name: 客户名称
  customer_type: 客户类型
  industry:
    column: 行业
    values: {{电力行业: power, 石化行业: petrochemical, 制造业: manufacturing}}
  region: 地区
  status: {{column: 状态, values: {{正式: formal, 潜在: prospect}}}}
  owner: 负责人
  city: 城市
  phone: 电话
"""
CRM = (sys.executable, "-m", "crm.cli")
INDUSTRIES = ("电力行业", "石化行业", "制造业")
CUSTOMER_TYPES = ("设计院", "最终用户", "SI客户")


def write_file(folder: Path, rows: int, owners: list[str]) -> tuple[Path, Path, str]:
    """The CSV, its mapping, and the name prefix every imported customer carries."""
    run = uuid.uuid4().hex[:8]
    prefix = f"导入客户{run}-"
    path = folder / f"customers-{run}.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["客户编号", "客户名称", "客户类型", "行业", "地区", "状态", "负责人", "城市", "电话"]
        )
        for n in range(rows):
            writer.writerow(
                [
                    f"L{run}{n:07d}",
                    f"{prefix}{n:07d}",
                    CUSTOMER_TYPES[n % 3],
                    INDUSTRIES[n % 3],
                    "华北",
                    "正式" if n % 4 == 0 else "潜在",
                    owners[n % len(owners)],
                    "北京",
                    "010-6512 3456",
                ]
            )
    mapping = folder / f"customers-{run}.yaml"
    mapping.write_text(MAPPING.format(source=f"load{run}"), encoding="utf-8")
    return path, mapping, prefix


def run_import(
    folder: Path, rows: int, owners: list[str], steward: str, ledger: Ledger
) -> dict[str, object]:
    path, mapping, prefix = write_file(folder, rows, owners)
    began = time.perf_counter()
    done = subprocess.run(
        [*CRM, "import", str(path), "--mapping", str(mapping), "--as", steward, "--lang", "en"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - began
    ledger.timed("import customers", began)
    if done.returncode == 0:
        ledger.succeeded(
            Success(
                "import customers",
                "select count(*) from customers where name like :m",
                (("m", f"{prefix}%"),),
                expected=rows,
            )
        )
    else:
        ledger.failed(
            f"import of {rows} customers (exit {done.returncode}): "
            f"{(done.stdout + done.stderr).strip()[-300:]}"
        )
    return {"rows": rows, "seconds": round(seconds, 2), "exit_code": done.returncode}
