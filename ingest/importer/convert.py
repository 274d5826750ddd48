"""One source row to an ImportRow: cells picked by the mapping, mapped to codes, parsed by
field kind, natural keys resolved to ids. Every problem is kept against its field, so the
report can name the source column."""

from __future__ import annotations

from typing import Any

from ingest.commands.base import Checks
from ingest.importer.common import ImportRow
from ingest.importer.fields import Kind
from ingest.importer.mapping import FieldSpec, Mapping
from ingest.importer.readers import FileProblem
from ingest.importer.references import CREATABLE, MissingValue, missing_value
from ingest.importer.resolve import Resolver, Unresolved
from ingest.importer.values import (
    Unparsable,
    cell_text,
    norm,
    parse_amount,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_lines,
    split_list,
)
from ingest.messages import Message
from ingest.store.models import (
    CustomerType,
    Department,
    Industry,
    LossReason,
    Region,
    SalesMode,
)

EXTERNAL_ID_MAX = 100
# Fields holding a reference-data code: a source value may also be its Chinese or English
# name ('电力', 'Power' → power) unless the mapping lists the values itself.
LOOKUP_MODELS: dict[str, type] = {
    "customer_type": CustomerType,
    "industry": Industry,
    "industries": Industry,
    "region": Region,
    "department": Department,
    "loss_reason": LossReason,
    "sales_mode": SalesMode,
}


def column_positions(mapping: Mapping, header: list[str], header_row: int) -> dict[str, int]:
    """Where each mapped column is. Exact names first, then names equal up to width, case
    and spacing ('金额（万元）' finds '金额(万元)'); a missing column stops the import."""
    exact: dict[str, list[int]] = {}
    loose: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        exact.setdefault(name, []).append(index)
        loose.setdefault(norm(name), []).append(index)
    positions, problems = {}, {}
    for column in mapping.columns():
        found = exact.get(column.strip()) or loose.get(norm(column)) or []
        if len(found) == 1:
            positions[column] = found[0]
        else:
            code = "duplicate_column" if found else "missing_column"
            problems[column] = Message(code, {"row": header_row})
    if problems:
        raise FileProblem(problems)
    return positions


class Converter:
    def __init__(self, mapping: Mapping, positions: dict[str, int], resolver: Resolver) -> None:
        self.mapping = mapping
        self.positions = positions
        self.resolver = resolver
        self.seen: dict[str, int] = {}  # source id → first row number
        self._pending: dict[tuple[str, str], MissingValue] = {}  # this row's new values

    def cell(self, cells: list[Any], column: str) -> Any:
        index = self.positions[column]
        return cells[index] if index < len(cells) else None

    def skipped(self, cells: list[Any]) -> bool:
        """The mapping's skip_rows says this row is not for import (e.g. a 'lost' pseudo
        stage in a history export); counted in the report, never silently."""
        for rule in self.mapping.skip_rows:
            text = cell_text(self.cell(cells, rule.column))
            if text is not None and norm(text) in rule.values:
                return True
        return False

    def remember(self, number: int, cells: list[Any]) -> None:
        """A row an earlier run of a resumed import committed: not imported again, but its
        source id still counts for the duplicate check."""
        source_id = cell_text(self.cell(cells, self.mapping.id_column))
        if source_id is not None:
            self.seen.setdefault(source_id, number)

    def row(self, number: int, cells: list[Any]) -> ImportRow:
        self._pending = {}
        values: dict[str, Any] = {}
        errors: dict[str, Message] = {}
        for spec in self.mapping.fields.values():
            try:
                values[spec.name] = self._value(spec, cells)
            except Unparsable as problem:
                errors[spec.name] = problem.message
                values[spec.name] = None
        external_id = self._external_id(number, cells, errors)
        self._resolve(values, errors)
        existing = self.resolver.existing(self.mapping.entity, external_id) if external_id else None
        row = ImportRow(values, external_id or "", existing, errors)
        row.defaulted = {name for name in values if not self._from_cell(name, cells)}
        row.missing = list(self._pending.values())
        return row

    def _from_cell(self, name: str, cells: list[Any]) -> bool:
        """Whether the field's value is the row's own cell (not the mapping's constant or
        default)."""
        spec = self.mapping.fields[name]
        if spec.column is None:
            return False
        raw = self.cell(cells, spec.column)
        return not (raw is None or (isinstance(raw, str) and raw.strip() == ""))

    # --- cells to values ------------------------------------------------------------------

    def _value(self, spec: FieldSpec, cells: list[Any]) -> Any:
        from_source = spec.column is not None
        raw = self.cell(cells, spec.column) if from_source else spec.constant  # type: ignore[arg-type]
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            if spec.default is None:
                return None
            raw, from_source = spec.default, False
        if from_source and spec.kind is not Kind.LIST:
            raw = self._mapped(spec, raw)
            if raw is None:
                return None
        return self._parse(spec, raw)

    def _mapped(self, spec: FieldSpec, raw: Any) -> Any:
        text = cell_text(raw)
        if text is None:
            return None
        target = None
        if spec.values is not None:
            key = norm(text)
            if key in spec.values:
                target = spec.values[key]
                if not spec.create_missing or target is None:
                    return target
            elif not spec.create_missing:  # an unlisted value is created, never guessed
                raise Unparsable("unmapped_value", value=text[:40])
        if spec.aliases and norm(text) in spec.aliases:
            return spec.aliases[norm(text)]
        model = LOOKUP_MODELS.get(spec.name) if spec.kind in (Kind.CODE, Kind.LIST) else None
        if model is None:
            return raw if target is None else target
        found = self.resolver.lookup_code(model, str(target or text))
        if found is not None or not spec.create_missing:
            return found or target or text
        value = missing_value(
            spec.name,
            CREATABLE[spec.name],
            text,
            None if target is None else str(target),
            lambda code: self.resolver.lookup_code(model, code) is not None,
        )
        self._pending[(value.kind, value.code)] = value
        return value.code

    def _parse(self, spec: FieldSpec, raw: Any) -> Any:
        kind = spec.kind
        date_format = spec.date_format or self.mapping.date_format
        if kind is Kind.AMOUNT:
            return parse_amount(raw, spec.unit)
        if kind is Kind.DATE:
            return parse_date(raw, date_format)
        if kind is Kind.DATETIME:
            return parse_datetime(raw, date_format, self.mapping.timezone)
        if kind is Kind.BOOL:
            return parse_bool(raw)
        text = cell_text(raw)
        if text is None:
            return None
        if kind is Kind.LIST:
            items = split_list(text)
            return [self._mapped(spec, item) for item in items]
        if kind is Kind.LINES:
            return parse_lines(text, spec.unit)
        return text

    def _external_id(self, number: int, cells: list[Any], errors: dict[str, Message]) -> str | None:
        source_id = cell_text(self.cell(cells, self.mapping.id_column))
        checks = Checks()
        external_id = checks.text(
            "external_id",
            None if source_id is None else self.resolver.external_id(source_id),
            max_len=EXTERNAL_ID_MAX,
        )
        if source_id is None:
            checks.errors = {"external_id": Message("required")}
        elif source_id in self.seen:
            checks.fail("external_id", "duplicate_in_file", row=self.seen[source_id])
        else:
            self.seen[source_id] = number
        errors.update(checks.errors)
        return None if checks.errors else external_id

    # --- natural keys to ids --------------------------------------------------------------

    def _resolve(self, values: dict[str, Any], errors: dict[str, Message]) -> None:
        fields = self.mapping.fields
        lookups = {
            Kind.USER: self.resolver.user,
            Kind.CUSTOMER: self.resolver.customer,
            Kind.PROJECT: self.resolver.project,
        }
        for spec in fields.values():
            if spec.kind in lookups and values.get(spec.name) is not None:
                try:
                    values[spec.name] = lookups[spec.kind](values[spec.name], spec.by)
                except Unresolved as problem:
                    errors[spec.name], values[spec.name] = problem.message, None
        for spec in fields.values():
            if spec.kind is Kind.CONTACT and values.get(spec.name) is not None:
                self._resolve_contact(spec.name, values, errors)
            elif spec.kind is Kind.LINES and values.get(spec.name):
                values[spec.name] = self._resolve_lines(spec.name, values[spec.name], errors)

    def _resolve_contact(
        self, name: str, values: dict[str, Any], errors: dict[str, Message]
    ) -> None:
        customer_id = values.get("customer")
        if customer_id is None and values.get("project") is not None:
            customer_id = self.resolver.customer_of_project(values["project"])
        try:
            if customer_id is None:
                raise Unresolved("unresolved_reference", value=str(values[name])[:60])
            values[name] = self.resolver.contact(customer_id, values[name])
        except Unresolved as problem:
            errors[name], values[name] = problem.message, None

    def _resolve_lines(
        self, name: str, items: list[tuple[Any, ...]], errors: dict[str, Message]
    ) -> list[tuple[Any, ...]]:
        resolved = []
        for number, code, quantity, price in items:
            try:
                resolved.append((number, self.resolver.product(code), quantity, price))
            except Unresolved as problem:
                errors.setdefault(
                    name, Message("line_problem", {"line": number, "reason": problem.message})
                )
        return resolved
