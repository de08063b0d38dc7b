#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the .deb built by `make deb` into a throw-away root with `dpkg --root`, checks
# that it holds the binary, the man page, the completions and the systemd units, runs
# `caltally --version` from it, then removes it. Usage: tests/deb/install.sh FILE.deb
set -euo pipefail
deb=${1:?usage: $0 FILE.deb}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail() { echo "deb test: $*" >&2; exit 1; }

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
[ "$(dpkg-deb -f "$deb" Package)" = caltally ] || fail "package name"
dpkg-deb -f "$deb" Version | grep -q "^$version" || fail "version is not $version"

# Declare the package's dependencies as installed in the root, from this machine's status.
mkdir -p "$root/var/lib/dpkg/info"
: > "$root/var/lib/dpkg/status"
for dep in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/[ (].*//; s/^ *//' | grep -v '^$'); do
  dpkg-query -s "$dep" >> "$root/var/lib/dpkg/status" || fail "dependency $dep is not installed here"
  echo >> "$root/var/lib/dpkg/status"
  touch "$root/var/lib/dpkg/info/$dep.list"
done

dpkg --root="$root" --force-not-root -i "$deb" >/dev/null
[ "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Status}' caltally)" = "install ok installed" ] \
  || fail "not installed"
for f in usr/bin/caltally usr/share/bash-completion/completions/caltally \
         usr/share/zsh/vendor-completions/_caltally usr/share/fish/vendor_completions.d/caltally.fish \
         lib/systemd/system/caltally.service lib/systemd/system/caltally.timer \
         usr/share/doc/caltally/examples/config.toml; do
  [ -s "$root/$f" ] || fail "$f is missing"
done
# The listing is read whole: `grep -q` closing the pipe early would fail it under pipefail.
listing=$(dpkg-deb -c "$deb")
grep -q "usr/share/man/man1/caltally.1" <<<"$listing" || fail "the man page is missing"
out=$("$root/usr/bin/caltally" --version)
[ "$out" = "caltally $version" ] || fail "--version printed '$out'"
bash -c "source '$root/usr/share/bash-completion/completions/caltally'; complete -p caltally" >/dev/null \
  || fail "the installed bash completion does not load"

dpkg --root="$root" --force-not-root -P caltally >/dev/null
[ ! -e "$root/usr/bin/caltally" ] || fail "purge left the binary"
echo "deb test: $(basename "$deb") installs, runs ($out) and purges cleanly"
