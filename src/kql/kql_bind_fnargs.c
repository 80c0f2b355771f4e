/* SPDX-License-Identifier: MIT
 * Named arguments of let-bound function calls: f(c=7, a=12), f(len=3, input).
 * Kusto binds each name=value to that parameter and the unnamed arguments,
 * in order, to the parameters still free. The binder then sees an ordinary
 * positional call; a skipped parameter takes its default. */
#include "kql/kql_bind.h"

#include <string.h>

static int kql_fnargs_param(const kql_node *params, const char *name) {
  for (int i = 0; i < params->nkids; i++)
    if (params->kids[i]->name && !strcmp(params->kids[i]->name, name)) return i;
  return -1;
}

kql_node *kql_bind_named_args(kql_binder *b, kql_node *call, const kql_node *params) {
  bool named = false;
  for (int i = 0; i < call->nkids; i++)
    if (call->kids[i]->kind == KQL_N_ASSIGN) named = true;
  if (!named) return call;
  int np = params->nkids;
  if (call->nkids > np) {
    kql_bind_fail(b, call->pos, "function %s: too many arguments", call->name);
    return NULL;
  }
  kql_node **slot = kql_arena_alloc(b->a, sizeof(kql_node *) * (size_t)(np ? np : 1));
  memset(slot, 0, sizeof(kql_node *) * (size_t)(np ? np : 1));
  for (int i = 0; i < call->nkids; i++) {
    kql_node *a = call->kids[i];
    if (a->kind != KQL_N_ASSIGN) continue;
    int k = a->name && a->nkids == 1 ? kql_fnargs_param(params, a->name) : -1;
    if (k < 0) {
      kql_bind_fail(b, a->pos, "function %s: no parameter named '%s'", call->name, a->name ? a->name : "");
      return NULL;
    }
    if (slot[k]) {
      kql_bind_fail(b, a->pos, "function %s: argument %s given twice", call->name, a->name);
      return NULL;
    }
    slot[k] = a->kids[0];
  }
  int next = 0;
  for (int i = 0; i < call->nkids; i++) {
    kql_node *a = call->kids[i];
    if (a->kind == KQL_N_ASSIGN) continue;
    while (next < np && slot[next]) next++;
    if (next >= np) {
      kql_bind_fail(b, a->pos, "function %s: too many arguments", call->name);
      return NULL;
    }
    slot[next] = a;
  }
  int used = 0; /* arguments up to the last given parameter */
  for (int k = 0; k < np; k++)
    if (slot[k]) used = k + 1;
  for (int k = 0; k < used; k++) {
    if (slot[k]) continue;
    kql_node *pa = params->kids[k];
    if (!pa->nkids) {
      kql_bind_fail(b, call->pos, "function %s: missing argument %s", call->name, pa->name);
      return NULL;
    }
    slot[k] = pa->kids[0]; /* a skipped parameter: its default */
  }
  kql_node *c = kql_arena_alloc(b->a, sizeof *c);
  *c = *call;
  c->kids = slot;
  c->nkids = used;
  c->cap = np;
  return c;
}
