/* SPDX-License-Identifier: MIT
 * Input specs of the ETL reader -> opened, indexed files: a path, a glob
 * (plat_glob), "a.zip" (every .etl member) or "a.zip!member" (either path
 * separator). Each file found is handed to the caller's add callback; the
 * first failure ends the expansion with a one-line message. */
#include "etl/etl_int.h"
#include "platform/platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct etl_spec_ctx {
  etl_stats *stats;
  const etl_warner *warner;
  int (*add)(void *ud, etl_file *f);
  void *ud;
} etl_spec_ctx;

static bool etl_ends_with_ci(const char *s, size_t len, const char *suffix) {
  size_t n = strlen(suffix);
  if (len < n) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[len - n + i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

static int etl_open_one(etl_spec_ctx *c, const char *name, const char *disk, etl_src_kind kind,
                        uint64_t base, uint64_t size, uint64_t comp, char *err, size_t err_len) {
  etl_file *f;
  int rc = etl_file_open(&f, name, disk, kind, base, size, comp, NULL, c->stats, c->warner, err, err_len);
  if (rc != 0) return rc;
  if (c->add(c->ud, f) != 0) {
    etl_file_free(f);
    snprintf(err, err_len, "%s: out of memory", name);
    return ETL_E_NOMEM;
  }
  return 0;
}

/* One archive: every .etl member, or only `member` when given. */
static int etl_open_zip(etl_spec_ctx *c, const char *path, const char *member, char *err, size_t err_len) {
  plat_file *fh;
  uint64_t size = 0;
  if (plat_file_open_read(path, &fh) != 0) {
    snprintf(err, err_len, "%s: cannot open: %s", path, plat_last_error());
    return ETL_E_IO;
  }
  if (plat_file_size(fh, &size) != 0 || size == 0) {
    plat_file_close(fh);
    snprintf(err, err_len, "%s: empty file (0 bytes)", path);
    return ETL_E_FORMAT;
  }
  etl_zip_entry *es;
  size_t n;
  const char *why = "";
  if (etl_zip_list(fh, size, &es, &n, &why) != 0) {
    plat_file_close(fh);
    snprintf(err, err_len, "%s: %s", path, why);
    return ETL_E_FORMAT;
  }
  int rc = 0;
  size_t used = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const etl_zip_entry *e = &es[i];
    size_t nl = strlen(e->name);
    if (member ? !etl_zip_name_eq(e->name, member) : !etl_ends_with_ci(e->name, nl, ".etl")) continue;
    used++;
    char *name = malloc(strlen(path) + nl + 2);
    if (!name) { rc = ETL_E_NOMEM; snprintf(err, err_len, "%s: out of memory", path); break; }
    sprintf(name, "%s!%s", path, e->name);
    uint64_t data;
    if (e->method != 0 && e->method != 8) {
      snprintf(err, err_len, "%s: unsupported zip compression method %u", name, e->method);
      rc = ETL_E_FORMAT;
    } else if (etl_zip_data_offset(fh, e, &data, &why) != 0 || data > size ||
               (e->method == 0 ? e->size : e->comp_size) > size - data) {
      snprintf(err, err_len, "%s: corrupt zip entry", name);
      rc = ETL_E_FORMAT;
    } else {
      rc = etl_open_one(c, name, path, e->method == 0 ? ETL_SRC_ZIP_STORED : ETL_SRC_ZIP_DEFLATE, data,
                        e->size, e->comp_size, err, err_len);
    }
    free(name);
  }
  etl_zip_free(es, n);
  plat_file_close(fh);
  if (rc == 0 && used == 0) {
    if (member) snprintf(err, err_len, "%s: no member '%s' in the archive", path, member);
    else snprintf(err, err_len, "%s: no .etl member in the archive", path);
    rc = ETL_E_NOT_FOUND;
  }
  return rc;
}

static int etl_open_path(etl_spec_ctx *c, const char *path, const char *member, char *err, size_t err_len) {
  size_t len = strlen(path);
  if (member || etl_ends_with_ci(path, len, ".zip")) return etl_open_zip(c, path, member, err, err_len);
  plat_file *fh;
  uint64_t size = 0;
  if (plat_file_open_read(path, &fh) != 0) {
    snprintf(err, err_len, "%s: cannot open: %s", path, plat_last_error());
    return ETL_E_IO;
  }
  int rc = plat_file_size(fh, &size);
  plat_file_close(fh);
  if (rc != 0) {
    snprintf(err, err_len, "%s: cannot read the size: %s", path, plat_last_error());
    return ETL_E_IO;
  }
  return etl_open_one(c, path, path, ETL_SRC_FILE, 0, size, 0, err, err_len);
}

int etl_spec_open(const char *spec, etl_stats *stats, const etl_warner *w, int (*add)(void *ud, etl_file *f),
                  void *ud, char *err, size_t err_len) {
  etl_spec_ctx ctx = {stats, w, add, ud};
  etl_spec_ctx *c = &ctx;
  /* "a.zip!member": split at the first '!' that follows ".zip". */
  const char *bang = NULL;
  for (const char *p = strchr(spec, '!'); p; p = strchr(p + 1, '!')) {
    if (etl_ends_with_ci(spec, (size_t)(p - spec), ".zip")) { bang = p; break; }
  }
  size_t plen = bang ? (size_t)(bang - spec) : strlen(spec);
  char *path = malloc(plen + 1);
  if (!path) { snprintf(err, err_len, "%s: out of memory", spec); return ETL_E_NOMEM; }
  memcpy(path, spec, plen);
  path[plen] = 0;
  const char *member = bang ? bang + 1 : NULL;
  int rc = 0;
  if (plat_has_wildcard(path)) {
    char **list = NULL;
    size_t n = 0;
    if (plat_glob(path, &list, &n) != 0) {
      snprintf(err, err_len, "%s: cannot expand: %s", path, plat_last_error());
      rc = ETL_E_IO;
    } else if (n == 0) {
      snprintf(err, err_len, "%s: no file matches", path);
      rc = ETL_E_NOT_FOUND;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
      if (plat_is_directory(list[i])) continue;
      rc = etl_open_path(c, list[i], member, err, err_len);
    }
    if (list) plat_free_list(list, n);
  } else if (!plat_path_exists(path)) {
    snprintf(err, err_len, "%s: no such file", path);
    rc = ETL_E_NOT_FOUND;
  } else if (plat_is_directory(path)) {
    snprintf(err, err_len, "%s: is a directory (use a glob such as %s/*.etl)", path, path);
    rc = ETL_E_ARG;
  } else {
    rc = etl_open_path(c, path, member, err, err_len);
  }
  free(path);
  return rc;
}

