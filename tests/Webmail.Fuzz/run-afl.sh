#!/usr/bin/env bash
# Fuzzes one target with AFL++ for a number of minutes and prints a summary (docs/fuzzing.md).
#   tests/Webmail.Fuzz/run-afl.sh mime 20
#   tests/Webmail.Fuzz/run-afl.sh html 20
# Installs Debian's afl++ when afl-fuzz is missing and the SharpFuzz.CommandLine tool into the work folder,
# builds the target in Release into the work folder, instruments the assemblies the target exercises, seeds
# the input folder from the resilience corpus and seeds/<target>/, then runs one afl-fuzz under nice -n 19.
# Everything it writes goes under $WEBMAIL_FUZZ_DIR (default /tmp/webmail-fuzz), never into the repository.
# Settings: WEBMAIL_FUZZ_TIMEOUT_MS (per-input time bound, default 3000), WEBMAIL_FUZZ_HEAP_MB (managed heap
# bound, default 1024: an input that needs more ends in OutOfMemoryException, which AFL records as a crash).
set -euo pipefail

target=${1:-}
minutes=${2:-20}
if [[ "$target" != mime && "$target" != html ]] || ! [[ "$minutes" =~ ^[0-9]+$ ]] || [ "$minutes" -lt 1 ]; then
    echo "usage: $0 mime|html [minutes]" >&2
    exit 2
fi

repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${WEBMAIL_FUZZ_DIR:-/tmp/webmail-fuzz}
timeout_ms=${WEBMAIL_FUZZ_TIMEOUT_MS:-3000}
heap_mb=${WEBMAIL_FUZZ_HEAP_MB:-1024}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v afl-fuzz >/dev/null; then
    echo "Installing Debian's afl++..."
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq afl++ >/dev/null
fi

sharpfuzz="$work/tools/sharpfuzz"
if [ ! -x "$sharpfuzz" ]; then
    echo "Installing SharpFuzz.CommandLine 2.3.0 into $work/tools..."
    dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$work/tools" >/dev/null
fi

# A fresh output folder every run: instrumentation rewrites the assemblies in place.
bin="$work/$target/bin"
rm -rf "$bin"
echo "Building tests/Webmail.Fuzz (Release) into $bin..."
dotnet build "$repo/tests/Webmail.Fuzz/Webmail.Fuzz.csproj" -c Release -o "$bin" -nologo -v q -clp:ErrorsOnly >/dev/null

# Seeds come from the uninstrumented build: small versions of the corpus' generators plus the hand-written ones.
seeds="$work/$target/seeds"
rm -rf "$seeds" "$work/$target/generated"
dotnet "$bin/Webmail.Fuzz.dll" seeds "$work/$target/generated"
mkdir -p "$seeds"
cp "$work/$target/generated/$target"/* "$repo/tests/Webmail.Fuzz/seeds/$target"/* "$seeds/"

# Only what the target exercises is instrumented: coverage of unrelated code (the Blazor UI, SQLite's
# managed wrapper) would only dilute AFL's 64 KB map. In Webmail.dll only the Webmail.Mail namespace
# (SafeHtml, MessageReader) is on either path.
instrument() { "$sharpfuzz" "$bin/$1" "${@:2}" >/dev/null; echo "  instrumented $1 ${*:2}"; }
echo "Instrumenting..."
instrument Webmail.dll Webmail.Mail
instrument Webmail.Core.dll
if [ "$target" = mime ]; then
    instrument Webmail.Storage.dll
    instrument MimeKit.dll
else
    instrument HtmlSanitizer.dll
    instrument AngleSharp.dll
    instrument AngleSharp.Css.dll
fi

out="$work/$target/out-$(date -u +%Y%m%dT%H%M%SZ)"
echo "Fuzzing $target for $minutes minutes (afl-fuzz -t $timeout_ms, heap bound $heap_mb MB), output in $out"
start=$(date +%s)
# AFL_SKIP_BIN_CHECK: dotnet itself is not instrumented, SharpFuzz speaks AFL's fork-server protocol.
# AFL_NO_AFFINITY: the machine is shared; let the scheduler place the (niced) process.
AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 \
AFL_NO_UI=1 AFL_FORKSRV_INIT_TMOUT=60000 DOTNET_GCHeapHardLimit=$(printf '0x%x' $((heap_mb * 1024 * 1024))) \
    nice -n 19 afl-fuzz -i "$seeds" -o "$out" -t "$timeout_ms" -m none -V $((minutes * 60)) \
    -- dotnet "$bin/Webmail.Fuzz.dll" "$target" > "$out.log" 2>&1 || {
        echo "afl-fuzz failed; the end of its log ($out.log):" >&2
        tail -n 30 "$out.log" >&2
        exit 1
    }

stats="$out/default/fuzzer_stats"
stat() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
crashes=$(find "$out/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
hangs=$(find "$out/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
echo
echo "== afl-fuzz $target: $(date -u +%Y-%m-%d), $(nproc) cores, $(( $(date +%s) - start )) s wall"
echo "execs:        $(stat execs_done) ($(stat execs_per_sec) exec/s on average, $(stat execs_ps_last_min) in the last minute)"
echo "paths:        $(stat corpus_count) in the queue ($(stat corpus_found) found), bitmap coverage $(stat bitmap_cvg), stability $(stat stability)"
echo "crashes:      $crashes"
echo "hangs:        $hangs"
echo "output:       $out"
if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
    echo "Replay them (prints each input's exception or time):"
    echo "  dotnet $bin/Webmail.Fuzz.dll $target --check $out/default/crashes $out/default/hangs"
fi
