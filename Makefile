# The portal's two commands (README): `make run` and `make test`. Values already in the environment win.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export PORTAL_VAR_DIR ?= $(CURDIR)/var
export PORTAL_DEMO ?= 1

# package:probe pairs — the package is installed when its probe fails. `make run` installs what serving needs;
# `make test` also what only the tests use (the browser, the software token, testssl.sh, PostgreSQL…).
RUN_PACKAGES := \
	python3:'command -v $(PYTHON)' \
	python3-venv:'$(PYTHON) -c "import ensurepip, venv"' \
	nginx:'test -x /usr/sbin/nginx' \
	ca-certificates:'test -d /etc/ssl/certs' \
	curl:'command -v curl'
TEST_PACKAGES := \
	openssl:'command -v openssl' \
	postgresql:'test -x /usr/bin/pg_ctlcluster && ls /usr/lib/postgresql/*/bin/postgres' \
	chromium:'test -x /usr/bin/chromium' \
	softhsm2:'command -v softhsm2-util && test -e /usr/lib/softhsm/libsofthsm2.so' \
	opensc:'command -v pkcs11-tool' \
	libnss3-tools:'command -v certutil && command -v modutil' \
	libengine-pkcs11-openssl:'ls /usr/lib/*/engines-3/pkcs11.so' \
	libp11-kit-dev:'test -f /usr/include/p11-kit-1/p11-kit/pkcs11.h' \
	gcc:'command -v gcc' \
	libc6-dev:'test -f /usr/include/dlfcn.h' \
	testssl.sh:'command -v testssl'
SYSTEM_PACKAGES := $(RUN_PACKAGES) $(TEST_PACKAGES)

.PHONY: run demo test bench fuzz system-packages run-packages venv lint clean

## make run: the whole portal (nginx with mutual TLS + gunicorn + SQLite), demo data and certificates, until Ctrl-C
run: run-packages $(VENV)/.installed
	$(MAKE) --no-print-directory demo
	export CERTAUTH_PROXY_SECRET="$${CERTAUTH_PROXY_SECRET:-$$(cat "$(PORTAL_VAR_DIR)/proxy-secret")}"; \
	export OIDC_GATEWAY_SECRET="$${OIDC_GATEWAY_SECRET:-$$(cat "$(PORTAL_VAR_DIR)/gateway-secret")}"; \
	exec $(PY) manage.py serve

## make demo: what `make run` serves — the demo PKI, the database, the demo partners and CRLs, the static files.
## Whatever does not apply (CERTAUTH_TRUST_ROOTS naming your own PKI, partners of yours already in the database)
## is skipped with one line, never a stop
demo:
	mkdir -p "$(PORTAL_VAR_DIR)"
	test -s "$(PORTAL_VAR_DIR)/proxy-secret" || \
	  $(PY) -c 'import secrets; print(secrets.token_urlsafe(32))' > "$(PORTAL_VAR_DIR)/proxy-secret"
	test -s "$(PORTAL_VAR_DIR)/gateway-secret" || \
	  $(PY) -c 'import secrets; print(secrets.token_urlsafe(32))' > "$(PORTAL_VAR_DIR)/gateway-secret"
	test -s "$(PORTAL_VAR_DIR)/oidc/signing-key.pem" || $(PY) -m oidc.keygen "$(PORTAL_VAR_DIR)/oidc/signing-key.pem"
	export CERTAUTH_PROXY_SECRET="$${CERTAUTH_PROXY_SECRET:-$$(cat "$(PORTAL_VAR_DIR)/proxy-secret")}"; \
	$(PY) manage.py demo_pki && \
	$(PY) manage.py migrate --noinput -v0 && \
	$(PY) manage.py load_demo && \
	$(PY) manage.py status_rollup && \
	$(PY) manage.py demo_crls && \
	$(PY) manage.py collectstatic --noinput -v0

## make test: lint and type checks, every test (unit, Django, end to end through a real nginx) on SQLite, then the
## database-backed tests again on a real PostgreSQL (the production path)
test: system-packages $(VENV)/.installed lint
	mkdir -p "$(PORTAL_VAR_DIR)"
	PORTAL_REQUIRE_E2E=1 $(PY) -m pytest $(PYTEST_ARGS)
	DATABASE_URL="$$(scripts/postgres.sh)" $(PY) -m pytest -q -m "not e2e" -p no:cacheprovider $(PYTEST_ARGS)

system-packages:
	@scripts/install-system-packages.sh $(SYSTEM_PACKAGES)

run-packages:
	@scripts/install-system-packages.sh $(RUN_PACKAGES)

$(VENV)/.installed: pyproject.toml requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c requirements/constraints.txt -e '.[test,dev,demo]'
	touch $@

venv: $(VENV)/.installed

## make bench: every benchmark (bench/), side by side with the reference tools; the database-backed ones on SQLite
## and on the PostgreSQL `make test` starts (scripts/postgres.sh; production's figures are PostgreSQL's). login_cpu
## also measures the commit BENCH_AGAINST (default 75f2a1e) from a temporary git worktree, beside the current code;
## BENCH_STATUS_SCALE lowers the status pages' scale (default 1.0: 5,000 entities, 200,000 members, 2M attempts)
bench: system-packages $(VENV)/.installed
	$(PY) -m pip install -q --disable-pip-version-check -c requirements/constraints.txt -e '.[test,dev,bench]'
	$(PY) bench/validation.py
	$(PY) bench/login.py
	$(PY) bench/login_cpu.py --against $(or $(BENCH_AGAINST),75f2a1e)
	$(PY) bench/profile_login.py
	$(PY) bench/revocation.py
	$(PY) bench/status_pages.py --scale $(or $(BENCH_STATUS_SCALE),1.0)
	$(PY) bench/load.py
	$(PY) bench/cloud_login.py
	$(PY) bench/on_databases.py oidc_tokens -- $(PY) bench/oidc_tokens.py
	$(PY) bench/on_databases.py oidc_logout -- $(PY) bench/oidc_logout.py --database-url '{database_url}'
	$(PY) bench/gateway.py

## make fuzz: coverage-guided fuzzing of the certificate core (atheris) for FUZZ_SECONDS (default 60), from a copy of
## the committed seed corpus (fuzz/corpus: real samples, test PKI, hostile corpus; fuzz/make_seed_corpus.py writes
## it) plus the working corpus that grows run after run; prints the coverage reached. A crash leaves its input in
## $(PORTAL_VAR_DIR)/fuzz/crash-* and fails the target
fuzz: $(VENV)/.installed
	$(PY) -m pip install -q --disable-pip-version-check -c requirements/constraints.txt -e '.[test,dev,fuzz]'
	mkdir -p "$(PORTAL_VAR_DIR)/fuzz/corpus"
	rm -rf "$(PORTAL_VAR_DIR)/fuzz/seeds" && cp -R fuzz/corpus "$(PORTAL_VAR_DIR)/fuzz/seeds"
	log="$(PORTAL_VAR_DIR)/fuzz/last.log"; status=0; \
	$(PY) fuzz/fuzz_certificate.py -max_total_time=$(or $(FUZZ_SECONDS),60) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	  -artifact_prefix="$(PORTAL_VAR_DIR)/fuzz/" "$(PORTAL_VAR_DIR)/fuzz/corpus" "$(PORTAL_VAR_DIR)/fuzz/seeds" > "$$log" 2>&1 || status=$$?; \
	runs=$$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$$log" | tail -n 1); \
	secs=$$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$$log" | tail -n 1); \
	if [ "$$status" -ne 0 ] || [ -z "$$runs" ]; then \
	  tail -n 40 "$$log"; echo "fuzz: exceção inesperada (saída $$status) — entrada em $(PORTAL_VAR_DIR)/fuzz/crash-*, log em $$log"; exit 1; \
	fi; \
	inited=$$(sed -n 's/.*INITED cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/\1 arestas, \2 features, \3 entradas/p' "$$log" | tail -n 1); \
	reached=$$(sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/\1 arestas, \2 features, \3 entradas/p' "$$log" | tail -n 1); \
	echo "fuzz: cobertura com as sementes: $${inited:-?}; ao fim: $${reached:-?} (cov/ft/corp do libFuzzer)"; \
	echo "fuzz: $$runs entradas em $$secs s, nenhuma exceção inesperada"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	SECRET_KEY=mypy $(VENV)/bin/mypy certauth cloudauth portal rollout oidc patdemo managers support associations

clean:
	rm -rf "$(PORTAL_VAR_DIR)" $(VENV) .pytest_cache
