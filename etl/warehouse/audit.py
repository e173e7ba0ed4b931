"""The AUDIT step: checks that run on the staged tables before anything is published.

A check is any callable taking a Connection and returning an AuditResult. The audit stage
(`etl.stages.load.audit_staging`) runs these built-in SQL checks, then the Great
Expectations suites (`etl.quality`) on what the schema cannot say; an error-level
failure in either stops the run before publish.

The built-in checks pre-flight every constraint the published tables enforce (NOT NULL,
CHECK, unique keys, foreign keys via natural keys), so a bad row is reported with counts
per rule here instead of aborting the publish transaction on the first violation. They
are grouped per table so that each large staged table is scanned once, not once per rule.
`enforced_rules` lists them; a suite never evaluates one of them again
(tests/unit/quality/test_quality_once.py), so each check runs once per run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import CheckConstraint, UniqueConstraint, text
from sqlalchemy.engine import Connection

from etl.errors import DataQualityError
from etl.warehouse.schema import STAGING_SCHEMA
from etl.warehouse.tables import DIALECT, TableSpec, qi, qualified, spec

logger = logging.getLogger(__name__)

Level = Literal["error", "warning"]
RuleKind = Literal["not_null", "unique", "check", "found_in"]
AUDIT_WORK_MEM = "128MB"  # the anti-joins hash a million natural keys: keep them in memory


@dataclass(frozen=True)
class AuditResult:
    name: str
    passed: bool
    level: Level = "error"
    failed_rows: int = 0
    details: dict[str, int] = field(default_factory=dict)  # rule -> failing rows
    message: str = ""

    @property
    def blocks_publish(self) -> bool:
        return self.level == "error" and not self.passed


AuditCheck = Callable[[Connection], AuditResult]


class AuditFailedError(DataQualityError):
    """A DataQualityError that carries every check's result for the run report."""

    def __init__(self, message: str, results: list[AuditResult]) -> None:
        super().__init__(message)
        self.results = results


def _result(
    name: str, counts: dict[str, int], rules: Sequence[Rule] = (), level: Level = "error"
) -> AuditResult:
    failing = {rule: n for rule, n in counts.items() if n}
    explained = {r.name: r.explain() for r in rules}
    message = ", ".join(f"{rule}={n}{explained.get(rule, '')}" for rule, n in failing.items())
    return AuditResult(
        name=name,
        passed=not failing,
        level=level,
        failed_rows=sum(failing.values()),
        details=dict(counts),
        message=message,
    )


def _check_constraints(table_spec: TableSpec) -> list[CheckConstraint]:
    table = table_spec.table
    found = [c for c in table.constraints if isinstance(c, CheckConstraint)]
    for column in table.columns:
        found.extend(c for c in column.constraints if isinstance(c, CheckConstraint))
    return found


def _constraint_name(constraint: CheckConstraint) -> str:
    return str(DIALECT.identifier_preparer.format_constraint(constraint))


def _unique_keys(table_spec: TableSpec) -> list[tuple[str, ...]]:
    """The staged column sets that must be unique: the natural key plus other UNIQUEs."""
    staged = set(table_spec.staged_names)
    keys = [table_spec.natural_key]
    for constraint in table_spec.table.constraints:
        if isinstance(constraint, UniqueConstraint):
            columns = tuple(c.name for c in constraint.columns)
            if set(columns) <= staged and columns not in keys:
                keys.append(columns)
    for column in table_spec.table.columns:
        if column.unique and (column.name,) not in keys and column.name in staged:
            keys.append((column.name,))
    return keys


def _not_null_columns(table_spec: TableSpec) -> list[str]:
    published = table_spec.table.columns
    natural = set(table_spec.natural_key)
    return [
        c.name
        for c in table_spec.staged
        if c.name in natural or (c.name in published and not published[c.name].nullable)
    ]


@dataclass(frozen=True)
class Rule:
    """One rule the audit enforces on `staging.<table>`: what the suites must not repeat.

    `kind` is `not_null`, `unique`, `check` or `found_in`. A CHECK that reads as a range
    (`col BETWEEN a AND b`) or a list (`col IN (...)`) also carries `bounds` or `values`,
    so a suite's range or set can be compared with it.
    """

    table: str
    kind: RuleKind
    columns: tuple[str, ...]
    name: str  # the rule's key in AuditResult.details
    condition: str = ""  # the CHECK's SQL, or the referenced dimension column
    bounds: tuple[float, float] | None = None
    values: tuple[str, ...] | None = None

    def explain(self) -> str:
        """What a failure message adds to the rule's name: a CHECK's condition."""
        return f" ({self.condition})" if self.kind == "check" else ""


_RANGE = re.compile(r"^(\w+) BETWEEN (-?[\d.]+) AND (-?[\d.]+)$")
_IN_LIST = re.compile(r"^(\w+) IN \((.*)\)$")
_WORD = re.compile(r"\b[a-z_][a-z0-9_]*\b")


def _check_rule(table_spec: TableSpec, constraint: CheckConstraint) -> Rule:
    condition = str(constraint.sqltext)
    staged = table_spec.staged_names
    name = f"check.{_constraint_name(constraint)}"
    if match := _RANGE.match(condition):
        column, low, high = match.groups()
        bounds = (float(low), float(high))
        return Rule(table_spec.name, "check", (column,), name, condition, bounds=bounds)
    if match := _IN_LIST.match(condition):
        column, listed = match.groups()
        values = tuple(v.strip().strip("'") for v in listed.split(","))
        return Rule(table_spec.name, "check", (column,), name, condition, values=values)
    # Any other expression: the staged columns it names, in table order.
    words = set(_WORD.findall(condition))
    columns = tuple(c for c in staged if c in words)
    return Rule(table_spec.name, "check", columns, name, condition)


def _references(table_spec: TableSpec) -> list[tuple[str, str, str]]:
    """(staged column, dimension, dimension column) for each natural key and date key."""
    lookups = [(m.natural, m.dimension, m.natural) for m in table_spec.key_maps]
    return lookups + [(c, "dim_date", "date_key") for c in table_spec.date_keys]


def enforced_rules(name: str) -> list[Rule]:
    """Every rule the built-in checks evaluate on `staging.<name>`, in their order."""
    table_spec = spec(name)
    rules = [
        Rule(name, "not_null", (column,), f"not_null.{column}")
        for column in _not_null_columns(table_spec)
    ]
    rules += [_check_rule(table_spec, c) for c in _check_constraints(table_spec)]
    rules += [
        Rule(name, "unique", key, f"unique.{'+'.join(key)}") for key in _unique_keys(table_spec)
    ]
    rules += [
        Rule(name, "found_in", (column,), f"found_in.{dimension}.{column}", f"{dimension}.{target}")
        for column, dimension, target in _references(table_spec)
    ]
    return rules


def _count_sql(rule: Rule, staging: str) -> str:
    """The SQL counting the staged rows that break `rule` (the table aliased `s`)."""
    columns = ", ".join(f"s.{qi(c)}" for c in rule.columns)
    if rule.kind == "not_null":
        return f"count(*) FILTER (WHERE {columns} IS NULL)"
    if rule.kind == "check":
        return f"count(*) FILTER (WHERE ({rule.condition}) IS FALSE)"
    if rule.kind == "unique":
        not_null = " AND ".join(f"s.{qi(c)} IS NOT NULL" for c in rule.columns)
        if len(rule.columns) == 1:
            # A sort of plain values inside the same scan.
            return f"count(*) FILTER (WHERE {not_null}) - count(DISTINCT {columns})"
        # count(DISTINCT ROW(...)) sorts records (slow generic comparisons); a sorted
        # GROUP BY on the columns themselves costs a third (1.5M fact keys: 0.7 s).
        return (
            f"(SELECT coalesce(sum(d.n - 1), 0) FROM (SELECT count(*) AS n FROM {staging} "
            f"AS s WHERE {not_null} GROUP BY {columns} HAVING count(*) > 1) AS d)"
        )
    dimension, target = rule.condition.split(".")
    return (
        f"SELECT count(*) FROM {staging} AS s WHERE {columns} IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {qualified(STAGING_SCHEMA, dimension)} AS d "
        f"WHERE d.{qi(target)} = {columns})"
    )


def constraints_check(name: str) -> AuditCheck:
    """NOT NULL, CHECK and unique keys of `staging.<name>`, in one scan."""
    staging = qualified(STAGING_SCHEMA, name)
    rules = [r for r in enforced_rules(name) if r.kind != "found_in"]
    selects = ", ".join(f"{_count_sql(r, staging)} AS {qi(r.name)}" for r in rules)
    # CHECK expressions name bare columns, so the staged table is aliased and unqualified.
    query = text(f"SELECT {selects} FROM {staging} AS s")

    def check(conn: Connection) -> AuditResult:
        # A hashed GROUP BY of a million keys outgrows work_mem and is twice as slow.
        conn.execute(text("SET LOCAL enable_hashagg = off"))
        row = conn.execute(query).mappings().one()
        conn.execute(text("SET LOCAL enable_hashagg TO DEFAULT"))
        counts = {r.name: int(row[r.name]) for r in rules}
        return _result(f"staged_constraints.{name}", counts, rules)

    check.__name__ = f"staged_constraints_{name}"
    return check


def references_check(name: str) -> AuditCheck | None:
    """Every natural key and date key of `staging.<name>` exists in its staged dimension."""
    staging = qualified(STAGING_SCHEMA, name)
    rules = [r for r in enforced_rules(name) if r.kind == "found_in"]
    if not rules:
        return None
    queries = {r.name: text(_count_sql(r, staging)) for r in rules}

    def check(conn: Connection) -> AuditResult:
        counts = {rule: int(conn.execute(sql).scalar_one()) for rule, sql in queries.items()}
        return _result(f"staged_references.{name}", counts, rules)

    check.__name__ = f"staged_references_{name}"
    return check


def builtin_checks(tables: Iterable[str]) -> list[AuditCheck]:
    checks: list[AuditCheck] = []
    for name in tables:
        checks.append(constraints_check(name))
        references = references_check(name)
        if references is not None:
            checks.append(references)
    return checks


def run_audit(
    conn: Connection, checks: Sequence[AuditCheck], raise_on_error: bool = True
) -> list[AuditResult]:
    """Run every check (all of them, so the report is complete), then block on errors.

    Runs in its own transaction on `conn`. Raises AuditFailedError (a DataQualityError
    carrying every result) naming each failed error-level check, unless `raise_on_error`
    is false: then the caller decides, from `AuditResult.blocks_publish`.
    """
    results: list[AuditResult] = []
    with conn.begin():
        conn.execute(text(f"SET LOCAL work_mem = '{AUDIT_WORK_MEM}'"))
        conn.execute(text("SET LOCAL jit = off"))  # compile time exceeds the gain on scans
        for check in checks:
            result = check(conn)
            results.append(result)
            log = logger.warning if not result.passed else logger.info
            log(
                "event=audit_check name=%s level=%s passed=%s failed_rows=%d failures=%s",
                result.name,
                result.level,
                result.passed,
                result.failed_rows,
                result.message or "-",
            )
    blocking = [r for r in results if r.blocks_publish]
    if blocking and raise_on_error:
        summary = "; ".join(f"{r.name}: {r.message}" for r in blocking)
        raise AuditFailedError(f"audit failed, nothing published: {summary}", results)
    return results
