# edgeflow: two entry points for people, `make demo` and `make test` (plus bench, check, release).
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= config/demo.yaml

# System packages the build links against (Debian bookworm / Raspberry Pi OS names).
BUILD_PACKAGES := pkg-config libyaml-dev libmodbus-dev libgpiod-dev libcurl4-openssl-dev libmosquitto-dev zlib1g-dev
# Real peers the integration tests talk to.
TEST_PACKAGES := python3-pip socat mbpoll mosquitto mosquitto-clients openssl
PYMODBUS_VERSION := 3.16.1

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build release demo test deps test-deps bench check clean

all: build

# Installs only what is missing, so repeated runs cost a dpkg query and nothing else.
deps:
	@missing=""; for p in $(BUILD_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

test-deps: deps
	@missing=""; for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@python3 -c 'import pymodbus, sys; sys.exit(pymodbus.__version__ != "$(PYMODBUS_VERSION)")' 2>/dev/null || \
		python3 -m pip install -q "pymodbus==$(PYMODBUS_VERSION)" pyserial 2>/dev/null || \
		python3 -m pip install -q --break-system-packages "pymodbus==$(PYMODBUS_VERSION)" pyserial

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --static-swift-stdlib

# The demo uplinks to a local ingest endpoint on 127.0.0.1:18080 and asks a fake
# OpenAI-compatible endpoint on 127.0.0.1:18081 to judge the boiler (nothing leaves the
# machine); what they received is in demo-data/ingest.jsonl and demo-data/ai-requests.jsonl.
# demo-data/fake-ai.pid lets you stop the AI endpoint to watch the fallback take over.
# Stopping the agent stops both endpoints too.
DEMO_SINK_PORT ?= 18080
DEMO_AI_PORT ?= 18081
demo: build
	@mkdir -p demo-data
	@SINK_PORT=$(DEMO_SINK_PORT) python3 Tests/EdgeIntegrationTests/peers/uplink_sink.py demo-data/ingest.jsonl \
		> demo-data/sink.log 2>&1 & sink=$$!; \
	PORT=$(DEMO_AI_PORT) python3 Tests/EdgeIntegrationTests/peers/fake_openai.py demo-data/ai-requests.jsonl \
		> demo-data/fake-ai.log 2>&1 & ai=$$!; echo $$ai > demo-data/fake-ai.pid; \
	trap 'kill $$sink $$ai 2>/dev/null' EXIT INT TERM; \
	$$($(SWIFT) build --show-bin-path)/edgeflow run --config $(CONFIG)

check: build
	@for f in config/*.yaml; do $$($(SWIFT) build --show-bin-path)/edgeflow check --config $$f --quiet || exit 2; done

test: test-deps
	$(SWIFT) build
	$(SWIFT) test --no-parallel

bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --no-progress
	$(MAKE) bench-agent

# Whole-agent benchmark (docs/performance.md P4, P9): pymodbus field of 100 devices x 100 registers,
# the release binary polling it at 1 Hz; options: Benchmarks/agent/run.sh --help.
.PHONY: bench-agent
bench-agent: test-deps
	$(SWIFT) build -c release
	Benchmarks/agent/run.sh --binary "$$($(SWIFT) build -c release --show-bin-path)/edgeflow"

clean:
	rm -rf .build Benchmarks/.build
