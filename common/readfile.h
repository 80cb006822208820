// Whole small text files into memory.
#pragma once
#include <stddef.h>

// Reads `path` into a NUL-terminated malloc'd buffer (free it); *len (may be NULL) gets its length.
// NULL on failure, with "<path>: <reason>" in err.
char *cc_read_text_file(const char *path, size_t *len, char *err, size_t errlen);
