/* SPDX-License-Identifier: MIT
 * Kernel MOF class table (generated dec_mof_table.c) and the MOF schema
 * source (dec_mof.c), private to decode/. A row is one MOF event class of
 * one version: its class GUID, opcodes with their names and the fields in
 * payload order, with in/out types already in DEC_IN_/DEC_OUT_ numbering.
 * Owner: decode part B. */
#ifndef E2K_DECODE_DEC_MOF_H
#define E2K_DECODE_DEC_MOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dec_mof_field_def {
  const char *name;
  uint16_t in_type;    /* DEC_IN_* */
  uint16_t out_type;   /* DEC_OUT_* */
  uint8_t len_kind;    /* 0 natural, 1 fixed (length) */
  uint16_t length;     /* chars (UNICODESTRING) or bytes (BINARY) */
  uint8_t count_kind;  /* 0 scalar, 1 fixed (count), 2 from field index count,
                          3 rest of the payload (last field; count per record) */
  uint16_t count;
} dec_mof_field_def;

typedef struct dec_mof_class_def {
  uint8_t guid[16];              /* event class GUID, Windows byte order */
  const char *task;              /* DisplayName, e.g. "Process" */
  const char *class_name;        /* MOF class, e.g. "Process_V4_TypeGroup1" */
  uint8_t version;               /* EventVersion; 255 = none given (any version) */
  const uint8_t *opcodes;        /* EventType list */
  const char *const *opcode_names; /* EventTypeName list (same order) */
  uint8_t opcode_count;
  const dec_mof_field_def *fields;
  uint16_t field_count;
} dec_mof_class_def;

extern const dec_mof_class_def dec_mof_classes[];
extern const size_t dec_mof_class_count;

struct dec_context;
struct dec_schema;
/* Builds the schema of table row `row` for its op_idx-th opcode (arena of
 * ctx; not registered); op_idx -1 borrows the row's layout for opcode
 * op_number. NULL if the row's fields are inconsistent. Used by
 * dec_mof_lookup and the tests. */
const struct dec_schema *dec_mof_schema_for_row(struct dec_context *ctx, size_t row, int op_idx,
                                                bool guessed, uint8_t op_number);
/* Same, with rest_count elements for a count_kind 3 (rest of payload) field. */
const struct dec_schema *dec_mof_schema_for_row_n(struct dec_context *ctx, size_t row, int op_idx,
                                                  bool guessed, uint8_t op_number, uint32_t rest_count);

#endif
