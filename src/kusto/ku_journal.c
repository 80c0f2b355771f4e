/* SPDX-License-Identifier: MIT
 * On-disk spill journal: one directory per destination (hash of engine URL,
 * database, table) holding <id>.open (rows of the batch being filled,
 * appended as they come) and <id>.batch (closed batches, synced, awaiting
 * acknowledgement). A batch file is deleted only after the service
 * acknowledged it, so a crash, Ctrl-C or outage loses nothing and the next
 * run to the same destination re-sends what is left. Thread-safe.
 * Concurrent runs to one destination: each holds an exclusive lock on its
 * directory's `lock` file; a run finding it taken uses the next slot
 * (<hash>-2, <hash>-3, ...), and every run adopts the leftovers of slots
 * nobody holds, so no run re-sends another live run's batches. */
#include "kusto/ku_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

enum { KU_JOURNAL_SLOTS = 16 }; /* concurrent runs per destination */

struct ku_journal {
  char *dir;            /* NULL: memory only */
  plat_lock *lock;      /* held on <dir>/lock for the journal's lifetime */
  plat_mutex *mu;       /* guards everything below */
  plat_file *open_file; /* <open_id>.open being appended */
  uint64_t open_id;
  uint64_t next_id;     /* > any id seen */
  uint64_t bytes;       /* bytes in .open + .batch files */
};

static uint64_t ku_fnv(uint64_t h, const char *s) {
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= UINT64_C(1099511628211);
  }
  return h;
}

static void ku_jpath(const ku_journal *j, uint64_t id, const char *ext, char *out, size_t n) {
  snprintf(out, n, "%s/%016llx.%s", j->dir, (unsigned long long)id, ext);
}

/* A journal file name "<16 hex id>.open" or ".batch": its id and extension. */
static bool ku_journal_entry(const char *name, uint64_t *id, char ext[8]) {
  unsigned long long v = 0;
  ext[0] = '\0';
  if (sscanf(name, "%16llx.%7s", &v, ext) != 2) return false;
  *id = v;
  return strcmp(ext, "open") == 0 || strcmp(ext, "batch") == 0;
}

/* Size of a file in bytes, 0 when it cannot be read. */
static uint64_t ku_file_size(const char *path) {
  plat_file *f;
  uint64_t sz = 0;
  if (plat_file_open_read(path, &f) == 0) {
    plat_file_size(f, &sz);
    plat_file_close(f);
  }
  return sz;
}

/* Writes destination.txt (a note for humans) unless it exists. */
static void ku_journal_note(const char *dir, const char *engine, const char *db, const char *table) {
  char note[1200];
  snprintf(note, sizeof note, "%s/destination.txt", dir);
  if (plat_path_exists(note)) return;
  plat_file *f;
  if (plat_file_open_write(note, false, &f) != 0) return;
  char text[1100];
  int tn = snprintf(text, sizeof text, "%s\n%s\n%s\n", engine, db, table);
  if (tn > 0) plat_file_write(f, text, (size_t)tn < sizeof text ? (size_t)tn : sizeof text - 1);
  plat_file_close(f);
}

static void ku_slot_dir(const char *base, int slot, char *out, size_t n) {
  if (slot == 1)
    snprintf(out, n, "%s", base);
  else
    snprintf(out, n, "%s-%d", base, slot);
}

/* Moves the batches of an unheld slot directory into ours under fresh ids
 * (a rename: atomic, no copy). A crashed run's .open stays .open here and is
 * salvaged by ku_journal_pending like our own. */
static void ku_journal_adopt(ku_journal *j, const char *other) {
  plat_lock *lk = NULL;
  char lp[1200];
  snprintf(lp, sizeof lp, "%s/lock", other);
  if (plat_lock_try(lp, &lk) != 0) return; /* another live run's, or unreadable */
  char **names = NULL;
  size_t count = 0;
  if (plat_list_dir(other, &names, &count) == 0) {
    for (size_t i = 0; i < count; i++) {
      uint64_t id;
      char ext[8];
      if (!ku_journal_entry(names[i], &id, ext)) continue;
      char from[1200], to[1200];
      snprintf(from, sizeof from, "%s/%s", other, names[i]);
      ku_jpath(j, j->next_id++, ext, to, sizeof to);
      plat_rename(from, to); /* on failure the batch simply stays for a later run */
    }
    plat_free_list(names, count);
  }
  plat_lock_release(lk);
}

/* The ids and byte total of the batches already in our directory. */
static void ku_journal_scan(ku_journal *j) {
  char **names = NULL;
  size_t count = 0;
  if (plat_list_dir(j->dir, &names, &count) != 0) return;
  j->bytes = 0;
  for (size_t i = 0; i < count; i++) {
    uint64_t id;
    char ext[8];
    if (!ku_journal_entry(names[i], &id, ext)) continue;
    if (id + 1 > j->next_id) j->next_id = id + 1;
    char p[1200];
    ku_jpath(j, id, ext, p, sizeof p);
    j->bytes += ku_file_size(p);
  }
  plat_free_list(names, count);
}

ku_journal *ku_journal_open(const char *root, const char *engine, const char *db,
                            const char *table, char *err, size_t err_len) {
  ku_journal *j = kv_calloc(1, sizeof *j);
  j->mu = plat_mutex_new();
  j->next_id = 1;
  if (!root) return j;
  uint64_t h = UINT64_C(14695981039346656037);
  h = ku_fnv(h, engine);
  h = ku_fnv(h, "|");
  h = ku_fnv(h, db);
  h = ku_fnv(h, "|");
  h = ku_fnv(h, table);
  char base[1100];
  snprintf(base, sizeof base, "%s/%016llx", root, (unsigned long long)h);
  /* the first slot no live run holds */
  int mine = 0;
  char dir[1120];
  for (int slot = 1; slot <= KU_JOURNAL_SLOTS && !mine; slot++) {
    ku_slot_dir(base, slot, dir, sizeof dir);
    if (plat_mkdir_p(dir) != 0) {
      snprintf(err, err_len, "journal: cannot create %s: %s", dir, plat_last_error());
      ku_journal_close(j);
      return NULL;
    }
    char lp[1200];
    snprintf(lp, sizeof lp, "%s/lock", dir);
    int rc = plat_lock_try(lp, &j->lock);
    if (rc < 0) {
      snprintf(err, err_len, "journal: cannot lock %s: %s", lp, plat_last_error());
      ku_journal_close(j);
      return NULL;
    }
    if (rc == 0) mine = slot;
  }
  if (!mine) {
    snprintf(err, err_len, "journal: %d runs already upload to this destination with journal %s; "
             "give this run another journal: directory", KU_JOURNAL_SLOTS, base);
    ku_journal_close(j);
    return NULL;
  }
  j->dir = kv_strndup(dir, strlen(dir));
  ku_journal_note(j->dir, engine, db, table);
  ku_journal_scan(j);
  /* leftovers of slots no live run holds become ours to re-send */
  for (int slot = 1; slot <= KU_JOURNAL_SLOTS; slot++) {
    if (slot == mine) continue;
    char other[1120];
    ku_slot_dir(base, slot, other, sizeof other);
    if (plat_is_directory(other)) ku_journal_adopt(j, other);
  }
  ku_journal_scan(j);
  return j;
}

const char *ku_journal_dir(const ku_journal *j) { return j->dir; }

uint64_t ku_journal_next_id(ku_journal *j) {
  plat_mutex_lock(j->mu);
  uint64_t id = j->next_id++;
  plat_mutex_unlock(j->mu);
  return id;
}

uint64_t ku_journal_bytes(ku_journal *j) {
  plat_mutex_lock(j->mu);
  uint64_t b = j->bytes;
  plat_mutex_unlock(j->mu);
  return b;
}

static int ku_cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Turns a crashed run's <id>.open into <id>.batch, cut at its last '\n'. */
static int ku_journal_salvage(ku_journal *j, uint64_t id) {
  char op[1200], bp[1200];
  ku_jpath(j, id, "open", op, sizeof op);
  ku_jpath(j, id, "batch", bp, sizeof bp);
  char *data = NULL;
  size_t len = 0;
  if (plat_read_all(op, &data, &len) != 0) return -1;
  size_t keep = len;
  while (keep && data[keep - 1] != '\n') keep--;
  int rc = 0;
  if (keep == 0) {
    plat_remove(op);
    rc = 1; /* nothing complete in it */
  } else if (keep == len) {
    rc = plat_rename(op, bp);
  } else {
    plat_file *f;
    char tp[1210];
    snprintf(tp, sizeof tp, "%s.tmp", bp);
    rc = plat_file_open_write(tp, false, &f);
    if (rc == 0) {
      rc = plat_file_write(f, data, keep);
      if (rc == 0) rc = plat_file_sync(f);
      plat_file_close(f);
      if (rc == 0) rc = plat_rename(tp, bp);
      if (rc == 0) plat_remove(op);
    }
  }
  j->bytes -= (len - (rc == 0 ? keep : 0)) <= j->bytes ? (len - (rc == 0 ? keep : 0)) : j->bytes;
  free(data);
  return rc;
}

int ku_journal_pending(ku_journal *j, uint64_t **ids, size_t *count) {
  *ids = NULL;
  *count = 0;
  if (!j->dir) return 0;
  char **names = NULL;
  size_t n = 0;
  if (plat_list_dir(j->dir, &names, &n) != 0) return -1;
  uint64_t *out = kv_calloc(n ? n : 1, sizeof *out);
  size_t k = 0;
  plat_mutex_lock(j->mu);
  for (size_t i = 0; i < n; i++) {
    uint64_t id;
    char ext[8];
    if (!ku_journal_entry(names[i], &id, ext)) continue;
    if (strcmp(ext, "open") == 0 && (j->open_file == NULL || id != j->open_id)) {
      if (ku_journal_salvage(j, id) == 0) out[k++] = id;
    } else if (strcmp(ext, "batch") == 0) {
      out[k++] = id;
    }
  }
  plat_mutex_unlock(j->mu);
  plat_free_list(names, n);
  qsort(out, k, sizeof *out, ku_cmp_u64);
  /* a salvaged .open may share an id with nothing else; dedupe anyway */
  size_t w = 0;
  for (size_t i = 0; i < k; i++)
    if (w == 0 || out[w - 1] != out[i]) out[w++] = out[i];
  *ids = out;
  *count = w;
  return 0;
}

int ku_journal_append_open(ku_journal *j, uint64_t id, const void *data, size_t len) {
  if (!j->dir || len == 0) return 0;
  plat_mutex_lock(j->mu);
  int rc = 0;
  if (!j->open_file || j->open_id != id) {
    if (j->open_file) plat_file_close(j->open_file);
    j->open_file = NULL;
    char p[1200];
    ku_jpath(j, id, "open", p, sizeof p);
    rc = plat_file_open_write(p, true, &j->open_file);
    if (rc == 0) j->open_id = id;
  }
  if (rc == 0) rc = plat_file_write(j->open_file, data, len);
  if (rc == 0) j->bytes += len;
  plat_mutex_unlock(j->mu);
  return rc;
}

int ku_journal_seal(ku_journal *j, uint64_t id, char *err, size_t err_len) {
  if (!j->dir) return 0;
  plat_mutex_lock(j->mu);
  int rc = 0;
  if (j->open_file && j->open_id == id) {
    rc = plat_file_sync(j->open_file);
    plat_file_close(j->open_file);
    j->open_file = NULL;
    if (rc == 0) {
      char op[1200], bp[1200];
      ku_jpath(j, id, "open", op, sizeof op);
      ku_jpath(j, id, "batch", bp, sizeof bp);
      rc = plat_rename(op, bp);
    }
  }
  if (rc != 0) snprintf(err, err_len, "journal: %s", plat_last_error());
  plat_mutex_unlock(j->mu);
  return rc;
}

int ku_journal_read(ku_journal *j, uint64_t id, kv_buf *out) {
  if (!j->dir) return -1;
  char p[1200];
  ku_jpath(j, id, "batch", p, sizeof p);
  char *data = NULL;
  size_t len = 0;
  if (plat_read_all(p, &data, &len) != 0) return -1;
  kv_buf_append(out, data, len);
  free(data);
  return 0;
}

int ku_journal_ack(ku_journal *j, uint64_t id) {
  if (!j->dir) return 0;
  char p[1200];
  ku_jpath(j, id, "batch", p, sizeof p);
  uint64_t sz = ku_file_size(p);
  int rc = plat_remove(p);
  plat_mutex_lock(j->mu);
  if (rc == 0) j->bytes -= sz <= j->bytes ? sz : j->bytes;
  plat_mutex_unlock(j->mu);
  return rc;
}

void ku_journal_close(ku_journal *j) {
  if (!j) return;
  if (j->open_file) plat_file_close(j->open_file);
  plat_lock_release(j->lock);
  plat_mutex_free(j->mu);
  free(j->dir);
  free(j);
}
