/* ef_gpio_* over the libgpiod 1.6 API (v1). Compiled to nothing against a 2.x header. */
#include <gpiod.h>

#ifdef GPIOD_LINE_BULK_MAX_LINES

#include "CGPIODShims.h"
#include "gpio_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ef_gpio_request {
    size_t count;
    struct gpiod_line **lines;
    unsigned *offsets;
    int *fds; /* per line: its event fd, or -1 */
};

int ef_gpio_api_version(void) { return 1; }
const char *ef_gpio_library_version(void) { return gpiod_version_string(); }
int ef_gpio_kernel_debounce_supported(void) { return 0; }

int ef_gpio_chip_info(ef_gpio_chip *chip, char *name, size_t name_len, char *label, size_t label_len,
                      unsigned *num_lines) {
    ef_gpio_copy_string(name, name_len, gpiod_chip_name(chip->chip));
    ef_gpio_copy_string(label, label_len, gpiod_chip_label(chip->chip));
    *num_lines = gpiod_chip_num_lines(chip->chip);
    return 0;
}

int ef_gpio_line_info_get(ef_gpio_chip *chip, unsigned offset, ef_gpio_line_info *out) {
    struct gpiod_line *line = gpiod_chip_get_line(chip->chip, offset);
    if (!line) return -1;
    /* The chip caches line info; refresh so `used` and the consumer are current. */
    if (!gpiod_line_is_requested(line) && gpiod_line_update(line) < 0) return -1;
    memset(out, 0, sizeof(*out));
    ef_gpio_copy_string(out->name, sizeof(out->name), gpiod_line_name(line));
    ef_gpio_copy_string(out->consumer, sizeof(out->consumer), gpiod_line_consumer(line));
    out->used = gpiod_line_is_used(line) ? 1 : 0;
    out->output = gpiod_line_direction(line) == GPIOD_LINE_DIRECTION_OUTPUT;
    out->active_low = gpiod_line_active_state(line) == GPIOD_LINE_ACTIVE_STATE_LOW;
    switch (gpiod_line_bias(line)) {
    case GPIOD_LINE_BIAS_DISABLE: out->bias = EF_GPIO_BIAS_DISABLED; break;
    case GPIOD_LINE_BIAS_PULL_UP: out->bias = EF_GPIO_BIAS_PULL_UP; break;
    case GPIOD_LINE_BIAS_PULL_DOWN: out->bias = EF_GPIO_BIAS_PULL_DOWN; break;
    case GPIOD_LINE_BIAS_AS_IS: out->bias = EF_GPIO_BIAS_AS_IS; break;
    default: out->bias = EF_GPIO_BIAS_UNKNOWN; break;
    }
    return 0;
}

static ef_gpio_request *new_request(size_t count) {
    ef_gpio_request *r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    r->count = count;
    r->lines = calloc(count ? count : 1, sizeof(*r->lines));
    r->offsets = calloc(count ? count : 1, sizeof(*r->offsets));
    r->fds = calloc(count ? count : 1, sizeof(*r->fds));
    if (!r->lines || !r->offsets || !r->fds) {
        free(r->lines);
        free(r->offsets);
        free(r->fds);
        free(r);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) r->fds[i] = -1;
    return r;
}

void ef_gpio_request_release(ef_gpio_request *request) {
    if (!request) return;
    for (size_t i = 0; i < request->count; i++)
        if (request->lines[i]) gpiod_line_release(request->lines[i]);
    free(request->lines);
    free(request->offsets);
    free(request->fds);
    free(request);
}

static int bias_flags(int bias) {
    switch (bias) {
    case EF_GPIO_BIAS_DISABLED: return GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
    case EF_GPIO_BIAS_PULL_UP: return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
    case EF_GPIO_BIAS_PULL_DOWN: return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
    default: return 0;
    }
}

/* Undoes a partial request and returns NULL with the errno of the call that failed. */
static ef_gpio_request *release_keeping_errno(ef_gpio_request *r) {
    int saved = errno;
    ef_gpio_request_release(r);
    errno = saved;
    return NULL;
}

/* v1 requests lines one at a time (each edge line gets its own event fd); a failure releases
   what was already requested so the call is all or nothing. */
ef_gpio_request *ef_gpio_request_inputs(ef_gpio_chip *chip, const char *consumer, const ef_gpio_input_spec *specs,
                                        size_t count) {
    ef_gpio_request *r = new_request(count);
    if (!r) {
        errno = ENOMEM;
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        if (specs[i].debounce_us != 0) {
            ef_gpio_request_release(r);
            errno = EOPNOTSUPP;
            return NULL;
        }
        struct gpiod_line *line = gpiod_chip_get_line(chip->chip, specs[i].offset);
        if (!line) goto fail;
        struct gpiod_line_request_config config = {.consumer = consumer, .flags = bias_flags(specs[i].bias)};
        if (specs[i].active_low) config.flags |= GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW;
        switch (specs[i].edge) {
        case EF_GPIO_EDGE_RISING: config.request_type = GPIOD_LINE_REQUEST_EVENT_RISING_EDGE; break;
        case EF_GPIO_EDGE_FALLING: config.request_type = GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE; break;
        case EF_GPIO_EDGE_BOTH: config.request_type = GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES; break;
        default: config.request_type = GPIOD_LINE_REQUEST_DIRECTION_INPUT; break;
        }
        if (gpiod_line_request(line, &config, 0) < 0) goto fail;
        r->lines[i] = line;
        r->offsets[i] = specs[i].offset;
        if (specs[i].edge != EF_GPIO_EDGE_NONE) r->fds[i] = gpiod_line_event_get_fd(line);
    }
    return r;
fail:
    return release_keeping_errno(r);
}

ef_gpio_request *ef_gpio_request_outputs(ef_gpio_chip *chip, const char *consumer,
                                         const ef_gpio_output_spec *specs, size_t count) {
    ef_gpio_request *r = new_request(count);
    if (!r) {
        errno = ENOMEM;
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        struct gpiod_line *line = gpiod_chip_get_line(chip->chip, specs[i].offset);
        if (!line) goto fail;
        struct gpiod_line_request_config config = {
            .consumer = consumer,
            .request_type = GPIOD_LINE_REQUEST_DIRECTION_OUTPUT,
            .flags = specs[i].active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0,
        };
        if (gpiod_line_request(line, &config, specs[i].initial ? 1 : 0) < 0) goto fail;
        r->lines[i] = line;
        r->offsets[i] = specs[i].offset;
    }
    return r;
fail:
    return release_keeping_errno(r);
}

int ef_gpio_get_values(ef_gpio_request *request, int *values, size_t count) {
    if (count > request->count) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        int v = gpiod_line_get_value(request->lines[i]);
        if (v < 0) return -1;
        values[i] = v;
    }
    return 0;
}

int ef_gpio_set_value(ef_gpio_request *request, unsigned offset, int value) {
    for (size_t i = 0; i < request->count; i++)
        if (request->offsets[i] == offset) return gpiod_line_set_value(request->lines[i], value ? 1 : 0);
    errno = EINVAL;
    return -1;
}

size_t ef_gpio_event_fds(ef_gpio_request *request, int *fds, size_t max) {
    size_t n = 0;
    for (size_t i = 0; i < request->count && n < max; i++)
        if (request->fds[i] >= 0) fds[n++] = request->fds[i];
    return n;
}

int ef_gpio_read_events(ef_gpio_request *request, int fd, ef_gpio_event *events, size_t max) {
    size_t index = request->count;
    for (size_t i = 0; i < request->count; i++)
        if (request->fds[i] == fd) index = i;
    if (index == request->count) {
        errno = EINVAL;
        return -1;
    }
    struct gpiod_line_event raw[16];
    unsigned want = max < 16 ? (unsigned)max : 16;
    int n = gpiod_line_event_read_fd_multiple(fd, raw, want);
    if (n < 0) return -1;
    for (int i = 0; i < n; i++) {
        events[i].offset = request->offsets[index];
        events[i].rising = raw[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
        events[i].timestamp_ns = (uint64_t)raw[i].ts.tv_sec * 1000000000ull + (uint64_t)raw[i].ts.tv_nsec;
        events[i].global_seqno = 0;
        events[i].line_seqno = 0;
    }
    return n;
}

#endif
