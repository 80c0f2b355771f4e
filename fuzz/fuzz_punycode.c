/* SPDX-License-Identifier: MIT
 * libFuzzer target for the Punycode decoder/encoder (fn_misc2_punycode.c):
 * the raw input is passed as a string to all four punycode_* functions.
 * Each call must return without UB or leaks. Owner: series. */
#include <stdint.h>
#include <string.h>

#include "kql/kql_fn.h"

static const char *const fuzz_pc_names[] = {"punycode_to_string", "punycode_from_string",
                                            "punycode_domain_from_string", "punycode_domain_to_string"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (size_t k = 0; k < sizeof fuzz_pc_names / sizeof fuzz_pc_names[0]; k++) {
    const kql_fn_def *d = kql_fn_lookup(fuzz_pc_names[k], strlen(fuzz_pc_names[k]));
    if (!d) continue;
    kv_value arg = kv_string((const char *)data, size);
    void *site = NULL;
    void (*site_free)(void *) = NULL;
    bool is_const = true;
    kql_error err;
    memset(&err, 0, sizeof err);
    kql_fn_ctx ctx = {&site, &site_free, &is_const, &err, 0};
    kv_release(d->fn(&ctx, &arg, 1));
    kv_release(arg);
  }
  return 0;
}
