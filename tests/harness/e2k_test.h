/* SPDX-License-Identifier: MIT
 * Tiny in-tree unit-test harness (header only). Each test executable calls
 * E2K_TEST_MAIN-style code: TEST_CHECK records a failure with file:line and
 * goes on; e2k_test_report() prints "N passed, N failed" and returns the exit
 * code. No allocation, no globals beyond two counters. */
#ifndef E2K_TESTS_HARNESS_E2K_TEST_H
#define E2K_TESTS_HARNESS_E2K_TEST_H

#include <stdio.h>
#include <string.h>
#include <stdint.h>

static int e2k_test_passed_count;
static int e2k_test_failed_count;

#define TEST_CHECK(cond) \
  do { if (cond) { e2k_test_passed_count++; } else { e2k_test_failed_count++; \
    fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

#define TEST_CHECK_MSG(cond, ...) \
  do { if (cond) { e2k_test_passed_count++; } else { e2k_test_failed_count++; \
    fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

#define TEST_EQ_INT(a, b) \
  do { long long e2k_a_ = (long long)(a), e2k_b_ = (long long)(b); \
    TEST_CHECK_MSG(e2k_a_ == e2k_b_, "%lld != %lld", e2k_a_, e2k_b_); } while (0)

#define TEST_EQ_STR(a, b) \
  do { const char *e2k_a_ = (a), *e2k_b_ = (b); \
    TEST_CHECK_MSG(e2k_a_ && e2k_b_ && strcmp(e2k_a_, e2k_b_) == 0, "\"%s\" != \"%s\"", \
      e2k_a_ ? e2k_a_ : "(null)", e2k_b_ ? e2k_b_ : "(null)"); } while (0)

/* Runs one named test function and prints its name on failure. */
#define TEST_RUN(fn) \
  do { int e2k_before_ = e2k_test_failed_count; fn(); \
    if (e2k_test_failed_count != e2k_before_) fprintf(stderr, "FAILED: %s\n", #fn); } while (0)

static inline int e2k_test_report(void) {
  printf("%d passed, %d failed\n", e2k_test_passed_count, e2k_test_failed_count);
  return e2k_test_failed_count ? 1 : 0;
}

#endif
