/* Declarations of the pipeline stages; their order is in stages.c. */
#pragma once

#include "pipeline.h"

extern const rw_stage_t rw_stage_bundle;
extern const rw_stage_t rw_stage_annotations;
extern const rw_stage_t rw_stage_ebpf;
extern const rw_stage_t rw_stage_ebpf_commit;
extern const rw_stage_t rw_stage_seccomp;
extern const rw_stage_t rw_stage_admission;
extern const rw_stage_t rw_stage_admission_commit;
extern const rw_stage_t rw_stage_mounts;
extern const rw_stage_t rw_stage_lsm, rw_stage_lsm_exec, rw_stage_lsm_commit;
extern const rw_stage_t rw_stage_trust;
extern const rw_stage_t rw_stage_hooks;
