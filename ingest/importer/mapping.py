"""The mapping file: which source column feeds which field, and how source values become
codes. YAML, validated here in full before a single row is read; every problem is reported
with its place in the file (`columns.status.values`), in the user's language.

    source: oldcrm               # prefix of every external id: "oldcrm:10023"
    entity: projects             # see fields.ENTITY_FIELDS
    id_column: 项目编号
    columns:
      name: 项目名称                                  # short form: the column
      status: {column: 状态, values: {赢单: won, 输单: lost, 跟进中: open}}
      expected_amount: {column: 预计金额(万元), unit: wan}
      sales_mode: {value: oldcrm_pipeline}            # a constant
    sales_mode: {code: ..., name_zh: ..., name_en: ..., stages: [...]}   # optional

docs/import.md is the user's reference for every key.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ingest.commands.base import CommandError, ErrorCollector
from ingest.commands.reference_admin import CODE
from ingest.importer.fields import ENTITY_FIELDS, MATCH_BY, Kind
from ingest.importer.references import CREATABLE
from ingest.importer.values import AMOUNT_UNITS, norm
from ingest.messages import Message

TOP_KEYS = (
    "source",
    "entity",
    "id_column",
    "columns",
    "sales_mode",
    "sheet",
    "header_row",
    "encoding",
    "delimiter",
    "date_format",
    "timezone",
    "skip_rows",
)
FIELD_KEYS = (
    "column",
    "value",
    "values",
    "default",
    "unit",
    "by",
    "date_format",
    "create_missing",
)
MODE_KEYS = ("code", "name_zh", "name_en", "stages")
STAGE_KEYS = (
    "code",
    "name_zh",
    "name_en",
    "probability",
    "forecast_category",
    "is_won_stage",
    "source_names",
)


CREATABLE_FIELDS = tuple(CREATABLE)  # what `create_missing` may create


class MappingError(CommandError):
    """The mapping file is wrong; the fields are places in the file."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: Kind
    column: str | None = None
    constant: Any = None
    default: Any = None
    # norm(source value) → target; a target of None means "empty". Strict: a value not
    # listed is an error. `aliases` is the lenient kind (stage names from a sales_mode
    # block): listed values are translated, others pass through unchanged.
    values: dict[str, Any] | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    unit: str = "yuan"
    by: str | None = None
    date_format: str | None = None
    # Reference values the store lacks are created (an admin's import only).
    create_missing: bool = False


@dataclass(frozen=True)
class StageSpec:
    code: Any
    name_zh: Any
    name_en: Any
    probability: Any
    forecast_category: Any
    is_won_stage: bool
    source_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class SalesModeSpec:
    code: Any
    name_zh: Any
    name_en: Any
    stages: tuple[StageSpec, ...]


@dataclass(frozen=True)
class SkipRule:
    column: str
    values: frozenset[str]  # normalised


@dataclass(frozen=True)
class Mapping:
    source: str
    entity: str
    id_column: str
    fields: dict[str, FieldSpec]
    sales_mode: SalesModeSpec | None = None
    sheet: str | None = None
    header_row: int = 1
    encoding: str | None = None
    delimiter: str | None = None
    date_format: str | None = None
    timezone: ZoneInfo | None = None
    skip_rows: tuple[SkipRule, ...] = ()

    def columns(self) -> list[str]:
        """Every source column the mapping reads, in the order it names them."""
        names = [self.id_column]
        names += [spec.column for spec in self.fields.values() if spec.column]
        names += [rule.column for rule in self.skip_rows]
        return list(dict.fromkeys(names))

    def column_of(self, field_name: str) -> str | None:
        spec = self.fields.get(field_name)
        return spec.column if spec else None


# --- loading ------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. `Yes: won` must stay the word "Yes"."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def read_yaml(path: str | Path) -> Any:
    try:
        with Path(path).open(encoding="utf-8-sig") as stream:  # errors then name the file
            return yaml.load(stream, Loader=_Loader)  # a SafeLoader: no arbitrary objects
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        detail = " ".join(str(error).split())[:200]
        raise MappingError({"file": Message("mapping_file", {"detail": detail})}) from error


def load_mapping(path: str | Path) -> Mapping:
    return parse_mapping(read_yaml(path))


def parse_mapping(data: Any) -> Mapping:
    problems = _Problems()
    if not isinstance(data, dict):
        problems.fail("file", "expected_mapping")
        problems.done()
    problems.unknown_keys("", data, TOP_KEYS)
    source = problems.text("source", data.get("source"))
    if source and not CODE.match(source):
        problems.fail("source", "invalid_code")
    entity = problems.text("entity", data.get("entity"))
    if entity and entity not in ENTITY_FIELDS:
        problems.fail("entity", "invalid_choice", value=entity[:40])
        entity = None
    id_column = problems.text("id_column", data.get("id_column"))
    date_format = _date_format(problems, "date_format", data.get("date_format"))
    sales_mode = None
    if data.get("sales_mode") is not None:
        sales_mode = parse_sales_mode(problems, "sales_mode", data["sales_mode"])
    fields: dict[str, FieldSpec] = {}
    columns = data.get("columns")
    if columns is None:
        problems.fail("columns", "required")
    elif not isinstance(columns, dict):
        problems.fail("columns", "expected_mapping")
    elif entity:
        allowed = ENTITY_FIELDS[entity]
        for name, spec in columns.items():
            if str(name) not in allowed:
                problems.fail(f"columns.{name}", "unknown_setting", allowed=", ".join(allowed))
                continue
            parsed = _field(problems, str(name), allowed[str(name)], spec)
            if parsed is not None:
                fields[parsed.name] = parsed
    if sales_mode is not None and "stage" in fields:
        fields["stage"] = _with_stage_names(fields["stage"], sales_mode)
    if sales_mode is not None and "from_stage" in fields:
        fields["from_stage"] = _with_stage_names(fields["from_stage"], sales_mode)
    if sales_mode is not None and entity == "projects" and "sales_mode" not in fields:
        # A mapping that defines a pipeline imports its projects into it.
        fields["sales_mode"] = FieldSpec("sales_mode", Kind.CODE, constant=sales_mode.code)
    delimiter = problems.text("delimiter", data.get("delimiter"), required=False)
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n\x00'):
        # csv.reader takes one character, and not one it needs for quoting or lines.
        problems.fail("delimiter", "invalid_choice", value=delimiter[:40])
        delimiter = None
    header_row = data.get("header_row", 1)
    if not isinstance(header_row, int) or not 1 <= header_row <= 100:
        problems.fail("header_row", "out_of_range", min=1, max=100)
    mapping = Mapping(
        source=source,  # type: ignore[arg-type]
        entity=entity,  # type: ignore[arg-type]
        id_column=id_column,  # type: ignore[arg-type]
        fields=fields,
        sales_mode=sales_mode,
        sheet=problems.text("sheet", data.get("sheet"), required=False),
        header_row=header_row,
        encoding=problems.text("encoding", data.get("encoding"), required=False),
        delimiter=delimiter,
        date_format=date_format,
        timezone=_timezone(problems, data.get("timezone")),
        skip_rows=_skip_rows(problems, data.get("skip_rows")),
    )
    problems.done()
    return mapping


class _Problems(ErrorCollector):
    """Collects every mistake in the file, like `Checks` does for a form."""

    error_class = MappingError

    def text(self, where: str, value: Any, *, required: bool = True) -> str | None:
        if value is None or value == "":
            if required:
                self.fail(where, "required")
            return None
        if isinstance(value, dict | list | bool):
            self.fail(where, "expected_text")
            return None
        return str(value).strip()

    def unknown_keys(self, where: str, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                self.fail(_at(where, key), "unknown_setting", allowed=", ".join(allowed))


def _at(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)


def _field(problems: _Problems, name: str, kind: Kind, spec: Any) -> FieldSpec | None:
    where = f"columns.{name}"
    if not isinstance(spec, dict):
        column = problems.text(where, spec)
        return FieldSpec(name, kind, column=column) if column else None
    problems.unknown_keys(where, spec, FIELD_KEYS)
    column = problems.text(f"{where}.column", spec.get("column"), required=False)
    if (column is None) == ("value" not in spec):
        problems.fail(where, "column_or_value")
    unit = str(spec.get("unit", "yuan"))
    if unit not in AMOUNT_UNITS or ("unit" in spec and kind not in (Kind.AMOUNT, Kind.LINES)):
        problems.fail(f"{where}.unit", "invalid_choice", value=unit[:40])
    by = spec.get("by")
    if by is not None and (kind not in MATCH_BY or by not in MATCH_BY[kind]):
        problems.fail(f"{where}.by", "invalid_choice", value=str(by)[:40])
    create_missing = spec.get("create_missing", False)
    if not isinstance(create_missing, bool):
        problems.fail(f"{where}.create_missing", "invalid_choice", value=str(create_missing)[:40])
    elif create_missing and name not in CREATABLE_FIELDS:
        problems.fail(
            f"{where}.create_missing", "create_missing_here", allowed=", ".join(CREATABLE_FIELDS)
        )
    return FieldSpec(
        name,
        kind,
        column=column,
        constant=spec.get("value"),
        default=spec.get("default"),
        values=_values(problems, f"{where}.values", spec.get("values")),
        unit=unit,
        by=by,
        date_format=_date_format(problems, f"{where}.date_format", spec.get("date_format")),
        create_missing=create_missing is True,
    )


def _values(problems: _Problems, where: str, values: Any) -> dict[str, Any] | None:
    if values is None:
        return None
    if not isinstance(values, dict):
        problems.fail(where, "expected_mapping")
        return None
    mapped: dict[str, Any] = {}
    for key, target in values.items():
        if isinstance(target, dict | list):
            problems.fail(f"{where}.{key}", "expected_text")
            continue
        if isinstance(target, str | int | float) and not isinstance(target, bool):
            target = str(target).strip()
        mapped[norm(str(key))] = target
    return mapped


def _with_stage_names(spec: FieldSpec, mode: SalesModeSpec) -> FieldSpec:
    aliases = dict(spec.aliases)
    for stage in mode.stages:
        for name in stage.source_names:
            aliases[norm(name)] = str(stage.code)
    return FieldSpec(**{**spec.__dict__, "aliases": aliases})


def _date_format(problems: _Problems, where: str, value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    try:
        dt.datetime.strptime(dt.datetime(2024, 3, 5, 14, 30).strftime(text), text)
    except ValueError:
        problems.fail(where, "invalid_date_format")
        return None
    if "%" not in text:
        problems.fail(where, "invalid_date_format")
        return None
    return text


def _timezone(problems: _Problems, value: Any) -> ZoneInfo | None:
    if value is None:
        return None
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        problems.fail("timezone", "invalid_choice", value=str(value)[:40])
        return None


def _skip_rows(problems: _Problems, value: Any) -> tuple[SkipRule, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.fail("skip_rows", "expected_list")
        return ()
    rules = []
    for index, rule in enumerate(value):
        where = f"skip_rows.{index}"
        if not isinstance(rule, dict):
            problems.fail(where, "expected_mapping")
            continue
        problems.unknown_keys(where, rule, ("column", "values"))
        column = problems.text(f"{where}.column", rule.get("column"))
        values = rule.get("values")
        if not isinstance(values, list) or not values:
            problems.fail(f"{where}.values", "expected_list")
            continue
        if column:
            rules.append(SkipRule(column, frozenset(norm(str(v)) for v in values)))
    return tuple(rules)


# --- sales modes (also read by `crm sales-mode add --file`) --------------------------------


def parse_sales_mode(problems: _Problems, where: str, data: Any) -> SalesModeSpec | None:
    if not isinstance(data, dict):
        problems.fail(where, "expected_mapping")
        return None
    problems.unknown_keys(where, data, MODE_KEYS)
    stages = data.get("stages")
    if not isinstance(stages, list) or not stages:
        problems.fail(_at(where, "stages"), "expected_list")
        stages = []
    specs = []
    for index, stage in enumerate(stages):
        stage_where = _at(where, f"stages.{index}")
        if not isinstance(stage, dict):
            problems.fail(stage_where, "expected_mapping")
            continue
        problems.unknown_keys(stage_where, stage, STAGE_KEYS)
        is_last = index == len(stages) - 1
        names = stage.get("source_names") or []
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list):
            problems.fail(f"{stage_where}.source_names", "expected_list")
            names = []
        specs.append(
            StageSpec(
                code=stage.get("code"),
                name_zh=stage.get("name_zh"),
                name_en=stage.get("name_en"),
                # The last stage is "contract signed": certain, and counted as closed.
                probability=stage.get("probability", 1 if is_last else None),
                forecast_category=stage.get("forecast_category", "closed" if is_last else None),
                is_won_stage=bool(stage.get("is_won_stage", is_last)),
                source_names=tuple(str(name) for name in names),
            )
        )
    return SalesModeSpec(data.get("code"), data.get("name_zh"), data.get("name_en"), tuple(specs))


def load_sales_mode(path: str | Path) -> SalesModeSpec:
    """A sales mode from its own YAML file or from a mapping's `sales_mode:` block."""
    data = read_yaml(path)
    problems = _Problems()
    where = "sales_mode" if isinstance(data, dict) and "sales_mode" in data else ""
    block = data.get("sales_mode") if where else data
    if not isinstance(block, dict):
        problems.fail(where or "file", "expected_mapping")
        problems.done()
    spec = parse_sales_mode(problems, where, block)
    problems.done()
    assert spec is not None
    return spec


def sales_mode_from_options(
    code: str | None, name_zh: str | None, name_en: str | None, stages: list[str]
) -> SalesModeSpec:
    """`crm sales-mode add CODE --stage code:中文:English[:probability[:category]] ...`"""
    keys = ("code", "name_zh", "name_en", "probability", "forecast_category")
    data = {
        "code": code,
        "name_zh": name_zh,
        "name_en": name_en,
        "stages": [
            dict(zip(keys, (part.strip() for part in s.split(":")), strict=False)) for s in stages
        ],
    }
    problems = _Problems()
    spec = parse_sales_mode(problems, "", data)
    problems.done()
    assert spec is not None
    return spec
