"""Random bodies to every form and API endpoint: never a 500, nothing stored that is not clean.

Every endpoint of the authorization matrix (docs/security.md) is sent EXAMPLES_PER_ENDPOINT
generated requests by the person its row lets in: a POST's body, a GET's query string. Each
body is the endpoint's valid one with one field made hostile, or with junk fields added, or
junk only; a hostile value is any text (NUL and every control character included), a number
far out of range, a date at the ends of the calendar (9999-12-31, 0001-01-01), a non-NFC or
very long text; a draft's form also gets an uploaded file of any bytes. Each answer must be
below 500; a refusal (4xx) must leave the database as it was; and whatever any request stored,
anywhere, must be clean: no control character, NFC (events/text.py).

This module runs on SQLite; tests/integration/test_fuzz_bodies_postgres.py runs it on
PostgreSQL, which refuses NUL and out-of-range numbers that SQLite lets by.
"""

from __future__ import annotations

import contextlib
import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.text import FORBIDDEN
from tests.test_authorization_matrix import (  # the roll-up's key, as in the matrix
    POLICY_ROWS,
    REQUESTS,
    ROLES,
    _rollup_publishing,  # noqa: F401
    build_world,
    state,
)

ON_POSTGRESQL = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(ON_POSTGRESQL, reason="tests/integration/test_fuzz_bodies_postgres.py"),
]

# Generated requests per endpoint; ENDPOINTS endpoints in all (the matrix's HTTP rows).
EXAMPLES_PER_ENDPOINT = 10
# The readiness probe answers 503 by design while no task worker is seen (config/probes.py).
ENDPOINTS = sorted(key for key in REQUESTS if key[0] != "readyz")
EXAMPLES = EXAMPLES_PER_ENDPOINT * len(ENDPOINTS)

FUZZ = settings(
    max_examples=EXAMPLES_PER_ENDPOINT,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

EDGES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\r\n",
    "e\u0301",  # not NFC
    "\u202eabc",  # a directional override
    "\ufeffBOM",
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "2025-02-30",
    "9999-12-31T23:59",
    "99999999999999999999999",
    "-99999999999999999999999",
    "9223372036854775808",
    "-1",
    "0",
    "1e309",
    "NaN",
    "x" * 5000,
    "Câu hỏi " * 400,
    "1.1:forged",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "yes",
    "on",
]
# Any character but a lone surrogate, which form data (UTF-8) cannot carry.
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
VALUE = st.one_of(
    ANY_TEXT,
    st.sampled_from(EDGES),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.tuples(ANY_TEXT, st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x85"]), ANY_TEXT).map(
        "".join
    ),
)
# A draft's uploaded file: any bytes, or text of any characters as UTF-8 (a NUL in it was stored).
UPLOAD = st.one_of(
    st.none(), st.binary(max_size=2000), VALUE.map(lambda text: text.encode("utf-8", "replace"))
)
# Names of parameters some view reads outside a form, and a few that none reads.
JUNK_NAMES = st.sampled_from(
    [
        *("id", "pk", "option", "options", "text", "score", "comment", "next", "page", "action"),
        *("status", "status_filter", "sort", "agency", "code", "q", "start", "end", "limit"),
        *("offset", "date_from", "date_to", "field", "confirm", "answer_days", "kind", "question"),
    ]
)


def role_for(row: dict[str, str]) -> str:
    """The first person the row lets in; a citizen where nobody is."""
    return next((role for role in ROLES if row[role] == "ok"), "citizen")


@st.composite
def body(draw: st.DrawFn, valid: dict[str, Any]) -> dict[str, Any]:
    how = draw(st.sampled_from(["one field", "extra fields", "junk only"]))
    if how == "one field" and valid:
        name = draw(st.sampled_from(sorted(valid)))
        data = {**valid, name: draw(VALUE)}
    elif how == "extra fields":
        extra = draw(st.dictionaries(st.one_of(JUNK_NAMES, ANY_TEXT), VALUE, max_size=4))
        data = {**valid, **extra}
    else:
        data = draw(st.dictionaries(st.one_of(JUNK_NAMES, ANY_TEXT), VALUE, max_size=6))
    if draw(st.booleans()):
        # A field sent more than once (a list), as a multiple choice is.
        data[draw(st.one_of(JUNK_NAMES, st.sampled_from(sorted(valid) or ["x"])))] = draw(
            st.lists(VALUE, min_size=2, max_size=3)
        )
    return data


def stored_texts(dump: str) -> list[str]:
    """Every string stored in the tables the matrix watches."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
            if value[:1] in "[{":
                with contextlib.suppress(ValueError):
                    walk(json.loads(value))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(dump))
    return found


def is_clean(text: str) -> bool:
    return not FORBIDDEN.search(text) and unicodedata.is_normalized("NFC", text)


def fuzz_one(
    name: str,
    method: str,
    client: Client,
    url: str,
    valid: dict[str, Any],
    sent: dict[tuple[str, str], int],
) -> None:
    """EXAMPLES_PER_ENDPOINT generated requests to one endpoint."""

    @FUZZ
    @given(data=body(valid), upload=UPLOAD)
    def each(data: dict[str, Any], upload: bytes | None) -> None:
        before = state()
        if method == "GET":
            response = client.get(url, data)
        else:
            if upload is not None and name == "consultation_staff:create":
                data = {**data, "upload": SimpleUploadedFile("du-thao.txt", upload)}
            response = client.post(url, data)
        after = state()
        assert response.status_code < 500, (name, method, data)
        if 400 <= response.status_code < 500:
            assert after == before, (name, method, data, response.status_code)
        dirty = [text for text in stored_texts(after) if not is_clean(text)]
        assert dirty == [], (name, method, data)
        sent[(name, method)] = sent.get((name, method), 0) + 1

    each()


def test_random_bodies_to_every_form_and_api_endpoint_never_answer_500_nor_store_a_refusal():
    world = build_world()
    clients: dict[str, Client] = {}
    for role in ROLES:
        client = Client()
        person = world.people[role]
        if person is not None:
            client.force_login(person, backend=django_settings.AUTHENTICATION_BACKENDS[0])
        clients[role] = client
    sent: dict[tuple[str, str], int] = {}

    for name, method in ENDPOINTS:
        client = clients[role_for(POLICY_ROWS[(name, method)])]
        url, valid = REQUESTS[(name, method)](world)
        valid = {key: value for key, value in valid.items() if value != "@self"}
        fuzz_one(name, method, client, url, valid, sent)

    assert set(sent) == set(ENDPOINTS)
    assert sum(sent.values()) >= EXAMPLES


def test_the_number_of_examples_is_the_one_docs_security_md_states():
    policy = (Path(__file__).resolve().parents[1] / "docs" / "security.md").read_text()
    stated = f"{EXAMPLES_PER_ENDPOINT} examples per endpoint,\n  {len(ENDPOINTS)} endpoints: "
    assert stated + f"{EXAMPLES:,} requests" in policy
