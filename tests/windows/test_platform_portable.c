/* SPDX-License-Identifier: MIT
 * platform.h behaviour that both implementations must share, run natively
 * (posix.c) and under Wine (win32.c): UTF-8 file names, positioned reads,
 * append/replace, directory listing and glob order, threads and condition
 * timeouts, clocks, randomness, environment, and process capture. */
#include "platform/platform.h"

#include <stdlib.h>
#include <string.h>

#include "e2k_test.h"

#define DIR_ROOT "plat_portable_tmp"

static int write_file(const char *path, const char *text, bool append) {
  plat_file *f;
  if (plat_file_open_write(path, append, &f) != 0) return -1;
  int rc = plat_file_write(f, text, strlen(text));
  if (rc == 0) rc = plat_file_sync(f);
  plat_file_close(f);
  return rc;
}

static void cleanup(void) {
  char **names;
  size_t n;
  const char *dirs[] = {DIR_ROOT "/a/b/\xc3\xbc", DIR_ROOT "/a/b", DIR_ROOT "/a", DIR_ROOT};
  for (size_t d = 0; d < 4; d++) {
    if (plat_list_dir(dirs[d], &names, &n) == 0) {
      for (size_t i = 0; i < n; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dirs[d], names[i]);
        if (!plat_is_directory(p)) plat_remove(p);
      }
      plat_free_list(names, n);
    }
    plat_remove(dirs[d]);
  }
}

static void test_files(void) {
  cleanup();
  TEST_EQ_INT(plat_mkdir_p(DIR_ROOT "/a/b/\xc3\xbc"), 0);
  TEST_CHECK(plat_is_directory(DIR_ROOT "/a/b/\xc3\xbc"));
  TEST_EQ_INT(plat_mkdir_p(DIR_ROOT "/a/b/\xc3\xbc"), 0); /* exists: fine */
  /* UTF-8 name: n-tilde, Cyrillic, CJK. */
  const char *uname = DIR_ROOT "/a/\xc3\xb1-\xd1\x84\xd0\xb0\xd0\xb9\xd0\xbb-\xe6\x97\xa5.txt";
  TEST_EQ_INT(write_file(uname, "hello ", false), 0);
  TEST_EQ_INT(write_file(uname, "world", true), 0);
  TEST_CHECK(plat_path_exists(uname));
  TEST_CHECK(!plat_is_directory(uname));
  char *data = NULL;
  size_t len = 0;
  TEST_EQ_INT(plat_read_all(uname, &data, &len), 0);
  TEST_EQ_INT(len, 11);
  TEST_EQ_STR(data, "hello world");
  free(data);

  plat_file *f;
  TEST_EQ_INT(plat_file_open_read(uname, &f), 0);
  uint64_t size = 0;
  TEST_EQ_INT(plat_file_size(f, &size), 0);
  TEST_EQ_INT(size, 11);
  char buf[32];
  size_t got = 0;
  TEST_EQ_INT(plat_file_read_at(f, 6, buf, 5, &got), 0);
  TEST_EQ_INT(got, 5);
  TEST_CHECK(memcmp(buf, "world", 5) == 0);
  TEST_EQ_INT(plat_file_read_at(f, 8, buf, 10, &got), 0); /* short read at EOF */
  TEST_EQ_INT(got, 3);
  TEST_EQ_INT(plat_file_read_at(f, (uint64_t)5 << 32, buf, 10, &got), 0); /* far past EOF */
  TEST_EQ_INT(got, 0);
  plat_file_close(f);

  /* Truncating open, then atomic replace by rename. */
  TEST_EQ_INT(write_file(DIR_ROOT "/a/new.tmp", "replacement", false), 0);
  TEST_EQ_INT(plat_rename(DIR_ROOT "/a/new.tmp", uname), 0);
  TEST_CHECK(!plat_path_exists(DIR_ROOT "/a/new.tmp"));
  TEST_EQ_INT(plat_read_all(uname, &data, &len), 0);
  TEST_EQ_STR(data, "replacement");
  free(data);

  TEST_CHECK(plat_file_open_read(DIR_ROOT "/a/missing.etl", &f) != 0);
  TEST_CHECK(strlen(plat_last_error()) > 0);
  TEST_CHECK(plat_file_open_read(DIR_ROOT "/a", &f) != 0); /* a directory is not a file */

  /* Listing and glob: sorted by bytes, '*' and '?' in the last component. */
  TEST_EQ_INT(write_file(DIR_ROOT "/a/b/z2.etl", "x", false), 0);
  TEST_EQ_INT(write_file(DIR_ROOT "/a/b/a1.etl", "x", false), 0);
  TEST_EQ_INT(write_file(DIR_ROOT "/a/b/m.txt", "x", false), 0);
  char **names;
  size_t n;
  TEST_EQ_INT(plat_list_dir(DIR_ROOT "/a/b", &names, &n), 0);
  TEST_EQ_INT(n, 4);
  if (n == 4) {
    TEST_EQ_STR(names[0], "a1.etl");
    TEST_EQ_STR(names[1], "m.txt");
    TEST_EQ_STR(names[2], "z2.etl");
    TEST_EQ_STR(names[3], "\xc3\xbc");
  }
  plat_free_list(names, n);
  TEST_EQ_INT(plat_glob(DIR_ROOT "/a/b/*.etl", &names, &n), 0);
  TEST_EQ_INT(n, 2);
  if (n == 2) {
    TEST_EQ_STR(names[0], DIR_ROOT "/a/b/a1.etl");
    TEST_EQ_STR(names[1], DIR_ROOT "/a/b/z2.etl");
  }
  plat_free_list(names, n);
  TEST_EQ_INT(plat_glob(DIR_ROOT "/a/b/?1.etl", &names, &n), 0);
  TEST_EQ_INT(n, 1);
  plat_free_list(names, n);
  TEST_EQ_INT(plat_glob(DIR_ROOT "/a/b/*.nothing", &names, &n), 0);
  TEST_EQ_INT(n, 0);
  plat_free_list(names, n);
  TEST_EQ_INT(plat_glob(DIR_ROOT "/a/b/m.txt", &names, &n), 0); /* no wildcard: itself */
  TEST_EQ_INT(n, 1);
  plat_free_list(names, n);
  TEST_CHECK(plat_has_wildcard("x/*.etl"));
  TEST_CHECK(plat_has_wildcard("x?.etl"));
  TEST_CHECK(!plat_has_wildcard("x.etl"));
  cleanup();
  /* platform.h does not promise that plat_remove() deletes directories (posix.c
   * unlinks files only), so only the files are checked to be gone. */
  TEST_CHECK(!plat_path_exists(uname));
  TEST_CHECK(!plat_path_exists(DIR_ROOT "/a/b/a1.etl"));
}

typedef struct counter {
  plat_mutex *m;
  plat_cond *c;
  long value;
  int done;
} counter;

static void worker(void *arg) {
  counter *k = arg;
  for (int i = 0; i < 10000; i++) {
    plat_mutex_lock(k->m);
    k->value++;
    plat_mutex_unlock(k->m);
  }
  plat_mutex_lock(k->m);
  k->done++;
  plat_cond_broadcast(k->c);
  plat_mutex_unlock(k->m);
}

static void test_threads(void) {
  counter k = {plat_mutex_new(), plat_cond_new(), 0, 0};
  TEST_CHECK(k.m && k.c);
  plat_thread *t1, *t2;
  TEST_EQ_INT(plat_thread_start(&t1, worker, &k), 0);
  TEST_EQ_INT(plat_thread_start(&t2, worker, &k), 0);
  plat_mutex_lock(k.m);
  while (k.done < 2) plat_cond_wait_ms(k.c, k.m, 1000);
  plat_mutex_unlock(k.m);
  plat_thread_join(t1);
  plat_thread_join(t2);
  TEST_EQ_INT(k.value, 20000);
  /* A wait nobody signals times out, after roughly the timeout. */
  uint64_t t0 = plat_monotonic_ns();
  plat_mutex_lock(k.m);
  bool signalled = plat_cond_wait_ms(k.c, k.m, 50);
  plat_mutex_unlock(k.m);
  uint64_t waited_ms = (plat_monotonic_ns() - t0) / 1000000u;
  TEST_CHECK(!signalled);
  TEST_CHECK_MSG(waited_ms >= 30 && waited_ms < 5000, "waited %llu ms", (unsigned long long)waited_ms);
  plat_cond_free(k.c);
  plat_mutex_free(k.m);
}

static void test_clock_random_env(void) {
  /* 2020-01-01 and 2100-01-01 in Kusto ticks. */
  int64_t now = plat_now_ticks();
  TEST_CHECK(now > 637134336000000000LL && now < 662380416000000000LL);
  uint64_t a = plat_monotonic_ns();
  plat_sleep_ms(20);
  uint64_t b = plat_monotonic_ns();
  TEST_CHECK(b - a >= 15000000u);
  uint8_t r1[32], r2[32], zero[32] = {0};
  TEST_EQ_INT(plat_random_bytes(r1, sizeof r1), 0);
  TEST_EQ_INT(plat_random_bytes(r2, sizeof r2), 0);
  TEST_CHECK(memcmp(r1, zero, 32) != 0 && memcmp(r1, r2, 32) != 0);
  TEST_CHECK(plat_getenv("PATH") != NULL);
  TEST_CHECK(plat_getenv("E2K_SURELY_NOT_SET_1234") == NULL);
  char *sd = plat_state_dir();
  TEST_CHECK(sd != NULL);
  if (sd) {
    size_t n = strlen(sd);
    TEST_CHECK(n > 9 && strcmp(sd + n - 9, "etw2kusto") == 0);
  }
  free(sd);
}

static void test_run_capture(void) {
  char *out = NULL;
  size_t len = 0;
  int code = -1;
  TEST_EQ_INT(plat_run_capture("echo hello", &out, &len, &code), 0);
  TEST_EQ_INT(code, 0);
  TEST_CHECK(out && len >= 5 && strncmp(out, "hello", 5) == 0);
  free(out);
  TEST_EQ_INT(plat_run_capture("exit 3", &out, &len, &code), 0);
  TEST_EQ_INT(code, 3);
  free(out);
}

int main(void) {
  TEST_RUN(test_files);
  TEST_RUN(test_threads);
  TEST_RUN(test_clock_random_env);
  TEST_RUN(test_run_capture);
  return e2k_test_report();
}
