"""schemathesis against our own /api document, on a real server: no 5xx, responses match their schemas."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.web.conftest import PASSWORD

CHECKS = [not_a_server_error, response_schema_conformance]


def bearer_token(base: str, out: Path) -> str:
    found = re.search(r"setup\?token=(\S+)", out.read_text())
    assert found, out.read_text()
    body = {"token": found.group(1), "email": "o@example.com", "display_name": "O", "password": PASSWORD}
    with httpx.Client(base_url=base) as client:
        csrf = client.post("/api/setup", json=body).json()["csrf_token"]
        token: str = client.post("/api/tokens", json={"name": "fuzz"}, headers={"X-CSRF-Token": csrf}).json()[
            "token"
        ]
    return token


def test_the_api_survives_its_own_schema(served: tuple[str, Path]) -> None:
    base, out = served
    headers = {"Authorization": f"Bearer {bearer_token(base, out)}"}
    schema = schemathesis.openapi.from_url(f"{base}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 20

    @given(data=st.data())
    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(data: st.DataObject) -> None:
        operation = data.draw(st.sampled_from(operations))
        case = data.draw(operation.as_strategy())
        case.call_and_validate(base_url=base, headers=headers, checks=CHECKS)

    check()
