/* Declarations of the pipeline stages; their order is in stages.c. */
#pragma once

#include "pipeline.h"

extern const rw_stage_t rw_stage_bundle;
extern const rw_stage_t rw_stage_annotations;
