"""Unit tests of the serialization rules the Style Examples table does not cover."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actionforge.calls.serialize import (
    _OPERATORS,
    QUERY_STYLES,
    RequestBuildError,
    _expand,
    cookie_pairs,
    deep_object_pairs,
    encode_path_literal,
    encode_reserved,
    encode_unreserved,
    form_fields,
    header_value,
    is_undefined,
    path_value,
    query_pairs,
    scalar_text,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (0, "0"),
        (-7, "-7"),
        (1.0, "1.0"),
        (2.5, "2.5"),
        (1e100, "1e+100"),
        ("True", "True"),
        (["a", 1], '["a",1]'),
        ({"a": 1}, '{"a":1}'),
        ("é", "é"),
    ],
)
def test_scalar_text_is_json_text_never_a_python_repr(value: object, text: str) -> None:
    assert scalar_text(value) == text


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_json_numbers_are_refused(value: float) -> None:
    with pytest.raises(RequestBuildError):
        scalar_text(value)


def test_values_never_repr_inside_collections() -> None:
    assert path_value("x", [True, None, 3, 1.5]) == "true,3,1.5"
    assert query_pairs("x", {"on": False, "n": None}) == ["on=false"]
    assert query_pairs("x", [True, False], explode=False) == ["x=true,false"]


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("a/b", "a%2Fb"),
        ("../etc/passwd", "..%2Fetc%2Fpasswd"),
        ("?q=1#frag", "%3Fq%3D1%23frag"),
        ("100%", "100%25"),
        ("%2F", "%252F"),
        ("a b", "a%20b"),
        ("a+b", "a%2Bb"),
        ("é/ü", "%C3%A9%2F%C3%BC"),
        ("~-._", "~-._"),
        (";,=", "%3B%2C%3D"),
    ],
)
def test_path_values_keep_reserved_characters_inside_the_segment(value: str, encoded: str) -> None:
    assert path_value("id", value) == encoded
    assert path_value("id", value, style="label") == "." + encoded
    assert path_value("id", value, style="matrix") == ";id=" + encoded


def test_delimiters_inside_values_are_encoded_but_real_delimiters_are_not() -> None:
    assert path_value("id", ["a,b", "c"]) == "a%2Cb,c"
    assert path_value("id", {"k=": "v,"}, explode=True) == "k%3D=v%2C"
    assert query_pairs("q", ["a&b", "c=d"], explode=True) == ["q=a%26b", "q=c%3Dd"]


def test_matrix_and_form_treat_empty_strings_per_rfc6570() -> None:
    assert path_value("id", "", style="matrix") == ";id"
    assert path_value("id", ["", "x"], style="matrix", explode=True) == ";id;id=x"
    assert path_value("id", {"k": ""}, style="matrix", explode=True) == ";k"
    assert path_value("id", "", style="label") == "."
    assert query_pairs("q", "") == ["q="]
    assert query_pairs("q", {"k": ""}) == ["k="]


def test_undefined_values() -> None:
    assert all(is_undefined(v) for v in (None, [], {}, [None], {"a": None}))
    assert not any(is_undefined(v) for v in ("", 0, False, [""], {"a": ""}))


def test_allow_reserved_passes_reserved_characters_but_not_form_delimiters() -> None:
    # OpenAPI 3.1.2 Appendix C, "Expansion with Non-RFC6570-Supported Options".
    formulas = {"a": "x+y", "b": "x/y", "c": "x^y"}
    assert query_pairs("formulas", formulas, allow_reserved=True) == ["a=x%2By", "b=x/y", "c=x%5Ey"]
    assert query_pairs("formulas", formulas) == ["a=x%2By", "b=x%2Fy", "c=x%5Ey"]
    words = ["math", "is", "fun"]
    assert query_pairs("words", words, style="spaceDelimited", explode=False) == ["words=math%20is%20fun"]
    assert query_pairs("words", words, explode=False) == ["words=math,is,fun"]


def test_reserved_expansion_keeps_percent_triples_and_encodes_stray_percent() -> None:
    assert encode_reserved("a%2Fb") == "a%2Fb"
    assert encode_reserved("50%") == "50%25"
    assert encode_reserved("%zz") == "%25zz"
    assert encode_reserved("a&b=c+d#e[f]") == "a%26b%3Dc%2Bd%23e%5Bf%5D"
    assert encode_reserved("/:?@!$'()*,;") == "/:?@!$'()*,;"
    assert encode_reserved("é ") == "%C3%A9%20"


def test_parameter_names_are_percent_encoded() -> None:
    # OpenAPI 3.1.2 Appendix C, "Illegal Variable Names as Parameter Names".
    assert query_pairs("❤️", "love!") == ["%E2%9D%A4%EF%B8%8F=love%21"]
    assert query_pairs("filter[name]", "x") == ["filter%5Bname%5D=x"]
    assert query_pairs("a&b", "x") == ["a%26b=x"]


def test_delimited_styles_fall_back_to_form_where_the_table_says_n_a() -> None:
    assert query_pairs("c", "blue", style="pipeDelimited", explode=False) == ["c=blue"]
    assert query_pairs("c", ["a", "b"], style="pipeDelimited", explode=True) == ["c=a", "c=b"]
    assert query_pairs("c", ["a|b", "c"], style="pipeDelimited", explode=False) == ["c=a%7Cb%7Cc"]


def test_deep_object_nests_like_stripe() -> None:
    value = {"price": "price_1", "quantity": 2, "adjustable_quantity": {"enabled": True}}
    assert deep_object_pairs("line_items", [value]) == [
        ("line_items[0][price]", "price_1"),
        ("line_items[0][quantity]", "2"),
        ("line_items[0][adjustable_quantity][enabled]", "true"),
    ]
    assert deep_object_pairs("expand", ["customer", "invoice"]) == [
        ("expand[]", "customer"),
        ("expand[]", "invoice"),
    ]
    assert deep_object_pairs("metadata", {"order": "6735", "note": None}) == [("metadata[order]", "6735")]
    assert query_pairs("metadata", {"k": "a b"}, style="deepObject") == ["metadata%5Bk%5D=a%20b"]
    # Stripe unsets a map by sending it empty: a scalar at the top stays name=value.
    assert query_pairs("metadata", "", style="deepObject") == ["metadata="]
    assert query_pairs("created", {"gte": 5}, style="deepObject") == ["created%5Bgte%5D=5"]


def test_headers_are_not_percent_encoded_and_cannot_break_framing() -> None:
    assert header_value("X", "a b/ü,c") == "a b/ü,c"
    assert header_value("X", [1, 2]) == "1,2"
    assert header_value("X", {"a": 1}, explode=True) == "a=1"
    for bad in ("a\r\nInjected: 1", "a\nb", "a\x00"):
        with pytest.raises(RequestBuildError) as info:
            header_value("X-Bad", bad)
        assert info.value.where == "X-Bad"


def test_cookies_use_form_style_without_ampersands() -> None:
    assert cookie_pairs("s", "a b;c") == ["s=a%20b%3Bc"]
    assert cookie_pairs("s", ["a", "b"], explode=True) == ["s=a", "s=b"]
    assert cookie_pairs("s", ["a", "b"], explode=False) == ["s=a,b"]
    assert cookie_pairs("s", {"x": 1, "y": 2}, explode=True) == ["x=1", "y=2"]


def test_form_fields_for_multipart_are_unencoded() -> None:
    assert form_fields("tags", ["a b", "c/d"]) == [("tags", "a b"), ("tags", "c/d")]
    assert form_fields("tags", ["a", "b"], explode=False) == [("tags", "a,b")]
    assert form_fields("tags", ["a", "b"], style="pipeDelimited", explode=False) == [("tags", "a|b")]
    assert form_fields("f", {"create": True}, style="deepObject") == [("f[create]", "true")]
    assert form_fields("f", None) == []
    assert form_fields("f", {"a": 1}) == [("a", "1")]


def test_unknown_styles_are_refused_with_the_parameter_named() -> None:
    with pytest.raises(RequestBuildError, match="id"):
        path_value("id", "x", style="form")
    with pytest.raises(RequestBuildError, match="q"):
        query_pairs("q", "x", style="matrix")


def test_path_literals() -> None:
    assert encode_path_literal("/café/x%20y/a b") == "/caf%C3%A9/x%20y/a%20b"
    assert encode_path_literal("/v1/a:b@c;d=e") == "/v1/a:b@c;d=e"


# --- the fast paths agree with the general expansion -----------------------------------------------

_SCALARS = st.one_of(
    st.text(), st.integers(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False)
)


@given(value=_SCALARS)
def test_simple_path_fast_path_matches_rfc6570_expansion(value: object) -> None:
    general = _expand(_OPERATORS["simple"], "id", value, False, encode_unreserved, encode_unreserved)
    assert path_value("id", value) == general


@given(value=_SCALARS, style=st.sampled_from(QUERY_STYLES), explode=st.booleans(), reserved=st.booleans())
def test_primitive_query_fast_path_matches_rfc6570_expansion(
    value: object, style: str, explode: bool, reserved: bool
) -> None:
    enc = encode_reserved if reserved else encode_unreserved
    general = _expand(_OPERATORS["form"], "q", value, explode, enc, encode_unreserved)
    assert query_pairs("q", value, style=style, explode=explode, allow_reserved=reserved) == [general]


@given(text=st.text())
def test_unreserved_encoding_fast_path_matches_quote(text: str) -> None:
    assert encode_unreserved(text) == quote(text, safe="")
