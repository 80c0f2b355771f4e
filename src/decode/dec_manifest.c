/* SPDX-License-Identifier: MIT
 * Instrumentation manifests (etw-decoding.md section 2): reads the XML with
 * expat into a temporary model of providers, then compiles every event into
 * a dec_schema (templates, structs, count/length references, valueMap/bitMap,
 * out-types, channels, levels, tasks, opcodes, keywords, string tables) and
 * registers it. Used for user manifests, bundled manifests (dec_bundled.c)
 * and EventSource in-stream manifests (dec_eventsource.c). Owner: decA.
 * XML: expat when the build has it, else the built-in reader (dec_xml.c). */
#include "decode/dec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

#ifdef E2K_HAVE_EXPAT
#include <expat.h>
#endif

/* ------------------------------------------------------------ temp model */

/* Bump allocator for the temporary model (freed after compile). */
typedef struct man_pool_block {
  struct man_pool_block *next;
  size_t used, cap;
} man_pool_block;

typedef struct man_pool {
  man_pool_block *head;
} man_pool;

static void *pool_alloc(man_pool *p, size_t n) {
  n = (n + 7) & ~(size_t)7;
  man_pool_block *b = p->head;
  if (!b || b->cap - b->used < n) {
    size_t cap = n > 32768 ? n : 32768;
    b = kv_malloc(sizeof *b + 8 + cap);
    b->used = 0;
    b->cap = cap;
    b->next = p->head;
    p->head = b;
  }
  uint8_t *base = (uint8_t *)(b + 1);
  base += (8 - ((uintptr_t)base & 7)) & 7;
  void *r = base + b->used;
  b->used += n;
  return r;
}

static char *pool_strdup(man_pool *p, const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s);
  char *r = pool_alloc(p, n + 1);
  memcpy(r, s, n + 1);
  return r;
}

static void pool_free(man_pool *p) {
  man_pool_block *b = p->head;
  while (b) {
    man_pool_block *n = b->next;
    free(b);
    b = n;
  }
  p->head = NULL;
}

/* Growable array of fixed-size items. */
typedef struct man_vec {
  void *items;
  size_t count, cap, size;
} man_vec;

static void *vec_push(man_vec *v, size_t item_size) {
  v->size = item_size;
  if (v->count == v->cap) {
    v->cap = v->cap ? v->cap * 2 : 8;
    v->items = kv_realloc(v->items, v->cap * item_size);
  }
  void *r = (char *)v->items + v->count * item_size;
  memset(r, 0, item_size);
  v->count++;
  return r;
}
#define VEC_AT(v, T, i) (((T *)(v).items)[i])

typedef struct man_named { /* level, task, opcode, keyword, channel, map entry */
  const char *name;
  const char *message;
  const char *guid;        /* task eventGUID */
  const char *chid;        /* channel id */
  uint64_t value;
  int task;                /* opcode: index of its task, -1 provider scope */
} man_named;

typedef struct man_map {
  const char *name;
  bool bitmap;
  man_vec entries;         /* man_named */
  dec_map *compiled;
} man_map;

typedef struct man_item {  /* one <data> or <struct> in pre-order */
  const char *name, *in, *out, *map, *length, *count;
  bool is_struct;
  int parent;              /* pre-order index of the enclosing struct, -1 top */
  int members;
} man_item;

typedef struct man_template {
  const char *tid;
  man_vec items;           /* man_item */
  dec_field *fields;       /* compiled once */
  uint16_t field_count, top_count;
  bool compiled, bad;
} man_template;

typedef struct man_event {
  const char *value, *version, *level, *task, *opcode, *keywords, *tmpl, *channel, *symbol,
      *message, *name;
} man_event;

typedef struct man_provider {
  const char *name, *guid, *symbol, *source;
  man_vec levels, tasks, opcodes, keywords, channels, maps, templates, events;
} man_provider;

typedef struct man_string {
  const char *id, *value;
} man_string;

typedef struct man_parser {
  dec_context *ctx;
  man_pool pool;
  man_vec providers;       /* man_provider */
  man_vec strings;         /* man_string (first culture wins per id) */
  man_provider *cur;       /* provider being read */
  int cur_task;            /* task index while inside <task>, else -1 */
  man_map *cur_map;
  man_template *cur_tmpl;
  int struct_stack[40];
  int struct_depth;
  int userdata_depth;      /* >0 inside <UserData>: ignore */
  bool in_events_list;     /* inside provider/events */
  char *text;              /* character data of <channel> etc. (unused) */
  char err[200];
} man_parser;

static const char *attr(const char **a, const char *name) {
  for (; a && a[0]; a += 2) {
    const char *k = a[0];
    const char *bar = strrchr(k, '|');
    if (bar) k = bar + 1;
    if (strcmp(k, name) == 0) return a[1];
  }
  return NULL;
}

static const char *pattr(man_parser *m, const char **a, const char *name) {
  return pool_strdup(&m->pool, attr(a, name));
}

static bool parse_u64(const char *s, uint64_t *out) {
  if (!s || !*s) return false;
  while (*s == ' ') s++;
  char *end;
  unsigned long long v = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? strtoull(s + 2, &end, 16)
                                                                        : strtoull(s, &end, 10);
  if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && end == s + 2) || (end == s)) return false;
  while (*end == ' ') end++;
  if (*end) return false;
  *out = v;
  return true;
}

static const char *local_name(const char *n) {
  const char *bar = strrchr(n, '|');
  return bar ? bar + 1 : n;
}

static void on_start(void *ud, const char *qname, const char **a) {
  man_parser *m = ud;
  const char *n = local_name(qname);
  if (m->userdata_depth) {
    m->userdata_depth++;
    return;
  }
  if (strcmp(n, "provider") == 0) {
    man_provider *p = vec_push(&m->providers, sizeof *p);
    p->name = pattr(m, a, "name");
    p->guid = pattr(m, a, "guid");
    p->symbol = pattr(m, a, "symbol");
    p->source = pattr(m, a, "source");
    m->cur = p;
    m->cur_task = -1;
    return;
  }
  if (strcmp(n, "string") == 0) {
    const char *id = attr(a, "id"), *val = attr(a, "value");
    if (id && val) {
      man_string *s = vec_push(&m->strings, sizeof *s);
      s->id = pool_strdup(&m->pool, id);
      s->value = pool_strdup(&m->pool, val);
    }
    return;
  }
  man_provider *p = m->cur;
  if (!p) return;
  /* note: vec_push may move items; m->cur points into providers.items, which
   * only grows on <provider>, so it is stable within one provider. */
  if (strcmp(n, "UserData") == 0) {
    m->userdata_depth = 1;
    return;
  }
  if (strcmp(n, "level") == 0) {
    man_named *e = vec_push(&p->levels, sizeof *e);
    e->name = pattr(m, a, "name");
    e->message = pattr(m, a, "message");
    parse_u64(attr(a, "value"), &e->value);
  } else if (strcmp(n, "task") == 0) {
    man_named *e = vec_push(&p->tasks, sizeof *e);
    e->name = pattr(m, a, "name");
    e->message = pattr(m, a, "message");
    e->guid = pattr(m, a, "eventGUID");
    parse_u64(attr(a, "value"), &e->value);
    m->cur_task = (int)p->tasks.count - 1;
  } else if (strcmp(n, "opcode") == 0) {
    man_named *e = vec_push(&p->opcodes, sizeof *e);
    e->name = pattr(m, a, "name");
    e->message = pattr(m, a, "message");
    parse_u64(attr(a, "value"), &e->value);
    e->task = m->cur_task;
  } else if (strcmp(n, "keyword") == 0) {
    man_named *e = vec_push(&p->keywords, sizeof *e);
    e->name = pattr(m, a, "name");
    e->message = pattr(m, a, "message");
    parse_u64(attr(a, "mask"), &e->value);
  } else if (strcmp(n, "channel") == 0 || strcmp(n, "importChannel") == 0) {
    man_named *e = vec_push(&p->channels, sizeof *e);
    e->name = pattr(m, a, "name");
    e->chid = pattr(m, a, "chid");
    e->message = pattr(m, a, "message");
    if (!parse_u64(attr(a, "value"), &e->value)) e->value = UINT64_MAX;
  } else if (strcmp(n, "valueMap") == 0 || strcmp(n, "bitMap") == 0) {
    man_map *mp = vec_push(&p->maps, sizeof *mp);
    mp->name = pattr(m, a, "name");
    mp->bitmap = n[0] == 'b';
    m->cur_map = mp;
  } else if (strcmp(n, "map") == 0 && m->cur_map) {
    man_named *e = vec_push(&m->cur_map->entries, sizeof *e);
    e->message = pattr(m, a, "message");
    if (!parse_u64(attr(a, "value"), &e->value)) m->cur_map->entries.count--;
  } else if (strcmp(n, "template") == 0) {
    man_template *t = vec_push(&p->templates, sizeof *t);
    t->tid = pattr(m, a, "tid");
    m->cur_tmpl = t;
    m->struct_depth = 0;
  } else if ((strcmp(n, "data") == 0 || strcmp(n, "struct") == 0) && m->cur_tmpl) {
    man_template *t = m->cur_tmpl;
    int parent = m->struct_depth ? m->struct_stack[m->struct_depth - 1] : -1;
    man_item *it = vec_push(&t->items, sizeof *it);
    it->name = pattr(m, a, "name");
    it->in = pattr(m, a, "inType");
    it->out = pattr(m, a, "outType");
    it->map = pattr(m, a, "map");
    it->length = pattr(m, a, "length");
    it->count = pattr(m, a, "count");
    it->parent = parent;
    it->is_struct = n[0] == 's';
    if (parent >= 0) VEC_AT(t->items, man_item, parent).members++;
    if (it->is_struct) {
      if (m->struct_depth < 32) m->struct_stack[m->struct_depth++] = (int)t->items.count - 1;
      else t->bad = true;
    }
  } else if (strcmp(n, "event") == 0) {
    man_event *e = vec_push(&p->events, sizeof *e);
    e->value = pattr(m, a, "value");
    e->version = pattr(m, a, "version");
    e->level = pattr(m, a, "level");
    e->task = pattr(m, a, "task");
    e->opcode = pattr(m, a, "opcode");
    e->keywords = pattr(m, a, "keywords");
    e->tmpl = pattr(m, a, "template");
    e->channel = pattr(m, a, "channel");
    e->symbol = pattr(m, a, "symbol");
    e->message = pattr(m, a, "message");
    e->name = pattr(m, a, "name");
  }
}

static void on_end(void *ud, const char *qname) {
  man_parser *m = ud;
  if (m->userdata_depth) {
    m->userdata_depth--;
    return;
  }
  const char *n = local_name(qname);
  if (strcmp(n, "provider") == 0) m->cur = NULL;
  else if (strcmp(n, "task") == 0) m->cur_task = -1;
  else if (strcmp(n, "valueMap") == 0 || strcmp(n, "bitMap") == 0) m->cur_map = NULL;
  else if (strcmp(n, "template") == 0) m->cur_tmpl = NULL;
  else if (strcmp(n, "struct") == 0 && m->cur_tmpl && m->struct_depth > 0) m->struct_depth--;
}

/* ----------------------------------------------------------- compilation */

static int cmp_string(const void *a, const void *b) {
  const man_string *x = a, *y = b;
  return strcmp(x->id, y->id);
}

/* Resolves "$(string.ID)" via the string table; other text is returned as is. */
static const char *resolve(man_parser *m, const char *s) {
  if (!s) return NULL;
  if (strncmp(s, "$(string.", 9) != 0) return s;
  size_t n = strlen(s);
  if (n < 11 || s[n - 1] != ')') return s;
  char key[512];
  if (n - 10 >= sizeof key) return s;
  memcpy(key, s + 9, n - 10);
  key[n - 10] = 0;
  man_string probe = {key, NULL};
  man_string *hit = m->strings.count
                        ? bsearch(&probe, m->strings.items, m->strings.count, sizeof probe, cmp_string)
                        : NULL;
  return hit ? hit->value : s;
}

static const char *adup(dec_context *ctx, const char *s) { return s ? dec_strdup(ctx, s, strlen(s)) : ""; }

/* Display name: resolved message when present (what TDH shows), else name. */
static const char *display(man_parser *m, const man_named *e) {
  const char *msg = resolve(m, e->message);
  if (msg && *msg && strncmp(msg, "$(", 2) != 0) return msg;
  return e->name ? e->name : "";
}

static const man_named *find_named(const man_vec *v, const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < v->count; i++) {
    const man_named *e = &((const man_named *)v->items)[i];
    if (e->name && strcmp(e->name, name) == 0) return e;
  }
  return NULL;
}

static const dec_map *compile_map(man_parser *m, man_provider *p, const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < p->maps.count; i++) {
    man_map *mp = &VEC_AT(p->maps, man_map, i);
    if (!mp->name || strcmp(mp->name, name) != 0) continue;
    if (mp->compiled) return mp->compiled;
    dec_map *d = dec_alloc(m->ctx, sizeof *d);
    d->name = adup(m->ctx, mp->name);
    d->kind = mp->bitmap ? DEC_MAP_BITMAP : DEC_MAP_VALUE;
    d->count = (uint32_t)mp->entries.count;
    d->entries = dec_alloc(m->ctx, (mp->entries.count + 1) * sizeof *d->entries);
    for (size_t k = 0; k < mp->entries.count; k++) {
      const man_named *e = &VEC_AT(mp->entries, man_named, k);
      const char *txt = resolve(m, e->message);
      char num[24];
      if (!txt || strncmp(txt, "$(", 2) == 0) {
        snprintf(num, sizeof num, "%llu", (unsigned long long)e->value);
        txt = num;
      }
      /* trim trailing blanks manifests often carry */
      size_t tl = strlen(txt);
      while (tl && (txt[tl - 1] == ' ' || txt[tl - 1] == '\n' || txt[tl - 1] == '\r')) tl--;
      d->entries[k].value = e->value;
      d->entries[k].name = dec_strdup(m->ctx, txt, tl);
    }
    dec_map_finish(d);
    mp->compiled = d;
    return d;
  }
  return NULL;
}

static bool all_digits(const char *s) {
  if (!s || !*s) return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return false;
  return true;
}

/* Finds the pre-order index of the item named `ref` that item i may refer
 * to: an earlier sibling, else an earlier top-level item. -1 if none. */
static int find_ref(const man_template *t, int i, const char *ref) {
  const man_item *items = t->items.items;
  int parent = items[i].parent;
  for (int pass = 0; pass < 2; pass++) {
    int want = pass == 0 ? parent : -1;
    if (pass == 1 && parent == -1) break;
    for (int j = i - 1; j >= 0; j--)
      if (items[j].parent == want && items[j].name && strcmp(items[j].name, ref) == 0 && !items[j].is_struct)
        return j;
  }
  return -1;
}

static bool compile_template(man_parser *m, man_provider *p, man_template *t) {
  if (t->compiled) return !t->bad;
  t->compiled = true;
  if (t->bad) return false;
  size_t n = t->items.count;
  dec_field *pre = kv_calloc(n ? n : 1, sizeof *pre);
  bool ok = true;
  for (size_t i = 0; i < n && ok; i++) {
    const man_item *it = &VEC_AT(t->items, man_item, i);
    dec_field *f = &pre[i];
    const char *nm = it->name ? it->name : "";
    f->name = adup(m->ctx, nm);
    f->name_len = (uint16_t)strlen(nm);
    if (it->is_struct) {
      f->in_type = DEC_IN_STRUCT;
      f->member_count = (uint16_t)it->members;
    } else {
      uint16_t in = DEC_IN_NULL, hint = 0, out = 0;
      if (!it->in || !dec_intype_from_qname(it->in, &in, &hint)) in = DEC_IN_NULL; /* stops decoding there */
      if (it->out && dec_outtype_from_qname(it->out, &out)) f->out_type = out;
      else f->out_type = hint;
      f->in_type = in;
      f->map = compile_map(m, p, it->map);
      if (it->length) {
        if (all_digits(it->length)) {
          f->len_kind = DEC_LEN_FIXED;
          f->length = (uint16_t)strtoul(it->length, NULL, 10);
        } else {
          int r = find_ref(t, (int)i, it->length);
          if (r < 0) f->in_type = DEC_IN_NULL; /* unresolvable: decoding stops here */
          else { f->len_kind = DEC_LEN_FIELD; f->length = (uint16_t)r; }
        }
      }
    }
    if (it->count) {
      if (all_digits(it->count)) {
        unsigned long c = strtoul(it->count, NULL, 10);
        if (c != 1) { f->count_kind = DEC_COUNT_FIXED; f->count = (uint16_t)(c > 65535 ? 65535 : c); }
      } else {
        int r = find_ref(t, (int)i, it->count);
        if (r < 0) f->in_type = it->is_struct ? f->in_type : DEC_IN_NULL;
        else { f->count_kind = DEC_COUNT_FIELD; f->count = (uint16_t)r; }
      }
    }
  }
  dec_schema tmp;
  memset(&tmp, 0, sizeof tmp);
  ok = ok && dec_schema_layout(m->ctx, &tmp, pre, n);
  free(pre);
  if (!ok) {
    t->bad = true;
    return false;
  }
  t->fields = tmp.fields;
  t->field_count = tmp.field_count;
  t->top_count = tmp.top_count;
  return true;
}

typedef struct win_named {
  const char *name;
  uint8_t value;
  const char *display;
} win_named;
static const win_named win_levels[] = {{"win:LogAlways", 0, "Log Always"}, {"win:Critical", 1, "Critical"},
                                       {"win:Error", 2, "Error"},           {"win:Warning", 3, "Warning"},
                                       {"win:Informational", 4, "Information"}, {"win:Verbose", 5, "Verbose"}};
static const win_named win_opcodes[] = {{"win:Info", 0, "Info"},         {"win:Start", 1, "Start"},
                                        {"win:Stop", 2, "Stop"},         {"win:DC_Start", 3, "DCStart"},
                                        {"win:DC_Stop", 4, "DCStop"},    {"win:Extension", 5, "Extension"},
                                        {"win:Reply", 6, "Reply"},       {"win:Resume", 7, "Resume"},
                                        {"win:Suspend", 8, "Suspend"},   {"win:Send", 9, "Send"},
                                        {"win:Receive", 240, "Receive"}};

static const win_named *find_win(const win_named *t, size_t n, const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i].name, name) == 0) return &t[i];
  return NULL;
}

static void compile_provider(man_parser *m, man_provider *p, dec_source source, int priority) {
  dec_context *ctx = m->ctx;
  uint8_t guid[16];
  if (!p->guid || !dec_parse_guid(p->guid, strlen(p->guid), guid)) return;
  const char *pname = adup(ctx, p->name);
  /* source="Wbem" providers describe classic MOF events: their event
   * `value`s are synthetic, so they are registered only under the classic
   * (task eventGUID, opcode, version) keys below -- registering them under
   * (provider GUID, value) would shadow real manifest events (Tx asp.man's
   * CLRTrace shares its GUID with Microsoft-Windows-DotNETRuntime). */
  bool wbem = p->source && strcmp(p->source, "Wbem") == 0;
  if (!wbem) dec_provider_name_add(ctx, guid, pname);
  for (size_t i = 0; i < p->events.count; i++) {
    const man_event *e = &VEC_AT(p->events, man_event, i);
    uint64_t id = 0, ver = 0;
    if (!parse_u64(e->value, &id) || id > 0xFFFF) continue;
    if (e->version && (!parse_u64(e->version, &ver) || ver > 255)) continue;
    dec_schema *s = dec_schema_new(ctx, source);
    memcpy(s->provider_id, guid, 16);
    s->provider_name = pname;
    /* task / opcode */
    const man_named *task = find_named(&p->tasks, e->task);
    int task_idx = task ? (int)(task - (const man_named *)p->tasks.items) : -1;
    const man_named *op = NULL;
    if (e->opcode) {
      for (size_t k = 0; k < p->opcodes.count && !op; k++) {
        const man_named *o = &VEC_AT(p->opcodes, man_named, k);
        if (o->task == task_idx && task_idx >= 0 && o->name && strcmp(o->name, e->opcode) == 0) op = o;
      }
      for (size_t k = 0; k < p->opcodes.count && !op; k++) {
        const man_named *o = &VEC_AT(p->opcodes, man_named, k);
        if (o->task == -1 && o->name && strcmp(o->name, e->opcode) == 0) op = o;
      }
    }
    const win_named *wop = op ? NULL : find_win(win_opcodes, sizeof win_opcodes / sizeof *win_opcodes, e->opcode);
    uint64_t opcode_value = op ? op->value : wop ? wop->value : 0;
    if (task) s->task_name = adup(ctx, display(m, task));
    if (op) s->opcode_name = adup(ctx, display(m, op));
    else if (wop) s->opcode_name = wop->display;
    const man_named *lv = find_named(&p->levels, e->level);
    const win_named *wlv = lv ? NULL : find_win(win_levels, sizeof win_levels / sizeof *win_levels, e->level);
    if (lv) s->level_name = adup(ctx, display(m, lv));
    else if (wlv) s->level_name = wlv->display;
    if (e->channel) {
      for (size_t k = 0; k < p->channels.count; k++) {
        const man_named *c = &VEC_AT(p->channels, man_named, k);
        if ((c->chid && strcmp(c->chid, e->channel) == 0) || (c->name && strcmp(c->name, e->channel) == 0)) {
          s->channel_name = adup(ctx, c->name);
          break;
        }
      }
    }
    if (e->keywords) {
      /* space-separated keyword names -> "A,B" (names as written) */
      kv_buf kb;
      kv_buf_init(&kb);
      const char *q = e->keywords;
      while (*q) {
        while (*q == ' ' || *q == '\t') q++;
        const char *st = q;
        while (*q && *q != ' ' && *q != '\t') q++;
        if (q > st) {
          if (kb.len) kv_buf_putc(&kb, ',');
          kv_buf_append(&kb, st, (size_t)(q - st));
        }
      }
      s->keywords_name = dec_strdup(ctx, kb.data ? kb.data : "", kb.len);
      kv_buf_free(&kb);
    }
    /* event name: explicit name, else symbol, else Task/Opcode (PerfView style) */
    if (e->name && *e->name) s->event_name = adup(ctx, e->name);
    else if (e->symbol && *e->symbol) s->event_name = adup(ctx, e->symbol);
    else if (task) {
      const char *tn = task->name ? task->name : "";
      const char *on = op ? (op->name ? op->name : "") : (wop && wop->value ? wop->display : "");
      kv_buf nb;
      kv_buf_init(&nb);
      kv_buf_puts(&nb, tn);
      if (*on) {
        kv_buf_putc(&nb, '/');
        kv_buf_puts(&nb, on);
      }
      s->event_name = dec_strdup(ctx, nb.data ? nb.data : "", nb.len);
      kv_buf_free(&nb);
    }
    const char *msg = resolve(m, e->message);
    if (msg && strncmp(msg, "$(", 2) != 0) s->message = adup(ctx, msg);
    /* template */
    if (e->tmpl) {
      man_template *t = NULL;
      for (size_t k = 0; k < p->templates.count; k++) {
        man_template *c = &VEC_AT(p->templates, man_template, k);
        if (c->tid && strcmp(c->tid, e->tmpl) == 0) { t = c; break; }
      }
      if (!t || !compile_template(m, p, t)) continue; /* unusable: event stays undecoded */
      s->fields = t->fields;
      s->field_count = t->field_count;
      s->top_count = t->top_count;
    }
    dec_key k;
    memset(&k, 0, sizeof k);
    memcpy(k.guid, guid, 16);
    k.id = (uint16_t)id;
    k.version = (uint8_t)ver;
    k.kind = DEC_KEY_EVENT;
    if (!wbem) dec_registry_add(ctx, &k, s, priority);
    /* MOF-style events (source="Wbem" providers, tasks with eventGUID):
     * classic records carry the task GUID and the opcode, so register
     * them under the CLASSIC key too. */
    uint8_t cg[16];
    if (task && task->guid && dec_parse_guid(task->guid, strlen(task->guid), cg)) {
      dec_key kc;
      memset(&kc, 0, sizeof kc);
      memcpy(kc.guid, cg, 16);
      kc.id = (uint16_t)opcode_value;
      kc.version = (uint8_t)ver;
      kc.kind = DEC_KEY_CLASSIC;
      dec_registry_add(ctx, &kc, s, priority);
      dec_provider_name_add(ctx, cg, pname);
    }
  }
}

static void free_provider(man_provider *p) {
  for (size_t i = 0; i < p->maps.count; i++) free(VEC_AT(p->maps, man_map, i).entries.items);
  for (size_t i = 0; i < p->templates.count; i++) free(VEC_AT(p->templates, man_template, i).items.items);
  free(p->levels.items); free(p->tasks.items); free(p->opcodes.items); free(p->keywords.items);
  free(p->channels.items); free(p->maps.items); free(p->templates.items); free(p->events.items);
}

#ifdef E2K_HAVE_EXPAT
static void XMLCALL expat_start(void *ud, const XML_Char *qname, const XML_Char **a) { on_start(ud, qname, a); }
static void XMLCALL expat_end(void *ud, const XML_Char *qname) { on_end(ud, qname); }

static int parse_expat(man_parser *m, const char *name, const uint8_t *xml, size_t len, char *err,
                       size_t err_len) {
  XML_Parser xp = XML_ParserCreateNS(NULL, '|');
  if (!xp) {
    if (err && err_len) snprintf(err, err_len, "%s: cannot create the XML parser", name);
    return -1;
  }
  XML_SetUserData(xp, m);
  XML_SetElementHandler(xp, expat_start, expat_end);
  int rc = 0;
  size_t off = 0; /* expat takes int lengths: feed in chunks */
  do {
    size_t chunk = len - off > (1u << 30) ? (1u << 30) : len - off;
    bool last = off + chunk == len;
    if (XML_Parse(xp, (const char *)xml + off, (int)chunk, last) == XML_STATUS_ERROR) {
      if (err && err_len)
        snprintf(err, err_len, "%s:%lu:%lu: %s", name, (unsigned long)XML_GetCurrentLineNumber(xp),
                 (unsigned long)XML_GetCurrentColumnNumber(xp) + 1, XML_ErrorString(XML_GetErrorCode(xp)));
      rc = -1;
      break;
    }
    off += chunk;
  } while (off < len);
  XML_ParserFree(xp);
  return rc;
}
#endif

int dec_manifest_load_buffer(dec_context *ctx, const char *name, const uint8_t *xml, size_t len,
                             dec_source source, int priority, char *err, size_t err_len) {
  man_parser m;
  memset(&m, 0, sizeof m);
  m.ctx = ctx;
  m.cur_task = -1;
  int rc;
#ifdef E2K_HAVE_EXPAT
  if (!ctx->xml_builtin) rc = parse_expat(&m, name, xml, len, err, err_len);
  else
#endif
    rc = dec_xml_parse(name, xml, len, on_start, on_end, &m, err, err_len);
  if (rc == 0) {
    if (m.strings.count) qsort(m.strings.items, m.strings.count, sizeof(man_string), cmp_string);
    for (size_t i = 0; i < m.providers.count; i++)
      compile_provider(&m, &VEC_AT(m.providers, man_provider, i), source, priority);
  }
  for (size_t i = 0; i < m.providers.count; i++) free_provider(&VEC_AT(m.providers, man_provider, i));
  free(m.providers.items);
  free(m.strings.items);
  pool_free(&m.pool);
  return rc;
}

static bool has_manifest_ext(const char *n) {
  size_t l = strlen(n);
  const char *exts[] = {".man", ".xml", ".manifest"};
  for (size_t i = 0; i < 3; i++) {
    size_t e = strlen(exts[i]);
    if (l > e) {
      bool eq = true;
      for (size_t k = 0; k < e; k++) {
        char c = n[l - e + k];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != exts[i][k]) { eq = false; break; }
      }
      if (eq) return true;
    }
  }
  return false;
}

static int load_file(dec_context *ctx, const char *path, char *err, size_t err_len) {
  char *data;
  size_t len;
  if (plat_read_all(path, &data, &len) != 0) {
    if (err && err_len) snprintf(err, err_len, "%s: cannot read manifest: %s", path, plat_last_error());
    return -1;
  }
  int rc = dec_manifest_load_buffer(ctx, path, (const uint8_t *)data, len, DEC_SRC_MANIFEST, DEC_PRIO_USER,
                                    err, err_len);
  free(data);
  return rc;
}

int dec_manifest_load_path(dec_context *ctx, const char *path, char *err, size_t err_len) {
  if (!plat_is_directory(path)) return load_file(ctx, path, err, err_len);
  char **names;
  size_t count;
  if (plat_list_dir(path, &names, &count) != 0) {
    if (err && err_len) snprintf(err, err_len, "%s: cannot list folder: %s", path, plat_last_error());
    return -1;
  }
  int rc = 0;
  for (size_t i = 0; i < count && rc == 0; i++) {
    if (!has_manifest_ext(names[i])) continue;
    size_t n = strlen(path) + strlen(names[i]) + 2;
    char *full = kv_malloc(n);
    snprintf(full, n, "%s/%s", path, names[i]);
    if (!plat_is_directory(full)) rc = load_file(ctx, full, err, err_len);
    free(full);
  }
  plat_free_list(names, count);
  return rc;
}
