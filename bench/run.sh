#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The benchmark: caltally against the script a user would write (report), against
# vdirsyncer (sync), a month's report from a 10-year store against the month alone, and
# a month's and a year's report from a federation's store of a million objects, and the
# server's own time for an initial sync (bench/sync_floor.py).
# Prints wall times, their ratios, caltally's peak memory and request counts.
# Needs: the venv (`make venv`), /usr/bin/time (Debian package `time`), and for the
# federation about 1 GB of disk under target/bench (its store is generated once, in a
# minute or so, by examples/gen_store.rs, and kept).
# Environment: RUNS (best of N, default 3), PEER_RUNS (default 1), SKIP_REPORT=1,
# SKIP_SYNC=1, SKIP_FEDERATION=1.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
PEER_RUNS=${PEER_RUNS:-1}
PY=.venv/bin/python
[ -x "$PY" ] || make venv >/dev/null
[ -x .venv/bin/vdirsyncer ] || .venv/bin/pip install -q -r bench/requirements.txt
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }
cargo build --release -q
BIN=${CARGO_TARGET_DIR:-target}/release/caltally
W=target/bench
mkdir -p "$W"
[ -s "$W/bench.ics" ] || $PY bench/gen_bench.py --seed 7 --out "$W/bench.ics"

# best wall time (s) and peak RSS (KB) of a command over N runs; $RESET, if set, is run
# (untimed) before each
best() {
  local n=$1; shift
  local best_t="" best_m=""
  for _ in $(seq "$n"); do
    local t0 t1
    if [ -n "${RESET:-}" ]; then eval "$RESET"; fi
    t0=$(date +%s%N)
    /usr/bin/time -f "%e %M" -o "$W/time.txt" "$@" >/dev/null 2>"$W/stderr.txt" || { cat "$W/stderr.txt" >&2; return 1; }
    t1=$(date +%s%N)
    read -r _ m < "$W/time.txt"
    t=$(awk "BEGIN{printf \"%.3f\", ($t1 - $t0) / 1e9}")
    if [ -z "$best_t" ] || awk "BEGIN{exit !($t < $best_t)}"; then best_t=$t; best_m=$m; fi
  done
  echo "$best_t $best_m"
}
ratio() { awk "BEGIN{printf \"%.0f\", $1 / ($2 > 0.005 ? $2 : 0.005)}"; }

if [ "${SKIP_REPORT:-}" != 1 ]; then
  echo "== report: $(du -h "$W/bench.ics" | cut -f1) calendar, $(grep -c '^BEGIN:VEVENT' "$W/bench.ics") VEVENTs, --year 2025"
  read -r ct cm < <(best "$RUNS" $BIN report --source "$W/bench.ics" --year 2025 --tz Europe/Brussels --out "$W/out" -q)
  read -r pt pm < <(best "$PEER_RUNS" $PY bench/peer.py "$W/bench.ics" --year 2025)
  read -r mt mm < <(best "$RUNS" $BIN report --source "$W/bench.ics" --month 2025-06 --tz Europe/Brussels --out "$W/out-month" -q)
  read -r ft fm < <(best "$RUNS" $BIN report --source "$W/bench.ics" --year 2025 --tz Europe/Brussels --format csv --out "$W/out-csv" -q)
  echo "caltally: ${ct} s, peak $((cm / 1024)) MB (every format: CSV, Markdown, spreadsheets)"
  echo "caltally, CSV only: ${ft} s, peak $((fm / 1024)) MB"
  echo "caltally, one month (--month 2025-06): ${mt} s, peak $((mm / 1024)) MB"
  echo "peer (icalendar + recurring_ical_events): ${pt} s, peak $((pm / 1024)) MB"
  echo "ratio: $(ratio "$pt" "$ct")x faster (CSV only, nearer what the peer does: $(ratio "$pt" "$ft")x)"
fi

if [ "${SKIP_FEDERATION:-}" != 1 ]; then
  # 20 collectives × 3 calendars, 20 years to 2026-11-30, synced on 2026-12-01.
  F="$W/federation"
  if [ ! -s "$F/store.db" ]; then
    rm -rf "$F"; mkdir -p "$F"
    cargo run --release -q --example gen_store -- --objects 1000000 --years 20 --end 2026-12-01 \
      --out "$F/store.db" --config "$F/caltally.toml"
  fi
  FED=(env CALTALLY_NOW=2026-12-01T09:00:00+01:00 "$BIN" --config "$F/caltally.toml")
  # "N objects read in T": the store's part of a report, from its debug log.
  objects_read() {
    "${FED[@]}" -vv report "$@" 2>&1 >/dev/null |
      sed -n 's/.*debug: \([0-9]*\) object(s) of the store.*read in \(.*\)$/\1 objects read in \2/p'
  }
  echo
  echo "== federation: a store of $(du -h "$F/store.db" | cut -f1), 1,000,000 objects in 60 calendars of 20 sources, 20 years"
  # Untimed first: brings a store written by an older caltally up to date, warms the cache.
  "${FED[@]}" report --month 2026-11 --out "$W/federation-month" -q
  "${FED[@]}" report --year 2025 --out "$W/federation-year" -q
  read -r fm fmm < <(best "$RUNS" "${FED[@]}" report --month 2026-11 --out "$W/federation-month" -q)
  read -r fy fym < <(best "$RUNS" "${FED[@]}" report --year 2025 --out "$W/federation-year" -q)
  fmo=$(objects_read --month 2026-11 --out "$W/federation-month")
  fyo=$(objects_read --year 2025 --out "$W/federation-year")
  echo "month (2026-11, with 2026-10 to compare): ${fm} s, peak $((fmm / 1024)) MB, ${fmo} (goal ≤ 0.2 s, ≤ 100 MB)"
  echo "year (2025, with 2024 to compare): ${fy} s, peak $((fym / 1024)) MB, ${fyo} (goal ≤ 2 s)"
fi

[ "${SKIP_SYNC:-}" = 1 ] && exit 0

# A Radicale holding the objects, written straight into its storage.
start_radicale() { # $1 = dir, $2 = port
  mkdir -p "$1/storage"; printf 'alice:secret\n' > "$1/users"
  cat > "$1/config" <<CONF
[server]
hosts = 127.0.0.1:$2
[auth]
type = htpasswd
htpasswd_filename = $1/users
htpasswd_encryption = plain
delay = 0
[storage]
filesystem_folder = $1/storage
[logging]
level = info
CONF
  .venv/bin/radicale --config "$1/config" > "$1/log" 2>&1 &
  echo $! > "$1/pid"
  until curl -s -o /dev/null "http://127.0.0.1:$2/"; do sleep 0.1; done
}
stop_radicale() { kill "$(cat "$1/pid")" 2>/dev/null || true; }
requests() { grep -c ' request for ' "$1/log" || true; }
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo
echo "== sync: 5,000 objects from Radicale"
R="$W/radicale-5k"; rm -rf "$R"; mkdir -p "$R"
$PY bench/seed_radicale.py "$W/bench.ics" "$R/storage" alice work --limit 5000 >/dev/null
PORT=$(free_port); start_radicale "$R" "$PORT"
trap 'stop_radicale "$R"; [ -n "${R10:-}" ] && stop_radicale "$R10"' EXIT
cat > "$R/caltally.toml" <<CONF
timezone = "Europe/Brussels"
store = "store.db"
[[source]]
caldav = "http://127.0.0.1:$PORT/"
username = "alice"
password_env = "BENCH_PASSWORD"
CONF
export BENCH_PASSWORD=secret
# Radicale parses each item on its first read and caches it: warm the cache once with a
# throwaway sync, so both clients are timed on the same warm server.
sed 's/store.db/warmup.db/' "$R/caltally.toml" > "$R/warmup.toml"
$BIN -q --config "$R/warmup.toml" sync
# Each initial sync starts from nothing (best of $RUNS): caltally without a store,
# vdirsyncer with an empty folder and no status but the collection `discover` found.
# Before each of caltally's syncs, the server's own time for the same data: the listing
# and the multigets, 2 in flight, sent by a client that does nothing else
# (bench/sync_floor.py); alternated, so that both meet the machine in the same state.
cs="" cm="" floor="" c_req=0
for _ in $(seq "$RUNS"); do
  t=$($PY bench/sync_floor.py "http://127.0.0.1:$PORT/alice/work/" alice secret | cut -d' ' -f1)
  if [ -z "$floor" ] || awk "BEGIN{exit !($t < $floor)}"; then floor=$t; fi
  rm -f "$R/store.db" "$R/store.db-wal" "$R/store.db-shm"
  before=$(requests "$R")
  read -r t m < <(best 1 $BIN --config "$R/caltally.toml" sync)
  c_req=$(( c_req + $(requests "$R") - before ))
  if [ -z "$cs" ] || awk "BEGIN{exit !($t < $cs)}"; then cs=$t; cm=$m; fi
done
c_req=$(( c_req / RUNS ))
before=$(requests "$R")
read -r cs2 _ < <(best 1 $BIN --config "$R/caltally.toml" sync)
c_req2=$(( $(requests "$R") - before ))
mkdir -p "$R/vdir" "$R/vstatus"
# vdirsyncer reads status_path from the config file's folder: absolute paths.
RA="$PWD/$R"
cat > "$R/vdirsyncer.conf" <<CONF
[general]
status_path = "$RA/vstatus"
[pair cal]
a = "remote"
b = "local"
collections = ["work"]
[storage remote]
type = "caldav"
url = "http://127.0.0.1:$PORT/"
username = "alice"
password = "secret"
[storage local]
type = "filesystem"
path = "$RA/vdir"
fileext = ".ics"
CONF
export VDIRSYNCER_CONFIG="$R/vdirsyncer.conf"
{ yes || true; } | .venv/bin/vdirsyncer discover >/dev/null 2>&1 || true
before=$(requests "$R")
read -r vs _ < <(RESET="rm -f '$RA'/vstatus/cal/work.items; find '$RA/vdir' -name '*.ics' -delete" \
  best "$RUNS" .venv/bin/vdirsyncer sync)
v_req=$(( ($(requests "$R") - before) / RUNS ))
before=$(requests "$R")
read -r vs2 _ < <(best 1 .venv/bin/vdirsyncer sync)
v_req2=$(( $(requests "$R") - before ))
echo "initial sync: caltally ${cs} s (${c_req} requests, peak $((cm / 1024)) MB), vdirsyncer ${vs} s (${v_req} requests)"
echo "the server's own time for that sync's listing and multigets (a client doing nothing else, alternated with caltally's): ${floor} s (goal for caltally ≤ 1.5 s)"
echo "nothing changed: caltally ${cs2} s (${c_req2} requests), vdirsyncer ${vs2} s (${v_req2} requests)"
# The nightly job on the same store: an unchanged sync, then this month's and last month's
# reports written atomically (no [mail] here: sending is measured by the mail tests).
sed -i '1i output = "reports"' "$R/caltally.toml"
before=$(requests "$R")
read -r cn cnm < <(best "$RUNS" env CALTALLY_NOW=2025-04-02T02:30:00+02:00 $BIN --config "$R/caltally.toml" run)
c_reqn=$(( ($(requests "$R") - before) / RUNS ))
echo "nightly run (unchanged sync + 2 months of reports): caltally ${cn} s (${c_reqn} requests, peak $((cnm / 1024)) MB)"
stop_radicale "$R"

echo
echo "== a month's report from a store of 10 years (50,000 objects) vs that month alone"
R10="$W/radicale-50k"
if [ ! -s "$R10/store.db" ]; then
  rm -rf "$R10"; mkdir -p "$R10"
  $PY bench/seed_radicale.py "$W/bench.ics" "$R10/storage" alice work >/dev/null
  PORT=$(free_port); start_radicale "$R10" "$PORT"
  printf 'timezone = "Europe/Brussels"\nstore = "store.db"\n[[source]]\ncaldav = "http://127.0.0.1:%s/"\nusername = "alice"\npassword_env = "BENCH_PASSWORD"\ntimeout = 3600\n' "$PORT" > "$R10/caltally.toml"
  $BIN -q --config "$R10/caltally.toml" sync   # once; kept in target/bench for the next runs
  stop_radicale "$R10"
fi
objects=$($PY -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from objects').fetchone()[0])" "$R10/store.db")
# The month's objects alone, as one file: every VEVENT of a UID with an entry in March 2025.
$BIN report --source "$W/bench.ics" --month 2025-03 --tz Europe/Brussels --out "$W/month" -q --format csv
$PY - "$W/bench.ics" "$W/month/entries.csv" "$W/month.ics" <<'PYEOF'
import csv, sys, icalendar
uids = {r["uid"] for r in csv.DictReader(open(sys.argv[2], encoding="utf-8"))}
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
out = icalendar.Calendar(); out.add("VERSION", "2.0"); out.add("PRODID", "-//caltally//bench//EN")
for c in cal.walk("VTIMEZONE"): out.add_component(c)
for ev in cal.walk("VEVENT"):
    if str(ev["UID"]) in uids: out.add_component(ev)
open(sys.argv[3], "wb").write(out.to_ical())
PYEOF
read -r st sm < <(best "$RUNS" $BIN --config "$R10/caltally.toml" report --month 2025-03 --out "$W/from-store" -q)
read -r mt _ < <(best "$RUNS" $BIN report --source "$W/month.ics" --month 2025-03 --tz Europe/Brussels --out "$W/alone" -q)
echo "store of ${objects} objects: ${st} s (peak $((sm / 1024)) MB); the month's objects alone: ${mt} s; ratio $(awk "BEGIN{printf \"%.2f\", $st / ($mt > 0.001 ? $mt : 0.001)}")"
