#ifndef LAPAK_CJANSSON_SHIM_H
#define LAPAK_CJANSSON_SHIM_H
#include <jansson.h>

/// Type tests as functions: jansson's json_is_* macros are not imported into Swift.
static inline int lapak_json_type(const json_t *_Nonnull json) { return (int)json_typeof(json); }

/// json_incref is a static inline in jansson; re-exported under our prefix for clarity.
static inline json_t *_Nullable lapak_json_incref(json_t *_Nullable json) { return json_incref(json); }

#endif
