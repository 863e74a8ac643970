# Two commands for a fresh machine:  `make demo`  and  `make test`  (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Types of connectors/, mapping/ and syncengine/ (mypy.ini); django-stubs loads the settings, which want a key.
MYPY   := SECRET_KEY=type-checking-only-not-secret $(BIN)/mypy

.PHONY: demo test test-postgres lint bench bench-instant sandboxes clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# Everything on the embedded default (SQLite + django-q2's ORM broker), syncing live.
demo: $(STAMP)
	mkdir -p var
	DEBUG=1 SYNC_INTERVAL_MINUTES=1 SYNC_JITTER_SECONDS=5 $(BIN)/python manage.py demo

# The test suite (SQLite by default; DATABASE_URL / REDIS_URL select PostgreSQL / Redis).
test: $(STAMP)
	mkdir -p var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MYPY)
	SECRET_KEY=$$(python3 -c "import secrets; print(secrets.token_urlsafe(50))") \
	FIELD_ENCRYPTION_KEYS=$$($(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())") \
	FIELD_ENCRYPTION_DERIVED_KEY=off ALLOWED_HOSTS=sync.example.com \
	$(BIN)/python manage.py check --deploy --fail-level WARNING
	SECRET_KEY=tests-only-not-secret $(BIN)/python manage.py collectstatic --noinput -v0
	scripts/ensure-browser
	SECRET_KEY=tests-only-not-secret DEBUG=0 SECURE_SSL_REDIRECT=0 $(BIN)/pytest -q -p no:cacheprovider -n auto

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(MYPY)

# Benchmark against the sandboxes: prints calls per side, wall time, items/s, peak memory.
bench: $(STAMP)
	mkdir -p var
	DEBUG=1 DATABASE_URL=sqlite:///var/bench.sqlite3 $(BIN)/python manage.py bench

# Instant sync latency, each provider and direction (the whole engine in processes, the schedule off).
bench-instant: $(STAMP)
	mkdir -p var
	rm -f var/bench-instant.sqlite3
	DEBUG=1 DATABASE_URL=sqlite:///var/bench-instant.sqlite3 DEMO_PORT=9100 DEMO_SALESFORCE_PORT=9543 \
	DEMO_GRAPH_PORT=9544 DEMO_GOOGLE_PORT=9545 DEMO_EWS_PORT=9546 DEMO_SALESFORCE_PUBSUB_PORT=9547 \
	$(BIN)/python manage.py bench_instant

sandboxes: $(STAMP)
	$(BIN)/python -m sandbox.run --dir var/sandbox

clean:
	rm -rf $(VENV) var
