/* Collecting the starter's identity beside the pipeline's first steps (identity_job.c). */
#pragma once

#include <pthread.h>
#include <stdbool.h>

#include "../audit/identity.h"

typedef struct rw_identity_job {
    pthread_t thread;
    bool running;
    rw_identity_t *who;
} rw_identity_job_t;

/* Starts the collection; when no thread can be made, take returns NULL and the caller
 * collects it itself. */
void rw_identity_job_start(rw_identity_job_t *j);
/* Waits for it; the identity (the caller owns it) or NULL. Safe to call twice. */
rw_identity_t *rw_identity_job_take(rw_identity_job_t *j);
