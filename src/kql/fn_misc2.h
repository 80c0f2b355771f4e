/* SPDX-License-Identifier: MIT
 * Declarations of further scalar functions added by the series engineer
 * (fn_misc2_*.c): punycode, beta_pdf. Included by kql_fn_table.c. Owner: series. */
#ifndef E2K_KQL_FN_MISC2_H
#define E2K_KQL_FN_MISC2_H

#include "kql/fn_lib.h"

/* fn_misc2_punycode.c */
KQL_FN(punycode_from_string); KQL_FN(punycode_to_string);
KQL_FN(punycode_domain_to_string); KQL_FN(punycode_domain_from_string);
/* fn_misc2_beta.c */
KQL_FN(beta_pdf);

#endif
