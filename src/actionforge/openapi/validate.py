"""The validation engine: source in, the action editor's report out, whatever the input.

Loading (loader.py), structural checks (structure.py) and the profile's rules (operations.py)
each return issues instead of raising; this module runs them in order and merges what they say.
A structural error costs only the operations whose request it sits in (skipping.py).
No input makes it raise: an unexpected failure becomes an error Issue, as the original's
"Could not parse valid OpenAPI spec".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from actionforge.openapi.loader import DocumentError, Fetcher, LoadedDocument, load_document
from actionforge.openapi.model import Operation
from actionforge.openapi.operations import extract_operations
from actionforge.openapi.profiles import Profile, get_profile
from actionforge.openapi.report import Issue, OperationSummary, ValidationReport
from actionforge.openapi.skipping import apply_rule
from actionforge.openapi.source import SourceInput
from actionforge.openapi.structure import reference_issues, validate_structure
from actionforge.settings import Settings

_PARSE_FAILURE = "Could not parse valid OpenAPI spec"


@dataclass(frozen=True, slots=True)
class Analysis:
    """A loaded document judged under one profile: the report and the operations it accepted."""

    report: ValidationReport
    operations: tuple[Operation, ...]
    document: dict[str, Any]


def analyze(
    loaded: LoadedDocument,
    profile: Profile,
    settings: Settings,
    *,
    server_url: str | None = None,
    server_variables: Mapping[str, str] | None = None,
) -> Analysis:
    """Every check on an already loaded document; never raises. ``server_url`` and
    ``server_variables`` say where the API runs (see ``extract_operations``)."""
    document = loaded.data
    try:
        references = reference_issues(document)
        structure = validate_structure(document)
        extracted = extract_operations(
            document,
            profile,
            settings,
            base_uri=loaded.base_uri,
            server_url=server_url,
            server_variables=server_variables,
        )
        verdict = apply_rule(document, extracted.operations, [*references.errors, *structure.errors])
    except Exception as exc:  # a bug of ours must still give the builder a report
        report = ValidationReport(
            errors=(Issue(f"{_PARSE_FAILURE}: {type(exc).__name__}: {exc}", ""),),
            warnings=tuple(loaded.warnings),
        )
        return Analysis(report=report, operations=(), document=document)
    report = ValidationReport(
        errors=_unique([*structure.rejections, *extracted.errors, *verdict.errors]),
        warnings=_unique(
            [
                *loaded.warnings,
                *extracted.warnings,
                *references.warnings,
                *structure.warnings,
                *verdict.warnings,
            ]
        ),
        root_domain=extracted.root_domain,
        operations=tuple(
            OperationSummary(operation_name=op.operation_id, method=op.method, path=op.path)
            for op in verdict.operations
        ),
    )
    return Analysis(report=report, operations=verdict.operations, document=document)


def validate_source(
    source: SourceInput,
    *,
    profile: str | Profile = "gpt",
    settings: Settings,
    fetch: Fetcher | None = None,
    server_url: str | None = None,
    server_variables: Mapping[str, str] | None = None,
) -> tuple[ValidationReport, Analysis | None]:
    """Load ``source`` (text, path or URL) and analyze it; the Analysis is None if it did not load.

    An unknown profile name is a programming error and raises ValueError; bad input never raises.
    """
    chosen = profile if isinstance(profile, Profile) else get_profile(profile, settings)
    try:
        loaded = load_document(source, settings=settings, fetch=fetch)
    except DocumentError as exc:
        issues = tuple(exc.issues) or (Issue(_PARSE_FAILURE, ""),)
        return ValidationReport(errors=issues), None
    except Exception as exc:  # a loader bug or an unexpected fetch failure: still a report
        return ValidationReport(errors=(Issue(f"{_PARSE_FAILURE}: {type(exc).__name__}: {exc}", ""),)), None
    analysis = analyze(loaded, chosen, settings, server_url=server_url, server_variables=server_variables)
    return analysis.report, analysis


def _unique(issues: Iterable[Issue]) -> tuple[Issue, ...]:
    """The issues in order, each once: two passes may find the same dangling reference."""
    return tuple(dict.fromkeys(issues))
