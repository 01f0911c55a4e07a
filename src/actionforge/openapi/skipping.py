"""The inverted rule (issue 7 §1): what a structural error costs.

An error inside an operation's request (request_parts.py) skips that operation, with a warning at
the operation; every other operation still loads. An error that touches no request is a warning.
Only when no operation is left (or there was none) is the document refused, and then the errors
that skipped them (or all of them) are the report's errors: the messages and pointers as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from actionforge.openapi.model import Operation
from actionforge.openapi.report import Issue
from actionforge.openapi.request_parts import affected_operations


@dataclass(frozen=True, slots=True)
class Verdict:
    operations: tuple[Operation, ...]
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]


def apply_rule(
    document: Mapping[str, Any], operations: Sequence[Operation], structural_errors: Sequence[Issue]
) -> Verdict:
    """The operations that survive ``structural_errors``, and what the report says about it."""
    if not structural_errors:
        return Verdict(tuple(operations), (), ())
    affected = affected_operations(document, [issue.pointer for issue in structural_errors])
    kept = tuple(op for op in operations if op.pointer not in affected)
    skipped = [op for op in operations if op.pointer in affected]
    notes = tuple(_skip_warning(op, affected[op.pointer]) for op in skipped)
    if not kept:  # nothing usable: the errors are the reasons (those that skipped operations)
        causes = set(affected.values()) or {issue.pointer for issue in structural_errors}
        errors = tuple(issue for issue in structural_errors if issue.pointer in causes)
        others = tuple(issue for issue in structural_errors if issue.pointer not in causes)
        return Verdict((), errors, (*others, *notes))
    return Verdict(kept, (), (*structural_errors, *notes))


def _skip_warning(operation: Operation, cause: str) -> Issue:
    return Issue(
        f"In path {operation.path}, method {operation.method}, the request is invalid at {cause}; skipping",
        operation.pointer,
    )
