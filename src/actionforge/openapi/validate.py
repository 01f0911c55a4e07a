"""The validation engine: source in, the action editor's report out, whatever the input.

Loading (loader.py), structural checks (structure.py) and the profile's rules (operations.py)
each return issues instead of raising; this module runs them in order and merges what they say.
A structural error costs only the operations whose request it sits in (skipping.py).
No input makes it raise: an unexpected failure becomes an error Issue, as the original's
"Could not parse valid OpenAPI spec".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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
_DANGLING = "Could not resolve $ref"


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
    written = _in_source(loaded)
    report = ValidationReport(
        errors=_unique([*structure.rejections, *extracted.errors, *verdict.errors], written, loaded),
        warnings=(
            *dict.fromkeys(loaded.warnings),
            *_unique(
                [*extracted.warnings, *references.warnings, *structure.warnings, *verdict.warnings],
                written,
                loaded,
            ),
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


def _in_source(loaded: LoadedDocument) -> Callable[[Issue], Issue]:
    """An issue of a later pass, its pointer taken into the document as written (Swagger 2.0's
    places, not the upgraded 3.0 ones the passes saw)."""
    if loaded.swagger2 is None:
        return lambda issue: issue
    return lambda issue: Issue(issue.message, loaded.source_pointer(issue.pointer))


def _unique(
    issues: Iterable[Issue], written: Callable[[Issue], Issue], loaded: LoadedDocument
) -> tuple[Issue, ...]:
    """The issues in order, each once, at their place as written: two passes may find the same
    dangling reference, and two 3.0 places may be one 2.0 place. A dangling ref the loader
    already reported (in the 2.0 words, ``#/definitions/...``) is not repeated in 3.0 words."""
    dangling = {issue.pointer for issue in loaded.warnings if issue.message.startswith(_DANGLING)}
    mapped = (written(issue) for issue in issues)
    return tuple(
        dict.fromkeys(i for i in mapped if not (i.pointer in dangling and i.message.startswith(_DANGLING)))
    )
