/* The one place runwarden talks to the operator in runtime mode: refusal and warning lines
 * on stderr, mirrored into the runtime's --log file where the engine reads errors. */
#pragma once

#include "../common/verdict.h"
#include "cli.h"

#include <stddef.h>

/* Copies in to out, rewriting phrases that podman maps to exit codes 126/127 (so a refusal
 * is never mistaken for a missing binary or a permission problem) and folding newlines. */
void rw_report_sanitize(const char *in, char *out, size_t out_size);
/* "runwarden: refused: <msg>" on stderr and in the --log file. */
void rw_report_refusal(const rw_invocation_t *inv, const char *msg);
/* "runwarden: warning: <msg>" on stderr (and the --log file at level warning). */
void rw_report_warning(const rw_invocation_t *inv, const char *msg);
/* "runwarden: error: <msg>" for operational failures. */
void rw_report_error(const rw_invocation_t *inv, const char *msg);
