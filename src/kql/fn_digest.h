/* SPDX-License-Identifier: MIT
 * Digest primitives used by the hash functions (fn_hash.c) and tested
 * against published vectors in tests/kqllib. Portable C, no library.
 * Owner: kqllib. */
#ifndef E2K_KQL_FN_DIGEST_H
#define E2K_KQL_FN_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void kql_md5(const void *data, size_t len, uint8_t out[16]);
void kql_sha1(const void *data, size_t len, uint8_t out[20]);
void kql_sha256(const void *data, size_t len, uint8_t out[32]);
uint64_t kql_xxh64(const void *data, size_t len, uint64_t seed);

#endif
