# Nastavnik: the two commands.
#
#   make run             set everything up on a fresh Debian machine and start the portal on
#                        http://127.0.0.1:8000/ with demo data (SQLite, tasks in-process, e-mail to the console)
#   make test            the whole test suite, browser tests included (installs Debian's chromium)
#   make test-postgres   the whole suite again on a throwaway PostgreSQL cluster
#   make bench-postgres  issue 16's benchmarks on a throwaway PostgreSQL cluster with a 300 × 300 district
#                        (ORGS=1000, SATURATION_SECONDS=60 to change), each ratio against its goal
#   make bench           benchmarks (not tests): matching for 1,000 mentees and 400 mentors, alone and
#                        through the database; the district dashboard and the statistics export on a
#                        300-organisation district; the registry bases of a 1,000-school region
#                        (400 people each) next to raw openpyxl; hostile participant files refused;
#                        prints times, queries and peak memory
#   make clean           remove the virtualenv, the SQLite database, uploaded files and stamps
#
# PYTEST_ARGS passes options to pytest, e.g. make test PYTEST_ARGS="-x -k consent".
# PYTEST_WORKERS: the suite runs in that many pytest-xdist processes, one per core by default (auto);
# PYTEST_WORKERS=0 runs it in one process, as a debugger wants.

SHELL := /bin/bash
.DEFAULT_GOAL := run
# The set-up steps are listed in order as prerequisites: never run them in parallel.
.NOTPARALLEL:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
PYTEST_ARGS ?=
PYTEST_WORKERS ?= auto
RUN_ADDR := 127.0.0.1:8000
DEMO_PASSWORD ?= demo12345
export DEMO_PASSWORD

# A stamp per set of requirements: editing a requirements file re-installs, nothing else does.
RUN_HASH := $(shell cat requirements.txt | sha256sum | cut -c1-12)
TEST_HASH := $(shell cat requirements.txt requirements-test.txt | sha256sum | cut -c1-12)
RUN_STAMP := $(VENV)/.installed-run-$(RUN_HASH)
TEST_STAMP := $(VENV)/.installed-test-$(TEST_HASH)
DEMO_STAMP := .demo-loaded

.PHONY: run test test-postgres bench bench-postgres clean system-deps system-deps-test messages migrate demo banner

run: system-deps $(RUN_STAMP) messages migrate demo banner
	$(PY) manage.py runserver $(RUN_ADDR)

test: system-deps-test $(TEST_STAMP) messages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-postgres: system-deps-test $(TEST_STAMP) messages
	scripts/with-postgres $(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

bench: system-deps $(RUN_STAMP) messages migrate
	$(PY) manage.py bench_matching --mentees 1000 --mentors 400
	$(PY) manage.py bench_matching --mentees 1000 --mentors 400 --database
	$(PY) manage.py bench_reminders --organisations 1000 --items 60
	@# Hostile participant files (3 million shared strings, a 300 MB string in 300 KB, …): refused within
	@# 5 s and 200 MB each.
	$(PY) manage.py bench_import_limits
	@# The district dashboard and the statistics export on a 300-organisation district, built into a
	@# throwaway SQLite file. The goals are stated for PostgreSQL (dashboard median < 300 ms, export < 30 s
	@# and 200 MB): `make bench-postgres` runs the same on a throwaway cluster.
	db=$$(mktemp /tmp/nastavnik-bench-XXXXXX.sqlite3) && export DATABASE_URL=sqlite:///$$db && trap 'rm -f $$db' EXIT && \
		$(PY) manage.py migrate -v 0 && $(PY) manage.py load_demo --organisations 300 --participants 300 >/dev/null && \
		$(PY) manage.py bench_dashboard
	@# The registry bases of a whole region as the export worker builds them, next to raw openpyxl writing
	@# the same rows (goals: 60 s, 200 MB, at most 1.5x).
	db=$$(mktemp /tmp/nastavnik-bench-XXXXXX.sqlite3) && export DATABASE_URL=sqlite:///$$db && trap 'rm -f $$db' EXIT && \
		$(PY) manage.py migrate -v 0 && $(PY) manage.py bench_bases --organisations 1000 --people 400

# Issue 16's benchmarks on a throwaway PostgreSQL cluster, where its goals are stated (scripts/bench-all):
# migrate, the demo district (ORGS × PARTICIPANTS, 300 × 300; ORGS=1000 on request), every page of the issue's
# table next to the trivial page, the dashboard, the statistics export, the reminder scan, matching (both
# paths) and 50 users on gunicorn for SATURATION_SECONDS per run; then a summary of each ratio against its goal.
ORGS ?= 300
PARTICIPANTS ?= 300
SATURATION_SECONDS ?= 300
export ORGS PARTICIPANTS SATURATION_SECONDS
bench-postgres: system-deps $(TEST_STAMP) messages
	scripts/with-postgres scripts/bench-all

system-deps:
	@scripts/system-deps

system-deps-test:
	@scripts/system-deps --browser

$(PY):
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): | $(PY)
	$(PIP) install -q -r requirements.txt
	@rm -f $(VENV)/.installed-run-*
	@touch $@

$(TEST_STAMP): | $(PY)
	$(PIP) install -q -r requirements-test.txt
	@rm -f $(VENV)/.installed-test-*
	@touch $@

# Translations: compiled only when the project has .po files (the interface is written in Russian).
messages:
	@if compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null; then \
		$(PY) manage.py compilemessages --ignore=$(VENV) -v 0; \
	fi

migrate:
	@# A new SQLite database has no demo data yet, whatever an old stamp says.
	@if [ -z "$$DATABASE_URL" ] && [ ! -e db.sqlite3 ]; then rm -f $(DEMO_STAMP); fi
	$(PY) manage.py migrate --noinput -v 1

# Demo data once: load_demo is idempotent, but the stamp spares it on every start.
demo:
	@if [ -e $(DEMO_STAMP) ]; then \
		exit 0; \
	elif $(PY) manage.py help load_demo >/dev/null 2>&1; then \
		echo "$(PY) manage.py load_demo" && $(PY) manage.py load_demo && touch $(DEMO_STAMP); \
	else \
		echo "WARNING: manage.py load_demo does not exist yet: starting without demo data." >&2; \
	fi

banner:
	@echo
	@echo "=================================================================="
	@echo "  «Наставник» запущен / Nastavnik is running:"
	@echo
	@echo "      http://$(RUN_ADDR)/"
	@echo
	@echo "  Демо-входы / demo logins (пароль / password: $(DEMO_PASSWORD)):"
	@echo "      municipal   муниципальный куратор / municipal curator"
	@echo "      curator1    куратор школы / school curator"
	@echo "      curator2    куратор другой школы / another school's curator"
	@echo "      director1   директор школы / school director"
	@echo
	@echo "  Остановить: Ctrl+C / Stop: Ctrl+C"
	@echo "=================================================================="
	@echo

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-journal media staticfiles $(DEMO_STAMP)
