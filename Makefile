# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PYTEST := $(PY) -m pytest

.PHONY: run test lint check format messages bench clean screenshots lock audit

# Installs exactly what the lock file names, each file checked against its hash; then the
# project itself, without resolving anything. `make lock` regenerates the lock files.
# pip first, from its own lock: Debian 12's pip (23.0.1) refuses the lock files in hash mode
# (an extra of an indirect dependency, fonttools[woff], counts as not pinned).
$(STAMP): pyproject.toml requirements-dev.lock requirements-pip.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements-pip.lock
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

# requirements-pip.lock: pip itself, installed first;
# requirements.lock: what production installs (deploy/, docs/operations.md);
# requirements-dev.lock: that and the tools of the tests. Both for Python 3.11+, any platform.
UV_COMPILE := $(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes -c constraints.txt --quiet
lock: $(STAMP)
	printf 'pip\n' | $(VENV)/bin/uv pip compile - --universal --python-version 3.11 \
		--generate-hashes --quiet -o requirements-pip.lock
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -o requirements-dev.lock

# Every pinned version of both lock files against the advisory database: for an operator with
# network access. PIP_AUDIT_SERVICE is pip-audit's advisory service (`pypi`, the default, or
# `osv`); --strict fails when a package could not be checked at all. CI runs it only with
# CI_NETWORK=1 (.ci/run).
PIP_AUDIT_SERVICE ?= pypi
audit: $(STAMP)
	$(VENV)/bin/pip-audit --strict --disable-pip --require-hashes --progress-spinner off \
		--vulnerability-service $(PIP_AUDIT_SERVICE) -r requirements-pip.lock -r requirements.lock \
		-r requirements-dev.lock

# Development: DEBUG on, and the task worker (queued email) beside the server, stopped with it.
RUN_ADDRESS ?= 127.0.0.1:8000
run: export DEBUG ?= true
# Links in the mail the demo sends (receipts, answers, invitations) lead to where it is served.
run: export SITE_URL ?= http://$(RUN_ADDRESS)
# One cache for the server and the task worker (a live room's themes reach the consoles).
run: export CACHE_URL ?= filecache://$(CURDIR)/.cache
run: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py task_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(RUN_ADDRESS)

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

# The deploy checks run with production settings: DEBUG off, a real key, real host names. None
# of the checks needs a server: they run on the embedded defaults even where CI sets the URLs.
EMBEDDED := env -u DATABASE_URL -u REDIS_URL
# ShellCheck on every script an operator or CI runs; -x follows what they source (status.sh).
SHELL_SCRIPTS := deploy/*.sh .ci/run
check: lint
	shellcheck -x $(SHELL_SCRIPTS)
	$(EMBEDDED) DEBUG=true $(VENV)/bin/mypy config events dialogue moderation live reports consultation erasure law
	$(VENV)/bin/lint-imports
	$(EMBEDDED) DEBUG=true $(PY) manage.py check
	$(EMBEDDED) DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(EMBEDDED) -u DEBUG SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" ALLOWED_HOSTS=doithoai.example.gov.vn \
		$(PY) manage.py check --deploy --fail-level WARNING

messages: export DEBUG ?= true
messages: $(STAMP)
	$(PY) manage.py makemessages -l vi --no-obsolete --ignore=".venv/*" --ignore="staticfiles/*"
	$(PY) manage.py compilemessages -l vi --ignore=".venv/*"

# A few minutes: fan-out at 1,000 and 5,000 participants and the capacity ramp, uvicorn, daphne
# and bare websockets side by side (bench/run.py --help for the full scenarios).
bench: export DEBUG ?= true
bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m bench.run --short

# Every kind of page in Vietnamese, phone 360×740, desktop 1280×800 and the stage at 1920×1080,
# on the demo data, into docs/screenshots/ (shown in the README), and the pictures the staff
# guides show into static/guides/. Needs Chromium, like the tests.
screenshots: export DEBUG ?= true
screenshots: $(STAMP)
	$(PY) -m tests.e2e.screenshots --out docs/screenshots

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache
