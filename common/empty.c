/* Keeps a module library non-empty while it has no sources of its own. */
typedef int rw_empty_translation_unit;
