# The whole set-up is `make run`; `make test` runs the suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run serve test lint worker beat bench bench-load migrate seed clean

$(STAMP): requirements.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

migrate: $(STAMP)
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo --activity

run: seed
	$(BIN)/python manage.py runserver 127.0.0.1:8000

serve: $(STAMP)
	bin/serve

test: $(STAMP)
	mkdir -p var
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
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
