// What every fuzz harness needs: the fuzzer's bytes as a C string, or as a file the parser under test
// opens by path (the parsers read files; fuzzing them through a file tests the real entry point).
#pragma once
#include <stddef.h>
#include <stdint.h>

// A NUL-terminated malloc'd copy of data (embedded NULs end the string early, as they would in a file
// read as text). The caller frees it.
char *fuzz_string(const uint8_t *data, size_t size);
// Writes data to this process's scratch file (under /dev/shm when it exists, else /tmp) and returns its
// path, valid until the next call.
const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix);

// The entry point libFuzzer calls; replay_main.c calls it for files named on its command line.
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
