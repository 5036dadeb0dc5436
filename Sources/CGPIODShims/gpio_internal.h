#pragma once
/* What gpio_v1.c and gpio_v2.c share: the chip handle (gpiod_chip_open/close have the same
   signature in both APIs) and a bounded string copy. */
#include <gpiod.h>
#include <stddef.h>

struct ef_gpio_chip {
    struct gpiod_chip *chip;
};

/* Copies src (NULL = "") into dst, truncating to len - 1 bytes and always terminating. */
void ef_gpio_copy_string(char *dst, size_t len, const char *src);
