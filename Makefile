# edgeflow: two entry points for people, `make demo` and `make test` (plus bench, check, release, deb).
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= config/demo.yaml

# System packages the build links against (Debian bookworm / Raspberry Pi OS names).
BUILD_PACKAGES := pkg-config libyaml-dev libmodbus-dev libgpiod-dev libcurl4-openssl-dev libmosquitto-dev zlib1g-dev
# Real peers the integration tests talk to.
TEST_PACKAGES := python3-pip socat mbpoll mosquitto mosquitto-clients openssl dpkg-dev binutils gcc libc6-dev curl
# What `make deb` needs besides the build packages (dpkg-shlibdeps computes Depends).
DEB_PACKAGES := dpkg-dev binutils
PYMODBUS_VERSION := 3.16.1

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build release demo test deps test-deps bench check clean deb

all: build

# Installs only what is missing, so repeated runs cost a dpkg query and nothing else.
define install_missing
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call install_missing,$(BUILD_PACKAGES))

test-deps: deps
	$(call install_missing,$(TEST_PACKAGES))
	@python3 -c 'import pymodbus, sys; sys.exit(pymodbus.__version__ != "$(PYMODBUS_VERSION)")' 2>/dev/null || \
		python3 -m pip install -q "pymodbus==$(PYMODBUS_VERSION)" pyserial 2>/dev/null || \
		python3 -m pip install -q --break-system-packages "pymodbus==$(PYMODBUS_VERSION)" pyserial
	@python3 -c 'import prometheus_client' 2>/dev/null || python3 -m pip install -q prometheus_client 2>/dev/null || \
		python3 -m pip install -q --break-system-packages prometheus_client

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

# The package test installs a .deb of the debug build into a scratch root (dpkg --root): the
# layout, conffiles, Depends and maintainer scripts are those of the release package, and the
# suite does not wait for a release build. `make deb` + Tests/packaging/deb-install-test.sh FILE
# checks a release package the same way.
test: test-deps
	$(SWIFT) build
	$(SWIFT) test --no-parallel
	Tests/packaging/deb-install-test.sh
	$(MAKE) test-gpio-vm

# GPIO against the kernel's real GPIO driver (gpio-sim in a QEMU VM; Tests/gpio-vm/README.md):
# the ef_gpio shim for both libgpiod APIs, then the edgeflow CLI and agent built against
# Debian's libgpiod 1.6 (v1) and against libgpiod 2.x built static from PyPI's gpiod sdist (v2).
# The scripts install QEMU and the kernel pieces they need; nothing is skipped.
GPIOD2_PREFIX := $(CURDIR)/.build-gpiod2-lib
.PHONY: test-gpio-vm
test-gpio-vm: deps
	Tests/gpio-vm/shim-test.sh
	$(SWIFT) build --product edgeflow
	Tests/gpio-vm/edgeflow-test.sh v1 "$$($(SWIFT) build --show-bin-path)/edgeflow"
	Tests/gpio-vm/build-libgpiod2.sh $(GPIOD2_PREFIX)
	PKG_CONFIG_PATH=$(GPIOD2_PREFIX)/lib/pkgconfig $(SWIFT) build --product edgeflow --scratch-path .build-gpiod2
	Tests/gpio-vm/edgeflow-test.sh v2 "$$($(SWIFT) build --scratch-path .build-gpiod2 --show-bin-path)/edgeflow"

# dist/edgeflow_<version>_<arch>.deb: static-stdlib release binary, stripped (BUILD=debug: the
# debug binary, for layout tests only). See packaging/build-deb.sh.
BUILD ?= release
deb: deps
	$(call install_missing,$(DEB_PACKAGES))
	BUILD=$(BUILD) SWIFT=$(SWIFT) packaging/build-deb.sh

# docs/performance.md P1-P12: runs every benchmark (each prints its summary lines as it goes),
# keeps going when one fails, and ends with one table of all targets (Benchmarks/report.py)
# read from the whole output, which stays in Benchmarks/.build/bench.log. Each piece is named
# with the ids it measures, so the table can say why an id has no figure. Exits non-zero only
# when a piece failed, never because a target was missed.
BENCH_LOG := Benchmarks/.build/bench.log
# The sub-makes go through a variable so that `make -n bench` prints the recipe, not runs it.
BENCH_MAKE = $(MAKE) --no-print-directory
bench: deps
	@mkdir -p $(dir $(BENCH_LOG)); : > $(BENCH_LOG); set -o pipefail; \
	piece() { local name=$$1 ids=$$2; shift 2; "$$@" 2>&1 | tee -a $(BENCH_LOG); \
		echo "BENCH-RUN|$$name|$$?|$$ids" >> $(BENCH_LOG); }; \
	piece "swift package benchmark" "P1 P2 P3 P8 P10 P11" \
		bash -c 'cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --no-progress'; \
	piece "make bench-agent" "P4 P9" $(BENCH_MAKE) bench-agent; \
	piece "make bench-startup" "P5 P6" $(BENCH_MAKE) bench-startup; \
	piece "make bench-lag" "P12" $(BENCH_MAKE) bench-lag; \
	python3 Benchmarks/report.py --docs docs/performance.md $(BENCH_LOG)

# docs/performance.md P12: reading -> webhook lag with every fsync slowed to 0, 100 and 500 ms
# (an LD_PRELOAD shim), 20 s each, on the simulated board.
.PHONY: bench-lag
bench-lag: test-deps
	$(SWIFT) build -c release
	Benchmarks/lag/run.py --binary "$$($(SWIFT) build -c release --show-bin-path)/edgeflow"

# docs/performance.md P5 (stripped static binary vs an empty Swift program) and P6 (exec to
# READY=1 on a notification socket, median of 20 runs).
.PHONY: bench-startup
bench-startup: deps
	Benchmarks/startup/size-and-startup.sh

# Whole-agent benchmark (docs/performance.md P4, P9): pymodbus field of 100 devices x 100 registers,
# the release binary polling it at 1 Hz; options: Benchmarks/agent/run.sh --help.
.PHONY: bench-agent
bench-agent: test-deps
	$(SWIFT) build -c release
	Benchmarks/agent/run.sh --binary "$$($(SWIFT) build -c release --show-bin-path)/edgeflow"

clean:
	rm -rf .build .build-gpiod2 .build-gpiod2-lib .build-gpiovm-cache Benchmarks/.build dist
