/* SPDX-License-Identifier: MIT
 * The Kusto option keys (`cluster:`, `auth:` ...): one table giving the key,
 * its help line and how the value is stored, so the CLI parses and documents
 * them from the same data. Values are borrowed, never copied. */
#include "kusto/kusto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum ku_opt_type { KU_OPT_STR, KU_OPT_U32, KU_OPT_BOOL, KU_OPT_ENUM } ku_opt_type;

typedef struct ku_opt_def {
  const char *key;
  ku_opt_type type;
  size_t offset;            /* offsetof(ku_options, field) */
  const char *const *names; /* KU_OPT_ENUM: value names in enum order, NULL-terminated */
} ku_opt_def;

/* ORDER KU_AUTH */
static const char *const ku_auth_names[] = {"default", "azcli", "msi", "secret", "device",
                                            "token", "none", NULL};
static const char *const ku_ingest_names[] = {"auto", "streaming", "queued", NULL};
static const char *const ku_reset_names[] = {"default", "true", "false", NULL};

/* ORDER KU_OPTS: ku_opt_defs and ku_option_table list the same keys. */
static const ku_opt_def ku_opt_defs[] = {
    {"cluster", KU_OPT_STR, offsetof(ku_options, cluster), NULL},
    {"database", KU_OPT_STR, offsetof(ku_options, database), NULL},
    {"table", KU_OPT_STR, offsetof(ku_options, table), NULL},
    {"ingest_uri", KU_OPT_STR, offsetof(ku_options, ingest_uri), NULL},
    {"auth", KU_OPT_ENUM, offsetof(ku_options, auth), ku_auth_names},
    {"appid", KU_OPT_STR, offsetof(ku_options, app_id), NULL},
    {"appkey", KU_OPT_STR, offsetof(ku_options, app_key), NULL},
    {"tenant", KU_OPT_STR, offsetof(ku_options, tenant), NULL},
    {"token", KU_OPT_STR, offsetof(ku_options, token), NULL},
    {"ingest", KU_OPT_ENUM, offsetof(ku_options, ingest), ku_ingest_names},
    {"reset", KU_OPT_ENUM, offsetof(ku_options, reset), ku_reset_names},
    {"batch", KU_OPT_U32, offsetof(ku_options, batch_seconds), NULL},
    {"batch_kb", KU_OPT_U32, offsetof(ku_options, batch_max_kb), NULL},
    {"journal", KU_OPT_STR, offsetof(ku_options, journal_dir), NULL},
    {"spill_mb", KU_OPT_U32, offsetof(ku_options, spill_max_mb), NULL},
    {"retries", KU_OPT_U32, offsetof(ku_options, max_retries), NULL},
    {"quiet", KU_OPT_BOOL, offsetof(ku_options, quiet), NULL},
};

const ku_option_info ku_option_table[] = {
    {"cluster", "Kusto cluster: short name (CDOC), URL, or connection string"},
    {"database", "Kusto database"},
    {"table", "Kusto table (created if missing)"},
    {"ingest_uri", "data-management endpoint (default: ingest-<cluster>)"},
    {"auth", "default|azcli|msi|secret|device|token|none (default: AZURE_* env, managed identity, az)"},
    {"appid", "application (client) id for auth:secret, or user-assigned managed identity id"},
    {"appkey", "client secret for auth:secret (default: AZURE_CLIENT_SECRET)"},
    {"tenant", "Entra tenant id or domain (default: AZURE_TENANT_ID)"},
    {"token", "static bearer token (auth:token)"},
    {"ingest", "auto|streaming|queued (auto: streaming, falling back to queued)"},
    {"reset", "true: clear the table first; false: never; default: only tables etw2kusto created"},
    {"batch", "seconds per upload batch (default 10)"},
    {"batch_kb", "max uncompressed batch size in KiB (default 4096)"},
    {"journal", "spill directory for unacknowledged rows, or none (default: state dir)"},
    {"spill_mb", "max journal size in MiB before reading waits (default 1024)"},
    {"retries", "attempts per batch before giving up (default 8)"},
    {"quiet", "true: no progress numbers"},
    {NULL, NULL},
};

static int ku_ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    int x = (*a >= 'A' && *a <= 'Z') ? *a + 32 : *a;
    int y = (*b >= 'A' && *b <= 'Z') ? *b + 32 : *b;
    if (x != y) return 0;
  }
  return *a == *b;
}

int ku_options_set(ku_options *opt, const char *key, const char *value, char *err, size_t err_len) {
  for (size_t i = 0; i < sizeof ku_opt_defs / sizeof ku_opt_defs[0]; i++) {
    const ku_opt_def *d = &ku_opt_defs[i];
    if (!ku_ieq(d->key, key)) continue;
    char *field = (char *)opt + d->offset;
    switch (d->type) {
    case KU_OPT_STR:
      *(const char **)field = value;
      return 1;
    case KU_OPT_U32: {
      char *end = NULL;
      unsigned long v = strtoul(value, &end, 10);
      if (!*value || *end || v > 0xFFFFFFFFul || value[0] == '-') {
        snprintf(err, err_len, "%s: expected a non-negative number, got '%s'", key, value);
        return -1;
      }
      *(uint32_t *)field = (uint32_t)v;
      return 1;
    }
    case KU_OPT_BOOL:
      if (ku_ieq(value, "true") || ku_ieq(value, "1") || ku_ieq(value, "yes")) {
        *(bool *)field = true;
      } else if (ku_ieq(value, "false") || ku_ieq(value, "0") || ku_ieq(value, "no")) {
        *(bool *)field = false;
      } else {
        snprintf(err, err_len, "%s: expected true or false, got '%s'", key, value);
        return -1;
      }
      return 1;
    case KU_OPT_ENUM:
      for (int k = 0; d->names[k]; k++) {
        if (ku_ieq(d->names[k], value)) {
          /* every enum field in ku_options is a C enum: store as int */
          *(int *)field = k;
          return 1;
        }
      }
      {
        char list[200] = "";
        size_t n = 0;
        for (int k = 0; d->names[k]; k++)
          n += (size_t)snprintf(list + n, n < sizeof list ? sizeof list - n : 0, "%s%s",
                                k ? "|" : "", d->names[k]);
        snprintf(err, err_len, "%s: expected %s, got '%s'", key, list, value);
      }
      return -1;
    }
  }
  return 0;
}
