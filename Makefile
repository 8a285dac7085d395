# The whole set-up is `make run`; `make test` runs the suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# `make lock` recompiles both locks from their .in files, keeping every pin it can;
# `make lock UPGRADE="--upgrade-package django"` moves one package (and what it needs).
COMPILE = $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--custom-compile-command "make lock" $(UPGRADE)

.PHONY: run serve test lint lock lock-check worker beat bench bench-load migrate seed clean

# The runtime lock, every package pinned with its hashes: nothing unlisted gets in.
$(STAMP): requirements.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	touch $(STAMP)

# Tests and tools: the dev lock (the runtime one plus its own), hashes required too.
$(DEV_STAMP): requirements-dev.txt $(STAMP)
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $(DEV_STAMP)

lock: $(DEV_STAMP)
	$(COMPILE) requirements.in -o requirements.txt
	$(COMPILE) requirements-dev.in -o requirements-dev.txt

lock-check: $(DEV_STAMP)
	bin/lock-check

migrate: $(STAMP)
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo --activity

run: seed
	$(BIN)/python manage.py runserver 127.0.0.1:8000

serve: $(STAMP)
	bin/serve

test: $(DEV_STAMP)
	mkdir -p var
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

worker: $(STAMP)
	$(BIN)/celery -A config worker -l info

beat: $(STAMP)
	$(BIN)/celery -A config beat -l info

bench: $(STAMP)
	mkdir -p var
	$(BIN)/python bench/run.py --json var/bench.json
	$(BIN)/python bench/load.py --ratios var/bench.json

bench-load: $(STAMP)
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
