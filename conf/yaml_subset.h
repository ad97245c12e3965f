/* The YAML subset registries.d files use: block mappings by indentation, plain, single-
 * and double-quoted scalars, comments, "---". Anything else (sequences, flow collections
 * other than {}, anchors, aliases, tags, block scalars, multi-line scalars) is refused
 * with a message naming the line, so nothing is silently read differently. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"

#define RW_YAML_MAX_DEPTH 16

typedef enum rw_yaml_kind {
    RW_YAML_NULL = 0, /* empty value, "~" or "null" */
    RW_YAML_SCALAR,
    RW_YAML_MAP,
} rw_yaml_kind_t;

typedef struct rw_yaml_node rw_yaml_node_t;
typedef struct rw_yaml_pair {
    char *key;
    rw_yaml_node_t *value;
    int line;
} rw_yaml_pair_t;

struct rw_yaml_node {
    rw_yaml_kind_t kind;
    char *scalar;          /* RW_YAML_SCALAR */
    bool quoted;           /* the scalar was quoted (always a string) */
    rw_yaml_pair_t *pairs; /* RW_YAML_MAP */
    size_t n_pairs;
    int line;
};

/* Parses a document. The root is a map (or null for an empty document). */
int rw_yaml_parse(const char *buf, size_t len, const char *file, rw_yaml_node_t **ret,
                  rw_error_t **err);
void rw_yaml_free(rw_yaml_node_t *n);
static inline void rw_yaml_freep(rw_yaml_node_t **n)
{
    rw_yaml_free(*n);
}
#define cleanup_yaml __attribute__((cleanup(rw_yaml_freep)))

/* YAML 1.1 boolean spellings (yes/no/on/off/true/false...): 1/0, or -1 if not a boolean. */
int rw_yaml_bool(const rw_yaml_node_t *n);
/* A plain scalar YAML would resolve to a number or boolean (so not a string). */
bool rw_yaml_plain_is_typed(const rw_yaml_node_t *n);
