/* JSON values from untrusted bytes: an invalid UTF-8 byte becomes "\xNN" so a value is
 * never dropped from a record just because jansson refuses it. */
#pragma once

#include <jansson.h>
#include <stddef.h>

/* A JSON string for s (null for NULL). Never returns NULL unless out of memory. */
json_t *rw_audit_jstr(const char *s);
json_t *rw_audit_jstrn(const char *s, size_t len);
