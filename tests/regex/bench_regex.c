/* SPDX-License-Identifier: MIT
 * Throughput of the regex engine (not a test; run by hand):
 *   bench_regex            prints ns/call and MB/s (CPU time) per engine
 * for yes/no matching (lazy DFA vs Pike VM) and capturing searches
 * (backtracker vs Pike VM) on typical KQL patterns. */
#include "kql/kql_regex.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double cpu_now(void) { return (double)clock() / CLOCKS_PER_SEC; }

static void bench(const char *pat, const char *s, int groups, int iters) {
  kql_regex *re = NULL;
  kql_regex_error err;
  if (kql_regex_compile(pat, strlen(pat), 0, &re, &err) != 0) {
    printf("%s: %s\n", pat, err.message);
    return;
  }
  size_t n = strlen(s);
  kql_regex_span g[8];
  for (int e = 0; e < 2; e++) {
    kql_regex_scratch *sc = kql_regex_scratch_new();
    kql_regex_scratch_set_engines(sc, e == 0 ? KQL_REGEX_ENGINES_ALL : KQL_REGEX_ENGINES_VM_ONLY);
    int hits = 0;
    double t0 = cpu_now();
    for (int i = 0; i < iters; i++)
      hits += groups ? kql_regex_search(re, s, n, 0, g, groups, sc) : kql_regex_match(re, s, n, sc);
    double dt = cpu_now() - t0;
    if (dt <= 0) dt = 1e-9;
    printf("%-44.44s %5zu B %s %-7s %9.0f ns/call %8.1f MB/s (%d hits)\n", pat, n, groups ? "search" : "match ",
           e == 0 ? "default" : "vm", dt / iters * 1e9, (double)n * iters / dt / 1e6, hits);
    kql_regex_scratch_free(sc);
  }
  kql_regex_free(re);
}

int main(void) {
  static char text[4096];
  for (size_t i = 0; i + 1 < sizeof text; i++) text[i] = "abcdefghij klmnop"[i % 17];
  static char cjk[4096];
  size_t n = 0;
  const char *w = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e text ";
  while (n + strlen(w) + 1 < sizeof cjk) {
    memcpy(cjk + n, w, strlen(w));
    n += strlen(w);
  }
  const char *ev = "Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=23, "
                   "lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01)";
  bench("^\\d{1,3}(\\.\\d{1,3}){3}$", "192.168.0.1", 0, 200000);
  bench("error|warning|fail(ed|ure)", text, 0, 2000);
  bench("\\bfoo\\w*\\b", text, 0, 2000);
  bench("(?i)timeout", text, 0, 2000);
  bench("error|warning", cjk, 0, 2000);
  bench("resourceName=([^,]*), totalSlices=(\\d+)", ev, 3, 100000);
  bench(".*resourceName=(.*),.*", ev, 2, 20000);
  bench("(\\d+)/(\\d+)/(\\d+) (\\d+):(\\d+):(\\d+)", ev, 7, 20000);
  return 0;
}
