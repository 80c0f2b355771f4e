/* SPDX-License-Identifier: MIT
 * Binder for queries with several result tables (kql_results.h): a batch of
 * tabular statements (`T | count; T | take 1`) and a final `fork` (each
 * branch is one table). Statements over the input stream share it through a
 * tee; the first table streams, the others are collected. Statements and
 * branches without the input are run once at bind time, like sub-queries.
 * Also: materialize() detection for let-bound tables (kql_bind.c caches). */
#include "kql/kql_bind.h"
#include "kql/kql_results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool kql_node_is_materialize(const kql_node *n) {
  while (n && n->kind == KQL_N_PAREN && n->nkids == 1) n = n->kids[0];
  return n && n->kind == KQL_N_CALL && n->nkids == 1 && n->name && kql_node_is(n, "materialize");
}

void kql_batch_note(kql_binder *b, kql_node *st, kql_scope *sc) {
  if (b->nstmts == b->stmt_cap) { /* doubling: the arena holds at most twice the final size */
    int cap = b->stmt_cap ? b->stmt_cap * 2 : 4;
    kql_node **ns = kql_arena_alloc(b->a, sizeof(kql_node *) * (size_t)cap);
    kql_scope **ss = kql_arena_alloc(b->a, sizeof(kql_scope *) * (size_t)cap);
    if (b->nstmts) {
      memcpy(ns, b->stmts, sizeof(kql_node *) * (size_t)b->nstmts);
      memcpy(ss, b->stmt_scopes, sizeof(kql_scope *) * (size_t)b->nstmts);
    }
    b->stmts = ns;
    b->stmt_scopes = ss;
    b->stmt_cap = cap;
  }
  kql_scope *snap = kql_arena_alloc(b->a, sizeof *snap);
  snap->parent = sc->parent;
  snap->ents = sc->ents; /* the statement sees only the names defined before it */
  b->stmts[b->nstmts] = st;
  b->stmt_scopes[b->nstmts] = snap;
  b->nstmts++;
}

static bool kql_batch_is_op(const kql_node *n, const char *word) {
  return n && (n->kind == KQL_N_OP || n->kind == KQL_N_GENERIC) && n->name && kql_node_is(n, word);
}

/* The fork node of `src | fork (...) (...) [| render ...]`, or NULL. */
static kql_node *kql_batch_fork(kql_node *st, kql_node **src) {
  kql_node *n = st;
  while (n->kind == KQL_N_PIPE && n->nkids == 2 && kql_batch_is_op(n->kids[1], "render")) n = n->kids[0];
  if (n->kind == KQL_N_PIPE && n->nkids == 2 && n->kids[1]->kind == KQL_N_GENERIC &&
      kql_batch_is_op(n->kids[1], "fork") && n->kids[1]->nkids > 0) {
    *src = n->kids[0];
    return n->kids[1];
  }
  return NULL;
}

bool kql_batch_needed(kql_binder *b) {
  kql_node *src;
  return b->nstmts > 1 || (b->nstmts == 1 && kql_batch_fork(b->stmts[0], &src));
}

/* `... | as Name` at the end of a statement or branch names its table. */
static const char *kql_batch_as_name(const kql_node *last_op) {
  if (kql_batch_is_op(last_op, "as") && last_op->nkids >= 1 && last_op->kids[0]->kind == KQL_N_NAME)
    return last_op->kids[0]->name;
  return NULL;
}

int kql_batch_feed(kql_binder *b, kql_ent *e, kql_node *n, kql_pipe *p) {
  if (!b->batch) return 0; /* one statement: a single use anyway */
  if (!e->feed) { /* first use: p holds the chain computing it */
    kql_op *tee = kql_op_tee_new(&b->q->ex, p->schema.count, NULL, 0);
    kql_pipe_append(p, tee);
    e->feed = tee;
    e->feed_head = p->head;
    e->feed_schema = p->schema;
    e->feed_serialized = p->serialized;
    p->head = p->tail = NULL;
  } else {
    if (e->feed_stmt == b->stmt_idx || b->input_used)
      return kql_bind_fail(b, n->pos, "not supported yet: reading the input stream twice in one statement");
    p->kind = KQL_SRC_INPUT;
    p->schema.count = 0;
    p->schema.cols = NULL;
    for (int i = 0; i < e->feed_schema.count; i++)
      kql_schema_add(b, &p->schema, e->feed_schema.cols[i].name, e->feed_schema.cols[i].type);
    p->serialized = e->feed_serialized;
    b->input_used = true;
  }
  e->feed_stmt = b->stmt_idx;
  p->feed = e->feed;
  return 0;
}

typedef struct kql_batch {
  kql_binder *b;
  kql_query *q;
  kql_result *res;
  int nres, res_cap;
  kql_op **roots; /* chains read from the input stream */
  int nroots, roots_cap;
} kql_batch;

static void kql_batch_push_op(kql_op ***arr, int *n, int *cap, kql_op *op) {
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 4;
    *arr = kv_realloc(*arr, sizeof(kql_op *) * (size_t)*cap);
  }
  (*arr)[(*n)++] = op;
}

static kql_table *kql_batch_own_table(kql_query *q, const kv_schema *s) {
  kql_table *t = kql_table_new(s);
  q->tables = kv_realloc(q->tables, sizeof(kql_table *) * (size_t)(q->ntables + 1));
  q->tables[q->ntables++] = t;
  return t;
}

/* Turns a bound pipe into result table number bt->nres. An input pipe's chain
 * (ending in emit or collect) goes to *chains; others run now. */
static int kql_batch_result(kql_batch *bt, kql_pipe *p, const char *name, uint32_t pos,
                            kql_op ***chains, int *nchains, int *chains_cap) {
  kql_binder *b = bt->b;
  if (bt->nres == bt->res_cap) {
    bt->res_cap = bt->res_cap ? bt->res_cap * 2 : 4;
    bt->res = kv_realloc(bt->res, sizeof(kql_result) * (size_t)bt->res_cap);
  }
  kql_result *r = &bt->res[bt->nres];
  memset(r, 0, sizeof *r);
  if (!name) {
    char buf[32];
    snprintf(buf, sizeof buf, "Table_%d", bt->nres);
    name = kql_arena_strdup(b->a, buf, strlen(buf));
  }
  r->name = name;
  r->schema = p->schema;
  if (p->kind == KQL_SRC_INPUT) {
    kql_op *end;
    if (bt->nres == 0) {
      end = kql_op_emit_new(&bt->q->ex, p->schema.count);
      r->streams = true;
    } else {
      r->out = kql_batch_own_table(bt->q, &p->schema);
      end = kql_op_collect_new(&bt->q->ex, r->out);
    }
    kql_pipe_append(p, end);
    if (p->feed) /* after a shared materialize() of the input */
      kql_op_tee_add(p->feed, p->head);
    else
      kql_batch_push_op(chains, nchains, chains_cap, p->head);
    p->head = p->tail = NULL;
    kql_pipe_free(p);
  } else {
    r->out = kql_pipe_materialize(b, p, pos);
    if (!r->out) return -1;
  }
  bt->nres++;
  return 0;
}

static void kql_batch_copy_schema(kql_binder *b, kv_schema *dst, const kv_schema *src) {
  dst->count = 0;
  dst->cols = NULL;
  for (int i = 0; i < src->count; i++) kql_schema_add(b, dst, src->cols[i].name, src->cols[i].type);
}

/* src | fork (ops) name=(ops) ...: one table per branch; over the input
 * stream the branches hang off a tee at the end of src's chain. */
static int kql_batch_fork_stmt(kql_batch *bt, kql_node *src, kql_node *fork, kql_scope *sc) {
  kql_binder *b = bt->b;
  kql_pipe p;
  memset(&p, 0, sizeof p);
  if (kql_bind_tabular(b, src, sc, &p)) {
    kql_pipe_free(&p);
    return -1;
  }
  bool input = p.kind == KQL_SRC_INPUT;
  kql_table *t = NULL;
  if (!input) { /* every branch reads the same rows: run src once */
    t = kql_pipe_materialize(b, &p, src->pos);
    if (!t) return -1;
  }
  kql_op **kids = NULL;
  int nkids = 0, kids_cap = 0, rc = 0;
  for (int j = 0; j < fork->nkids && rc == 0; j++) {
    kql_node *br = fork->kids[j];
    kql_pipe bp;
    memset(&bp, 0, sizeof bp);
    bp.from = bp.to = bp.step = kv_null(KV_LONG);
    bp.kind = input ? KQL_SRC_INPUT : KQL_SRC_TABLE;
    bp.table = t;
    bp.serialized = p.serialized;
    kql_batch_copy_schema(b, &bp.schema, &p.schema);
    for (int k = 0; k < br->nkids && rc == 0; k++) rc = kql_bind_op(b, br->kids[k], sc, &bp);
    if (rc == 0 && bp.kind == KQL_SRC_INPUT && !input)
      rc = kql_bind_fail(b, br->pos, "not supported yet: reading the input stream in a fork branch");
    if (rc) {
      kql_pipe_free(&bp);
      break;
    }
    const char *name = br->str && br->str[0] ? br->str
                       : br->nkids ? kql_batch_as_name(br->kids[br->nkids - 1]) : NULL;
    rc = kql_batch_result(bt, &bp, name, br->pos, &kids, &nkids, &kids_cap);
  }
  if (rc) {
    for (int i = 0; i < nkids; i++) kql_op_free_chain(kids[i]);
    free(kids);
    kql_pipe_free(&p);
    return -1;
  }
  if (input) {
    kql_pipe_append(&p, kql_op_tee_new(&bt->q->ex, p.schema.count, kids, nkids));
    if (p.feed)
      kql_op_tee_add(p.feed, p.head);
    else
      kql_batch_push_op(&bt->roots, &bt->nroots, &bt->roots_cap, p.head);
    p.head = p.tail = NULL;
  } else {
    free(kids);
  }
  kql_pipe_free(&p);
  return 0;
}

static int kql_batch_stmt(kql_batch *bt, kql_node *st, kql_scope *sc) {
  kql_binder *b = bt->b;
  kql_node *src = NULL;
  kql_node *fork = kql_batch_fork(st, &src);
  if (fork) return kql_batch_fork_stmt(bt, src, fork, sc);
  kql_pipe p;
  memset(&p, 0, sizeof p);
  if (kql_bind_tabular(b, st, sc, &p)) {
    kql_pipe_free(&p);
    return -1;
  }
  const char *name = st->kind == KQL_N_PIPE && st->nkids == 2 ? kql_batch_as_name(st->kids[1]) : NULL;
  return kql_batch_result(bt, &p, name, st->pos, &bt->roots, &bt->nroots, &bt->roots_cap);
}

int kql_bind_batch(kql_binder *b, kql_query *q) {
  kql_batch bt;
  memset(&bt, 0, sizeof bt);
  bt.b = b;
  bt.q = q;
  int rc = 0;
  b->batch = true;
  for (int k = 0; k < b->nstmts && rc == 0; k++) {
    b->input_used = false; /* each statement may read the input (kql_bind.c keeps its name) */
    b->stmt_idx = k;
    rc = kql_batch_stmt(&bt, b->stmts[k], b->stmt_scopes[k]);
  }
  if (rc == 0 && bt.nres == 0) rc = kql_bind_fail(b, 0, "the query has no tabular expression");
  for (kql_ent *e = b->all; e; e = e->all_next) { /* shared materialize() chains read the input */
    if (!e->feed_head) continue;
    if (rc)
      kql_op_free_chain(e->feed_head);
    else
      kql_batch_push_op(&bt.roots, &bt.nroots, &bt.roots_cap, e->feed_head);
    e->feed_head = NULL;
  }
  if (rc) {
    /* no second binding over the buffered stream (kql_query_buffer.c) for
     * several result tables: its error stays */
    b->input_table = false;
    for (int i = 0; i < bt.nroots; i++) kql_op_free_chain(bt.roots[i]);
    free(bt.roots);
    free(bt.res);
    return -1;
  }
  q->results = bt.res;
  q->nresults = bt.nres;
  q->schema = bt.res[0].schema;
  q->src_kind = bt.nroots ? KQL_SRC_INPUT : KQL_SRC_NONE;
  if (bt.nroots == 1) {
    q->head = bt.roots[0];
    free(bt.roots);
  } else if (bt.nroots > 1) {
    q->head = kql_op_tee_new(&q->ex, q->input ? q->input->count : 0, bt.roots, bt.nroots);
  } else {
    free(bt.roots);
  }
  return 0;
}
