# SPDX-License-Identifier: GPL-3.0-or-later
# `make check` is the single gate: format, lints, tests (with the Python oracle) and docs.

VENV ?= .venv
PYTHON ?= python3
export CALTALLY_PYTHON ?= $(abspath $(VENV))/bin/python

.PHONY: check fmt lint test doc venv bench demo clean fuzz

check: fmt lint test doc

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
