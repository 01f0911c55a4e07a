"""Where the vendored test data live: one definition, so no test reads outside the repository."""

from pathlib import Path

DATA = Path(__file__).resolve().parent
CORPUS = DATA / "corpus"  # real documents and conformance suites written by others (see README.md)
OPENAPI_SPECS = DATA / "spec" / "openapi"  # the OpenAPI specification texts 3.0.4 and 3.1.2
