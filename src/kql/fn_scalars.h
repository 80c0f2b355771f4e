/* SPDX-License-Identifier: MIT
 * Declarations of the scalar functions added for KQL conformance (issue 4)
 * by the "scalars" engineer: unit conversion, zlib/gzip base64, time zones,
 * parse_version, environment functions, beta/welch statistics, indexof_regex,
 * extract_json. Rows in kql_fn_table.c. Owner: scalars. */
#ifndef E2K_KQL_FN_SCALARS_H
#define E2K_KQL_FN_SCALARS_H

#include "kql/fn_lib.h"

/* fn_convert_units.c */
KQL_FN(convert_angle); KQL_FN(convert_energy); KQL_FN(convert_force); KQL_FN(convert_length);
KQL_FN(convert_mass); KQL_FN(convert_speed); KQL_FN(convert_temperature); KQL_FN(convert_volume);
/* fn_compress.c */
KQL_FN(zlib_compress_to_base64_string); KQL_FN(zlib_decompress_from_base64_string);
KQL_FN(gzip_compress_to_base64_string); KQL_FN(gzip_decompress_from_base64_string);
/* fn_timezone.c */
KQL_FN(datetime_list_timezones);
/* fn_version.c */
KQL_FN(parse_version);
/* fn_env.c */
KQL_FN(current_cluster_endpoint); KQL_FN(current_database); KQL_FN(current_principal);
KQL_FN(assert);
/* fn_stats_tests.c */
KQL_FN(beta_cdf); KQL_FN(beta_inv); KQL_FN(welch_test);
/* fn_indexof_regex.c */
KQL_FN(indexof_regex);
/* fn_extract_json.c */
KQL_FN(extract_json); KQL_RT(extract_json);

#endif
