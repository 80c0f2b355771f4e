/* SPDX-License-Identifier: MIT
 * beta_pdf(x, alpha, beta): density of the beta distribution. x outside
 * [0, 1] or a negative alpha/beta gives NaN (emulator:beta-pdf-function-00);
 * a zero alpha/beta is "not supported yet" (not pinned down). beta_cdf and
 * beta_inv are not implemented. Owner: series. */
#include <math.h>

#include "kql/fn_misc2.h"

KQL_FN(beta_pdf) {
  double x, a, b;
  for (int i = 0; i < 3; i++)
    if (kv_is_null(args[i])) return kv_null(KV_REAL);
  if (!kql_arg_real(args[0], &x) || !kql_arg_real(args[1], &a) || !kql_arg_real(args[2], &b))
    return kql_fn_fail(ctx, KV_REAL, "not supported yet: beta_pdf() on non-numeric arguments");
  if (isnan(x) || isnan(a) || isnan(b) || x < 0 || x > 1 || a < 0 || b < 0) return kv_real(NAN);
  if (a == 0 || b == 0 || isinf(a) || isinf(b) || ((x == 0 && a < 1) || (x == 1 && b < 1)))
    return kql_fn_fail(ctx, KV_REAL, "not supported yet: beta_pdf() at this edge");
  double lbeta = lgamma(a) + lgamma(b) - lgamma(a + b);
  return kv_real(pow(x, a - 1) * pow(1 - x, b - 1) * exp(-lbeta));
}
