/* SPDX-License-Identifier: MIT
 * Declarations of the series_* bodies beyond the element-wise ones
 * (fn_series_stats.c, fn_series_fill.c, fn_series_filter.c,
 * fn_series_seasonal.c). Included by
 * kql_fn_table.c next to fn_lib.h. Owner: series. */
#ifndef E2K_KQL_FN_SERIES_MORE_H
#define E2K_KQL_FN_SERIES_MORE_H

#include <stdbool.h>
#include <stddef.h>

#include "kql/fn_lib.h"

/* Copies a dynamic array of numbers into a new malloc'ed double array
 * (*out, *n; *out is NULL for an empty array). false when v is not an array
 * or an element is null / not numeric: those are left "not supported yet"
 * because Kusto's null handling there is not pinned down by the corpus. */
bool kql_series_doubles(kv_value v, double **out, size_t *n);

/* fn_series_stats.c */
KQL_FN(series_stats_dynamic); KQL_FN(series_fit_line_dynamic); KQL_FN(series_product);
KQL_FN(series_dot_product); KQL_FN(series_cosine_similarity); KQL_FN(series_pearson_correlation);
/* fn_series_fill.c */
KQL_FN(series_fill_const); KQL_FN(series_fill_forward); KQL_FN(series_fill_backward);
KQL_FN(series_fill_linear);
/* fn_series_filter.c */
KQL_FN(series_fir); KQL_FN(series_iir);
/* fn_series_seasonal.c */
KQL_FN(series_seasonal);
/* fn_series_fit.c: "_t" bodies return a dynamic array of all outputs (tuple
 * functions, spread over columns by kql_bind_tuple.c); the plain names give
 * the first output. */
KQL_FN(series_stats_t); KQL_FN(series_fit_line_t); KQL_FN(series_fit_2lines_t); KQL_FN(series_fit_poly_t);
KQL_FN(series_stats); KQL_FN(series_fit_line); KQL_FN(series_fit_2lines); KQL_FN(series_fit_poly);
KQL_FN(series_fit_2lines_dynamic);
/* Element 0 of a tuple array as type t (takes ownership of `tuple`). */
kv_value kql_series_first(kv_value tuple, kv_type t);
/* fn_series_decompose.c */
KQL_FN(series_decompose_t); KQL_FN(series_decompose_anomalies_t);
KQL_FN(series_decompose); KQL_FN(series_decompose_anomalies); KQL_FN(series_decompose_forecast);
KQL_FN(series_outliers);
/* Best period (>= 4 points, <= n/2) whose detrended autocorrelation reaches
 * threshold; 0 when none. */
size_t kql_series_detect_period(const double *d, size_t n, double threshold);

/* Rows of kql_fn_table.c for the functions above ("name$" = tuple body). */
#define KQL_SERIES_FN_ROWS                                                              \
  {"series_stats$", 1, 2, kql_fn_series_stats_t, kql_rt_dynamic, 0},                  \
  {"series_fit_line$", 1, 1, kql_fn_series_fit_line_t, kql_rt_dynamic, 0},            \
  {"series_fit_2lines$", 1, 1, kql_fn_series_fit_2lines_t, kql_rt_dynamic, 0},        \
  {"series_fit_poly$", 1, 3, kql_fn_series_fit_poly_t, kql_rt_dynamic, 0},            \
  {"series_decompose$", 1, 5, kql_fn_series_decompose_t, kql_rt_dynamic, 0},          \
  {"series_decompose_anomalies$", 1, 7, kql_fn_series_decompose_anomalies_t, kql_rt_dynamic, 0}, \
  {"series_stats", 1, 2, kql_fn_series_stats, kql_rt_real, 0},                        \
  {"series_fit_line", 1, 1, kql_fn_series_fit_line, kql_rt_real, 0},                  \
  {"series_fit_2lines", 1, 1, kql_fn_series_fit_2lines, kql_rt_real, 0},              \
  {"series_fit_poly", 1, 3, kql_fn_series_fit_poly, kql_rt_real, 0},                  \
  {"series_fit_2lines_dynamic", 1, 1, kql_fn_series_fit_2lines_dynamic, kql_rt_dynamic, 0}, \
  {"series_decompose", 1, 5, kql_fn_series_decompose, kql_rt_dynamic, 0},             \
  {"series_decompose_anomalies", 1, 7, kql_fn_series_decompose_anomalies, kql_rt_dynamic, 0}, \
  {"series_decompose_forecast", 2, 5, kql_fn_series_decompose_forecast, kql_rt_dynamic, 0}, \
  {"series_outliers", 1, 5, kql_fn_series_outliers, kql_rt_dynamic, 0}

#endif
