"""The body fuzz of tests/test_fuzz_bodies.py on PostgreSQL, which refuses what SQLite lets by
(NUL in a text, numbers beyond a bigint): the same number of examples per endpoint."""

from __future__ import annotations

import pytest

from tests.test_fuzz_bodies import (  # noqa: F401 (the test, run here too, and its fixture)
    _rollup_publishing,
    test_random_bodies_to_every_form_and_api_endpoint_never_answer_500_nor_store_a_refusal,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_the_body_fuzz_of_the_integration_tier_runs_on_postgresql():
    from django.conf import settings

    from tests.test_fuzz_bodies import ON_POSTGRESQL

    assert ON_POSTGRESQL, settings.DATABASES["default"]["ENGINE"]
