#!/usr/bin/env bash
# Runs the whole test suite from a clean clone and ends with one line: "N passed, N failed".
# Installs Debian's Chromium for the browser tests and the real IMAP clients when they are missing.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    echo "Installing Debian's chromium for the browser tests..."
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null 2>&1 || echo "warning: could not install chromium; browser tests will fail"
fi

# Real IMAP clients for the interoperability tests: mbsync (isync), fetchmail, curl, and interimap with
# Dovecot's imap binary as its local end (SyncClientTests); sieve-connect for ManageSieve.
missing=""
command -v sieve-test >/dev/null 2>&1 || missing="$missing dovecot-sieve" # Pigeonhole, the Sieve reference
command -v mbsync >/dev/null 2>&1 || missing="$missing isync"
command -v fetchmail >/dev/null 2>&1 || missing="$missing fetchmail"
command -v curl >/dev/null 2>&1 || missing="$missing curl"
command -v interimap >/dev/null 2>&1 || missing="$missing interimap"
[ -x /usr/lib/dovecot/imap ] || missing="$missing dovecot-imapd" # also the IMAP server ImapImportTests copies from (dovecot-core: /usr/sbin/dovecot, doveadm)
command -v sieve-connect >/dev/null 2>&1 || missing="$missing sieve-connect" # a real ManageSieve client
[ -x /usr/lib/dovecot/managesieve ] || missing="$missing dovecot-managesieved" # Pigeonhole's ManageSieve, the reference
[ -f /usr/share/publicsuffix/public_suffix_list.dat ] || missing="$missing publicsuffix" # DMARC's organisational domains
command -v rspamd >/dev/null 2>&1 || missing="$missing rspamd" # the spam filter the scanner and training tests run on loopback
if [ -n "$missing" ]; then
    echo "Installing Debian's$missing for the IMAP interop tests..."
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >/dev/null 2>&1 || true
    # shellcheck disable=SC2086 # the list is meant to split into package names
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null 2>&1 || echo "warning: could not install$missing; IMAP interop tests will fail"
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! dotnet build Webmail.sln -c Debug -nologo -v q -clp:ErrorsOnly; then
    echo "0 passed, 1 failed"
    exit 1
fi

log=$(mktemp)
dotnet test Webmail.sln --no-build -c Debug --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Sum the per-assembly summaries: "Passed!  - Failed:     0, Passed:    11, Skipped:     0, Total:    11, ..."
read -r passed failed < <(grep -E '^\s*(Passed|Failed)!\s+-\s+Failed:' "$log" | awk -F'[:,]' '{f+=$2; p+=$4} END {print p+0, f+0}')
assemblies=$(grep -cE '^\s*(Passed|Failed)!\s+-\s+Failed:' "$log")
expected=$(find tests -name '*.Tests.csproj' | wc -l)
rm -f "$log"
if [ "$assemblies" -lt "$expected" ]; then
    # A test assembly that crashed or hung prints no summary: count it as a failure.
    failed=$((failed + expected - assemblies))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
