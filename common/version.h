// Build identity, generated at build time from git (cmake/version.cmake).
#pragma once

const char *cc_version(void);  // project version, "0.1.0"
const char *cc_commit(void);   // "git describe --always --dirty" of the source tree, or "unknown"
