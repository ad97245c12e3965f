/* Stage order. Safety checks on the bundle come first so later stages only ever see a
 * bundle that is where it claims to be; stages that add to the spec come after those that
 * strip what the caller may not set. */
#include "stages.h"

const rw_stage_t *const rw_stages[] = {
    &rw_stage_bundle,
    &rw_stage_annotations,
    NULL,
};
