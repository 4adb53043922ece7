# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PYTEST := $(PY) -m pytest

.PHONY: run test lint check format messages bench clean screenshots

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

run: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

# First the whole suite on the embedded defaults (SQLite, in-memory layer); then, when
# DATABASE_URL / REDIS_URL are set, everything but the browser tier again on the real servers.
test: $(STAMP)
	env -u DATABASE_URL -u REDIS_URL -u REQUIRE_SERVERS $(PYTEST)
	@if [ -n "$$DATABASE_URL$$REDIS_URL" ]; then \
		echo "== integration tier: DATABASE_URL and REDIS_URL =="; \
		$(PYTEST) -m "not browser"; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: lint
	$(VENV)/bin/mypy config events dialogue moderation consultation live
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

messages: $(STAMP)
	$(PY) manage.py makemessages -l vi --no-obsolete --ignore=".venv/*" --ignore="staticfiles/*"
	$(PY) manage.py compilemessages -l vi --ignore=".venv/*"

# A few minutes: fan-out at 1,000 and 5,000 participants and the capacity ramp, uvicorn, daphne
# and bare websockets side by side (bench/run.py --help for the full scenarios).
bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m bench.run --short

# Every kind of page in Vietnamese, phone 360×740, desktop 1280×800 and the stage at 1920×1080,
# on the demo data, into docs/screenshots/ (shown in the README). Needs Chromium, like the tests.
screenshots: $(STAMP)
	$(PY) -m tests.e2e.screenshots --out docs/screenshots

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache
