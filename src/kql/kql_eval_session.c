/* SPDX-License-Identifier: MIT
 * row_window_session(expr, max_from_first, max_between_neighbors [, restart])
 * over a serialized row set: the value of expr at the start of the current
 * session. A session starts at the first row of the window, where restart
 * is true, or where expr is more than max_from_first after the session's
 * start or more than max_between_neighbors after the previous row's value
 * (docs; emulator:row-window-session-function-00). Bound as KQL_E_ROWWIN
 * with op KQL_ROWWIN_SESSION (kql_bind_scalars.c); state lives in the node:
 * wprev = session start, cval = previous value. Owner: scalars. */
#include "kql/kql_int.h"

/* Ticks of a datetime/timespan value; false for null. */
static bool kql_sess_ticks(kv_value v, int64_t *out) {
  kv_type t = kv_scalar_type(v);
  if (kv_is_null(v) || (t != KV_DATETIME && t != KV_TIMESPAN)) return false;
  kv_value u = kv_from_dynamic(v);
  *out = u.u.i;
  kv_release(u);
  return true;
}

kv_value kql_eval_row_session(const kql_expr *e, kql_ectx *c) {
  kql_expr *me = (kql_expr *)e;
  bool restart = c->win_idx == 0;
  if (e->nargs > 3) {
    kv_value r = kql_eval(e->args[3], c);
    if (kv_truth(r) == 1) restart = true;
    kv_release(r);
  }
  kv_value x = kql_owned(kql_eval(e->args[0], c));
  kv_value d1 = kql_eval(e->args[1], c), d2 = kql_eval(e->args[2], c);
  int64_t xv = 0, start = 0, prev = 0, max_first = 0, max_gap = 0;
  bool have_x = kql_sess_ticks(x, &xv);
  bool have_d = kql_sess_ticks(d1, &max_first) && kql_sess_ticks(d2, &max_gap);
  kv_release(d1);
  kv_release(d2);
  if (!restart && have_x && have_d && kql_sess_ticks(me->wprev, &start) &&
      kql_sess_ticks(me->cval, &prev)) {
    /* differences in double: ticks of far-apart datetimes do not overflow */
    if ((double)xv - (double)start > (double)max_first || (double)xv - (double)prev > (double)max_gap)
      restart = true;
  } else if (!restart) {
    restart = true; /* no usable state (null values): the row starts a session */
  }
  if (restart) {
    kv_release(me->wprev);
    me->wprev = kv_retain(x);
  }
  kv_release(me->cval);
  me->cval = x; /* takes the reference */
  return kv_retain(me->wprev);
}
