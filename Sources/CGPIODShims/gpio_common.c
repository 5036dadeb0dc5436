/* The parts of the ef_gpio_* interface that are the same on both libgpiod APIs. */
#include "CGPIODShims.h"
#include "gpio_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void ef_gpio_copy_string(char *dst, size_t len, const char *src) {
    if (len == 0) return;
    if (!src) src = "";
    strncpy(dst, src, len - 1);
    dst[len - 1] = '\0';
}

ef_gpio_chip *ef_gpio_chip_open(const char *path) {
    struct gpiod_chip *chip = gpiod_chip_open(path);
    if (!chip) return NULL;
    ef_gpio_chip *c = calloc(1, sizeof(*c));
    if (!c) {
        gpiod_chip_close(chip);
        errno = ENOMEM;
        return NULL;
    }
    c->chip = chip;
    return c;
}

void ef_gpio_chip_close(ef_gpio_chip *chip) {
    if (!chip) return;
    gpiod_chip_close(chip->chip);
    free(chip);
}
