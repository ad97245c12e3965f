/* Who started the container, collected on a second thread while the main one loads the
 * configuration and the bundle: ~0.6 ms of /proc reads that depend on neither, on every
 * create and exec. The thread only reads /proc and calls reentrant lookups
 * (getpwuid_r); its result is taken, joined, before the pipeline needs it. */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "identity_job.h"

static void *collect(void *arg)
{
    rw_identity_job_t *j = arg;
    rw_error_t *e = NULL;
    (void)rw_identity_collect(&j->who, &e);
    rw_error_free(e);
    return NULL;
}

void rw_identity_job_start(rw_identity_job_t *j)
{
    j->who = NULL;
    /* a small stack: /proc reads and one getpwuid_r buffer, not glibc's 8 MiB default */
    pthread_attr_t a;
    bool attr = pthread_attr_init(&a) == 0 && pthread_attr_setstacksize(&a, 256 * 1024) == 0;
    j->running = pthread_create(&j->thread, attr ? &a : NULL, collect, j) == 0;
    if (attr)
        pthread_attr_destroy(&a);
}

rw_identity_t *rw_identity_job_take(rw_identity_job_t *j)
{
    if (!j->running)
        return NULL;
    pthread_join(j->thread, NULL);
    j->running = false;
    rw_identity_t *who = j->who;
    j->who = NULL;
    return who;
}
