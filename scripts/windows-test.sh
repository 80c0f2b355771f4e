#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cross-builds etw2kusto.exe with mingw-w64 (cmake/mingw-w64.cmake) into
# build-win and checks it under Wine, headless, in a fresh WINEPREFIX:
#   1. the exe imports only OS DLLs;  2. --help runs;  3. session: fails fast
#   with a clear message (Wine has no real-time ETW);  4. file mode JSON output
#   is byte-identical to the Linux build for every sample trace;  5. every
#   CTest test of build-win passes under Wine (tests/windows/wine_ctest.py).
# Exit: 0 all passed, 1 a check failed, 77 wine is not installed (skip).
# Usage: scripts/windows-test.sh [--linux-bin PATH] [--build-dir DIR] [--no-ctest]
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
linux_bin=""
build="${E2K_WIN_BUILD:-$root/build-win}"
run_ctest=1
while [ $# -gt 0 ]; do
  case "$1" in
    --linux-bin) linux_bin="$2"; shift 2 ;;
    --build-dir) build="$2"; shift 2 ;;
    --no-ctest) run_ctest=0; shift ;;
    *) echo "windows-test.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

if ! command -v wine >/dev/null 2>&1; then
  echo "SKIP: wine is not installed (apt-get install wine wine64)"
  exit 77
fi
if ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
  echo "FAIL: wine is installed but mingw-w64 is not (apt-get install gcc-mingw-w64-x86-64)" >&2
  exit 1
fi

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# ---- build ----
gen=()
if command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" "${gen[@]}" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64.cmake" \
    -DE2K_TESTS=ON >"$build.configure.log" 2>&1 || {
    cat "$build.configure.log"; echo "FAIL: cmake configure of $build"; exit 1; }
fi
if ! cmake --build "$build" -j2 >"$build.build.log" 2>&1; then
  tail -40 "$build.build.log"
  echo "FAIL: cross build in $build (full log: $build.build.log)"
  exit 1
fi
exe="$build/etw2kusto.exe"
[ -f "$exe" ] || { echo "FAIL: $exe was not built"; exit 1; }
pass "cross build ($exe, $(stat -c %s "$exe") bytes)"

# ---- 1. only OS DLLs ----
os_dlls='^(kernel32|advapi32|msvcrt|ucrtbase|api-ms-win-[a-z0-9-]+|ntdll|winhttp|tdh|ole32|oleaut32|ws2_32|bcrypt|crypt32|shell32|user32|xmllite|secur32|rpcrt4|shlwapi)\.dll$'
dlls=$(x86_64-w64-mingw32-objdump -p "$exe" | awk '/DLL Name:/ {print $3}' | tr 'A-Z' 'a-z' | sort -u)
bad=$(echo "$dlls" | grep -Ev "$os_dlls" || true)
if [ -z "$bad" ]; then pass "imports only OS DLLs: $(echo $dlls)"; else fail "non-OS DLL imports: $bad"; fi

# ---- Wine, headless, fresh prefix ----
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
WINEPREFIX=$(mktemp -d /tmp/e2k-wine.XXXXXX)
export WINEPREFIX
unset DISPLAY WAYLAND_DISPLAY
tmp=$(mktemp -d /tmp/e2k-wintest.XXXXXX)
cleanup() {
  wineserver -k >/dev/null 2>&1 || true
  rm -rf "$WINEPREFIX" "$tmp"
}
trap cleanup EXIT
timeout 300 wineboot -i >/dev/null 2>&1 || true
# Keep one wineserver for the whole run: harnesses start thousands of short
# processes (KQL corpus), and a cold wineserver per process costs seconds.
wineserver -p >/dev/null 2>&1 || true

# ---- 2. --help ----
if timeout 120 wine "$exe" --help >"$tmp/help.out" 2>"$tmp/help.err" && [ -s "$tmp/help.out" ]; then
  pass "wine etw2kusto.exe --help ($(wc -l <"$tmp/help.out") lines)"
else
  fail "wine etw2kusto.exe --help: $(head -3 "$tmp/help.err")"
fi

# ---- 3. session: fails fast under Wine ----
start=$(date +%s)
timeout 60 wine "$exe" session:e2k-wine-no-such-session </dev/null >"$tmp/sess.out" 2>"$tmp/sess.err"
rc=$?
took=$(( $(date +%s) - start ))
if [ "$rc" -eq 124 ]; then
  fail "session: under Wine hung (killed after 60 s)"
elif [ "$rc" -eq 0 ]; then
  fail "session: under Wine exited 0 (expected a clear failure)"
elif grep -qi 'session' "$tmp/sess.err" && grep -qiE 'real-time|ETW' "$tmp/sess.err"; then
  pass "session: fails fast under Wine (exit $rc in ${took}s): $(head -1 "$tmp/sess.err")"
else
  fail "session: under Wine: exit $rc but no clear message: $(head -3 "$tmp/sess.err")"
fi

# ---- 4. byte-identical file-mode JSON ----
if [ -z "$linux_bin" ] && [ -x "$root/build/etw2kusto" ]; then linux_bin="$root/build/etw2kusto"; fi
if [ -z "$linux_bin" ] || [ ! -x "$linux_bin" ]; then
  fail "no Linux etw2kusto to compare with (pass --linux-bin PATH)"
else
  data="$root/tests/data/etl"
  same=0; total=0
  while IFS= read -r rel; do
    total=$((total + 1))
    (cd "$data" && timeout 600 "$linux_bin" "file:$rel" format:json >"$tmp/linux.json" 2>"$tmp/linux.err")
    lrc=$?
    (cd "$data" && timeout 600 wine "$exe" "file:$rel" format:json >"$tmp/win.json" 2>"$tmp/win.err")
    wrc=$?
    if [ "$lrc" -ne "$wrc" ]; then
      fail "file:$rel exit code linux=$lrc windows=$wrc ($(head -1 "$tmp/win.err"))"
    elif ! cmp -s "$tmp/linux.json" "$tmp/win.json"; then
      fail "file:$rel JSON differs: $(cmp "$tmp/linux.json" "$tmp/win.json" 2>&1 | head -1)"
    else
      same=$((same + 1))
      echo "  same: file:$rel ($(stat -c %s "$tmp/win.json") bytes, exit $wrc)"
    fi
  done < <(cd "$data" && find . -type f \( -name '*.etl' -o -name '*.etl.zip' \) | sed 's|^\./||' | LC_ALL=C sort)
  if [ "$total" -gt 0 ] && [ "$same" -eq "$total" ]; then
    pass "file mode JSON byte-identical Linux vs Windows for $same/$total sample traces"
  else
    fail "file mode JSON identical for only $same/$total sample traces"
  fi
fi

# ---- 5. every CTest test of build-win under Wine ----
# Target tests run through CMake's emulator (wine); Python harnesses (KQL
# corpus runner, Kusto upload tests against the local test servers, CLI tests)
# get their .exe arguments wrapped so the Windows binaries (and WinHTTP) are
# what they drive. E2K_WINE_CTEST_EXCLUDE: regex of test names to leave out.
if [ "$run_ctest" -eq 1 ]; then
  if timeout 3000 python3 "$root/tests/windows/wine_ctest.py" "$build" \
      ${E2K_WINE_CTEST_EXCLUDE:+--exclude "$E2K_WINE_CTEST_EXCLUDE"} >"$tmp/ctest.log" 2>&1; then
    pass "build-win tests under Wine: $(tail -1 "$tmp/ctest.log")"
  else
    grep -v '^PASS ' "$tmp/ctest.log" | tail -80
    fail "build-win tests under Wine: $(tail -1 "$tmp/ctest.log")"
  fi
fi

if [ "$failures" -ne 0 ]; then
  echo "windows-test: $failures check(s) failed"
  exit 1
fi
echo "windows-test: all checks passed"
exit 0
