"""The fuzz of tests/test_fuzz.py on PostgreSQL, which refuses what SQLite lets by (NUL, bigint)."""

from __future__ import annotations

import pytest

from tests.test_fuzz import (  # noqa: F401 (fixtures, used by name)
    dialogue,
    pages,
    quiet,
    socket,
    test_a_control_character_in_any_form_field_is_a_form_error_not_a_500,
    test_every_bad_frame_to_every_socket_gets_an_error_frame_and_writes_nothing,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
