/* SPDX-License-Identifier: MIT
 * syzygy sawbuck log_lib samples (decode part B): a test tool wrote classic
 * Process and Image MOF events in 32- and 64-bit layouts of versions 0-3 into
 * FULL_HEADER32 records; the file names say which layout
 * (image_data_<bits>_v<version>.etl). Decoded through dec_event_data (the
 * MOF source probes user-mode classic records for their real pointer size);
 * checks: every image event names a .dll/.exe path, every process event an
 * .exe (or Idle/System), Start and End agree on the process id, and the
 * direct walk with the pointer size the file NAME gives matches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/dec_mof.h"
#include "decode/dec_schema.h"
#include "decode/decode.h"
#include "e2k_test.h"
#include "etl/etl.h"

static const dec_schema *row_schema(dec_context *ctx, const etl_event *ev) {
  long any = -1, sole = -1;
  int any_op = 0, same = 0;
  for (size_t i = 0; i < dec_mof_class_count; i++) {
    const dec_mof_class_def *c = &dec_mof_classes[i];
    if (memcmp(c->guid, ev->provider_id, 16) != 0) continue;
    if (c->version == ev->version) { same++; sole = (long)i; }
    for (int j = 0; j < c->opcode_count; j++) {
      if (c->opcodes[j] != ev->opcode) continue;
      if (c->version == ev->version) return dec_mof_schema_for_row(ctx, i, j, false, ev->opcode);
      if (c->version == 255) { any = (long)i; any_op = j; }
    }
  }
  if (any >= 0) return dec_mof_schema_for_row(ctx, (size_t)any, any_op, false, ev->opcode);
  /* same rule as dec_mof.c: a version's only class serves all its types */
  return same == 1 ? dec_mof_schema_for_row(ctx, (size_t)sole, -1, true, ev->opcode) : NULL;
}

static char *text_of(kv_value bag, const char *name) {
  kv_buf b;
  kv_buf_init(&b);
  kv_to_text(&b, kv_bag_get(bag, name, strlen(name)));
  kv_buf_putc(&b, 0);
  return b.data;
}

typedef struct syz_case {
  const char *file;
  unsigned ptr;
  int events;        /* FULL_HEADER32 records (EXPECTED.json header_types) */
  bool process;
} syz_case;

static const syz_case syz[] = {
    {"image_data_32_v0.etl", 4, 26, false}, {"image_data_32_v1.etl", 4, 26, false},
    {"image_data_32_v2.etl", 4, 26, false}, {"image_data_64_v0.etl", 8, 26, false},
    {"image_data_64_v1.etl", 8, 26, false}, {"image_data_64_v2.etl", 8, 26, false},
    {"process_data_32_v1.etl", 4, 2, true}, {"process_data_32_v2.etl", 4, 8, true},
    {"process_data_32_v3.etl", 4, 8, true}, {"process_data_64_v2.etl", 8, 8, true},
    {"process_data_64_v3.etl", 8, 8, true},
};

int main(void) {
  dec_context *ctx = NULL;
  dec_options opt = {0};
  char err[256];
  if (dec_context_new(&ctx, &opt, err, sizeof err) != 0) return 1;
  for (size_t i = 0; i < sizeof syz / sizeof syz[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, E2K_TEST_DATA "/etl/syzygy/log_lib/%s", syz[i].file);
    const char *specs[1] = {path};
    etl_reader *r = NULL;
    if (etl_reader_open(&r, specs, 1, NULL, err, sizeof err) != 0) {
      TEST_CHECK_MSG(false, "%s", err);
      continue;
    }
    const etl_event *ev;
    int n = 0, ok_n = 0, named = 0;
    char start_pid[32] = "", end_pid[32] = "";
    while (etl_reader_next(r, &ev) == 1) {
      if (ev->header_kind != ETL_HT_FULL) continue;
      n++;
      const dec_schema *s = row_schema(ctx, ev);
      TEST_CHECK_MSG(s != NULL, "%s: no row for opcode %u v%u", syz[i].file, ev->opcode, ev->version);
      if (!s) continue;
      bool ok = false;
      dec_source src = DEC_SRC_NONE;
      kv_value d = dec_event_data(ctx, ev, &src, &ok);
      if (ok && src == DEC_SRC_KERNEL_MOF) ok_n++;
      { /* the JSON fast path gives the same text for probed layouts */
        kv_buf j1, j2;
        kv_buf_init(&j1);
        kv_buf_init(&j2);
        kv_to_json(&j1, d);
        dec_event_data_json(ctx, ev, &j2, NULL, NULL);
        TEST_CHECK_MSG(j1.len == j2.len && memcmp(j1.data, j2.data, j1.len) == 0, "%s: %.*s vs %.*s",
                       syz[i].file, (int)j1.len, j1.data, (int)j2.len, j2.data);
        kv_buf_free(&j1);
        kv_buf_free(&j2);
      }
      if (!syz[i].process) { /* same text as the walk with the named pointer size */
        bool ok2 = false;
        kv_value d2 = dec_walk(s, ev->payload, ev->payload_len, syz[i].ptr, &ok2);
        kv_buf a, b;
        kv_buf_init(&a);
        kv_buf_init(&b);
        kv_to_json(&a, d);
        kv_to_json(&b, d2);
        TEST_CHECK_MSG(ok2 && a.len == b.len && memcmp(a.data, b.data, a.len) == 0, "%s: %.*s vs %.*s",
                       syz[i].file, (int)a.len, a.data, (int)b.len, b.data);
        kv_buf_free(&a);
        kv_buf_free(&b);
        kv_release(d2);
      }
      char *name = text_of(d, syz[i].process ? "ImageFileName" : (ev->version == 0 ? "ImageFileName" : "FileName"));
      size_t l = strlen(name);
      if ((l > 4 || syz[i].process) && (strcmp(name + l - 4, ".dll") == 0 || strcmp(name + l - 4, ".exe") == 0 ||
                    strcmp(name + l - 4, ".DLL") == 0 || strcmp(name + l - 4, ".EXE") == 0 ||
                    (syz[i].process && (strcmp(name, "Idle") == 0 || strcmp(name, "System") == 0))))
        named++;
      else
        fprintf(stderr, "%s: opcode %u name \"%s\"\n", syz[i].file, ev->opcode, name);
      free(name);
      if (syz[i].process && (ev->opcode == 1 || ev->opcode == 2)) {
        char *pid = text_of(d, "ProcessId");
        snprintf(ev->opcode == 1 ? start_pid : end_pid, 32, "%s", pid);
        free(pid);
      }
      kv_release(d);
    }
    etl_reader_close(r);
    printf("coverage syzygy/%-24s records=%d decoded=%d named=%d\n", syz[i].file, n, ok_n, named);
    TEST_EQ_INT(n, syz[i].events);
    TEST_EQ_INT(ok_n, n);
    TEST_EQ_INT(named, n);
    if (syz[i].process) /* the tool started and ended one process */
      TEST_CHECK_MSG(start_pid[0] && strcmp(start_pid, end_pid) == 0, "%s: start pid %s end pid %s",
                     syz[i].file, start_pid, end_pid);
  }
  dec_context_free(ctx);
  return e2k_test_report();
}
