/* Stage order. Safety checks on the bundle come first so later stages only ever see a
 * bundle that is where it claims to be; stages that add to the spec come after those that
 * strip what the caller may not set. */
#include "stages.h"

const rw_stage_t *const rw_stages[] = {
    &rw_stage_bundle,
    &rw_stage_annotations,
    &rw_stage_admission, /* sets the tenant and the effective mode for the stages below */
    &rw_stage_trust,     /* image trust: reads storage and policy, changes nothing */
    &rw_stage_ebpf,
    &rw_stage_seccomp, /* after every stage that sets the tenant or changes capabilities */
    &rw_stage_lsm,     /* after admission: keyed by its tenant and level */
    &rw_stage_lsm_exec,
    /* Side effects outside the spec come last: only once every stage above agreed. */
    /* first of them: it is the one that may still refuse (ebpf.required and a host part
     * that cannot be loaded); a binding left by a start refused later is collected */
    &rw_stage_ebpf_commit,
    &rw_stage_mounts,
    &rw_stage_admission_commit,
    &rw_stage_lsm_commit,
    &rw_stage_hooks, /* last: merges the hooks every stage above added, one process a phase */
    NULL,
};
