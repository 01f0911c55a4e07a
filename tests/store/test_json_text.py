"""JSON columns are written by orjson, and read back as json.dumps's text was."""

from __future__ import annotations

import json

import pytest

from actionforge.store.json_text import json_text


def test_a_document_reads_back_as_it_was_given() -> None:
    document = {"method": "GET", "headers": {"accept": "*/*"}, "body": "é", "n": [1, 2.5, None, True]}
    assert json.loads(json_text(document)) == document


def test_keys_that_are_not_text_become_text_as_json_dumps_makes_them() -> None:
    assert json.loads(json_text({1: "a"})) == json.loads(json.dumps({1: "a"})) == {"1": "a"}


def test_what_orjson_refuses_is_written_by_json() -> None:
    assert json.loads(json_text({"text": "\ud800"})) == {"text": "\ud800"}  # a lone surrogate
    assert json.loads(json_text(2**70)) == 2**70  # past 64 bits


def test_what_json_cannot_write_either_raises() -> None:
    with pytest.raises(TypeError):
        json_text({"x": object()})
