/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libFuzzer entry point every target defines. Built with clang -fsanitize=fuzzer by `make
 * fuzz`, and with the normal compiler and replay.c by `make check`, which runs every file of the
 * target's seed corpus and regression inputs through it. */
#ifndef PCIPASS_FUZZ_H
#define PCIPASS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
