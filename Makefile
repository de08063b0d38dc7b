# SPDX-License-Identifier: GPL-3.0-or-later
# `make check` is the single gate: format, lints, tests (with the Python oracle) and docs.

VENV ?= .venv
PYTHON ?= python3
export CALTALLY_PYTHON ?= $(abspath $(VENV))/bin/python

.PHONY: check fmt lint test doc venv bench demo clean deb deb-test fuzz

check: fmt lint test doc deb-test

fmt:
	cargo fmt --all -- --check

lint:
	cargo clippy --all-targets --locked -- -D warnings

test: venv
	cargo test --locked

doc:
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked

# Test-only Python tools: the independent oracle (icalendar + recurring_ical_events).
venv: $(VENV)/.installed

$(VENV)/.installed: tests/oracle/requirements.txt tests/servers/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/oracle/requirements.txt -r tests/servers/requirements.txt
	touch $@

# The Debian package: a release build, its man page and completions generated from the
# binary, then cargo-deb (installed by .ci/run) without a second build.
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
DEB_ASSETS := build/deb

deb:
	cargo build --release --locked
	mkdir -p $(DEB_ASSETS)
	$(TARGET_DIR)/release/caltally man > $(DEB_ASSETS)/caltally.1
	$(TARGET_DIR)/release/caltally completions bash > $(DEB_ASSETS)/caltally.bash
	$(TARGET_DIR)/release/caltally completions zsh > $(DEB_ASSETS)/_caltally
	$(TARGET_DIR)/release/caltally completions fish > $(DEB_ASSETS)/caltally.fish
	cargo deb --no-build --locked --output $(TARGET_DIR)/debian/caltally.deb

# Installs the package into a throw-away root (dpkg --root) and runs it from there.
deb-test: deb
	bash tests/deb/install.sh $(TARGET_DIR)/debian/caltally.deb

bench: venv
	bash bench/run.sh

# Not part of `check`: runs each fuzz target for FUZZ_SECONDS (nightly and cargo-fuzz).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = parse_expand caldav_xml

fuzz:
	@command -v cargo-fuzz >/dev/null || { echo "make fuzz needs cargo-fuzz: cargo install cargo-fuzz (and a nightly toolchain)"; exit 2; }
	mkdir -p fuzz/corpus/parse_expand fuzz/corpus/caldav_xml
	cp -n fixtures/ical/*.ics fixtures/hostile/*.ics fuzz/corpus/parse_expand/
	cp -n fixtures/caldav/*.xml fuzz/corpus/caldav_xml/
	cd fuzz && for t in $(FUZZ_TARGETS); do \
		cargo +nightly fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=1024 || exit 1; \
	done

demo:
	cargo run --release -- --config fixtures/demo/caltally.toml report --month 2026-10

clean:
	cargo clean
	rm -rf $(VENV) reports
