/* ef_gpio_* over the libgpiod 2.x API (v2). Compiled to nothing against a 1.6 header. */
#include <gpiod.h>

#ifndef GPIOD_LINE_BULK_MAX_LINES

#include "CGPIODShims.h"
#include "gpio_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* v2 requests every line in one kernel call: one request, one event fd for all its edges. */
struct ef_gpio_request {
    struct gpiod_line_request *request;
    size_t count;
    unsigned *offsets;              /* request order, as the caller gave them */
    enum gpiod_line_value *values;  /* scratch for get_values */
    struct gpiod_edge_event_buffer *events; /* NULL when no line has an edge */
    size_t events_capacity;
};

/* Events copied out of the kernel per read call; the kernel queues more until the next one. */
#define EF_GPIO_EVENT_BATCH 64

int ef_gpio_api_version(void) { return 2; }
const char *ef_gpio_library_version(void) { return gpiod_api_version(); }
int ef_gpio_kernel_debounce_supported(void) { return 1; }

int ef_gpio_chip_info(ef_gpio_chip *chip, char *name, size_t name_len, char *label, size_t label_len,
                      unsigned *num_lines) {
    struct gpiod_chip_info *info = gpiod_chip_get_info(chip->chip);
    if (!info) return -1;
    ef_gpio_copy_string(name, name_len, gpiod_chip_info_get_name(info));
    ef_gpio_copy_string(label, label_len, gpiod_chip_info_get_label(info));
    *num_lines = (unsigned)gpiod_chip_info_get_num_lines(info);
    gpiod_chip_info_free(info);
    return 0;
}

int ef_gpio_line_info_get(ef_gpio_chip *chip, unsigned offset, ef_gpio_line_info *out) {
    /* A fresh snapshot from the kernel each call, so `used` and the consumer are current. */
    struct gpiod_line_info *info = gpiod_chip_get_line_info(chip->chip, offset);
    if (!info) return -1;
    memset(out, 0, sizeof(*out));
    ef_gpio_copy_string(out->name, sizeof(out->name), gpiod_line_info_get_name(info));
    ef_gpio_copy_string(out->consumer, sizeof(out->consumer), gpiod_line_info_get_consumer(info));
    out->used = gpiod_line_info_is_used(info) ? 1 : 0;
    out->output = gpiod_line_info_get_direction(info) == GPIOD_LINE_DIRECTION_OUTPUT;
    out->active_low = gpiod_line_info_is_active_low(info) ? 1 : 0;
    switch (gpiod_line_info_get_bias(info)) {
    case GPIOD_LINE_BIAS_DISABLED: out->bias = EF_GPIO_BIAS_DISABLED; break;
    case GPIOD_LINE_BIAS_PULL_UP: out->bias = EF_GPIO_BIAS_PULL_UP; break;
    case GPIOD_LINE_BIAS_PULL_DOWN: out->bias = EF_GPIO_BIAS_PULL_DOWN; break;
    /* The kernel reports no bias flag for a line nobody configured: libgpiod 2.x calls that
       UNKNOWN where 1.6 calls it AS_IS. Reported as AS_IS so both builds agree. */
    case GPIOD_LINE_BIAS_AS_IS:
    case GPIOD_LINE_BIAS_UNKNOWN: out->bias = EF_GPIO_BIAS_AS_IS; break;
    default: out->bias = EF_GPIO_BIAS_UNKNOWN; break;
    }
    gpiod_line_info_free(info);
    return 0;
}

void ef_gpio_request_release(ef_gpio_request *request) {
    if (!request) return;
    if (request->request) gpiod_line_request_release(request->request);
    if (request->events) gpiod_edge_event_buffer_free(request->events);
    free(request->offsets);
    free(request->values);
    free(request);
}

static ef_gpio_request *new_request(size_t count) {
    ef_gpio_request *r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    r->count = count;
    r->offsets = calloc(count ? count : 1, sizeof(*r->offsets));
    r->values = calloc(count ? count : 1, sizeof(*r->values));
    if (!r->offsets || !r->values) {
        ef_gpio_request_release(r);
        return NULL;
    }
    return r;
}

/* The kernel would silently merge a repeated offset into one line; v1 refuses the second
   request of a line, so refuse here too rather than return fewer lines than asked for. */
static int has_duplicate(const unsigned *offsets, size_t count) {
    for (size_t i = 0; i < count; i++)
        for (size_t j = i + 1; j < count; j++)
            if (offsets[i] == offsets[j]) return 1;
    return 0;
}

static int bias_setting(int bias, enum gpiod_line_bias *out) {
    switch (bias) {
    case EF_GPIO_BIAS_AS_IS: *out = GPIOD_LINE_BIAS_AS_IS; return 0;
    case EF_GPIO_BIAS_DISABLED: *out = GPIOD_LINE_BIAS_DISABLED; return 0;
    case EF_GPIO_BIAS_PULL_UP: *out = GPIOD_LINE_BIAS_PULL_UP; return 0;
    case EF_GPIO_BIAS_PULL_DOWN: *out = GPIOD_LINE_BIAS_PULL_DOWN; return 0;
    default: return -1;
    }
}

static int edge_setting(int edge, enum gpiod_line_edge *out) {
    switch (edge) {
    case EF_GPIO_EDGE_NONE: *out = GPIOD_LINE_EDGE_NONE; return 0;
    case EF_GPIO_EDGE_RISING: *out = GPIOD_LINE_EDGE_RISING; return 0;
    case EF_GPIO_EDGE_FALLING: *out = GPIOD_LINE_EDGE_FALLING; return 0;
    case EF_GPIO_EDGE_BOTH: *out = GPIOD_LINE_EDGE_BOTH; return 0;
    default: return -1;
    }
}

/* Makes the kernel request from a filled line config; keeps errno from the failing call. */
static int request_lines(ef_gpio_chip *chip, const char *consumer, struct gpiod_line_config *config,
                         ef_gpio_request *r) {
    struct gpiod_request_config *request_config = gpiod_request_config_new();
    if (!request_config) return -1;
    gpiod_request_config_set_consumer(request_config, consumer);
    r->request = gpiod_chip_request_lines(chip->chip, request_config, config);
    int saved = errno;
    gpiod_request_config_free(request_config);
    errno = saved;
    return r->request ? 0 : -1;
}

static ef_gpio_request *fail_request(ef_gpio_request *r, struct gpiod_line_settings *settings,
                                     struct gpiod_line_config *config, int error) {
    ef_gpio_request_release(r);
    if (settings) gpiod_line_settings_free(settings);
    if (config) gpiod_line_config_free(config);
    errno = error;
    return NULL;
}

ef_gpio_request *ef_gpio_request_inputs(ef_gpio_chip *chip, const char *consumer, const ef_gpio_input_spec *specs,
                                        size_t count) {
    ef_gpio_request *r = new_request(count);
    struct gpiod_line_settings *settings = gpiod_line_settings_new();
    struct gpiod_line_config *config = gpiod_line_config_new();
    if (!r || !settings || !config) return fail_request(r, settings, config, ENOMEM);
    int any_edge = 0;
    for (size_t i = 0; i < count; i++) {
        enum gpiod_line_bias bias;
        enum gpiod_line_edge edge;
        if (bias_setting(specs[i].bias, &bias) < 0 || edge_setting(specs[i].edge, &edge) < 0)
            return fail_request(r, settings, config, EINVAL);
        r->offsets[i] = specs[i].offset;
        gpiod_line_settings_reset(settings);
        if (gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT) < 0 ||
            gpiod_line_settings_set_edge_detection(settings, edge) < 0 ||
            gpiod_line_settings_set_bias(settings, bias) < 0 ||
            /* Already the default; stated because callers compare with CLOCK_MONOTONIC. */
            gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC) < 0)
            return fail_request(r, settings, config, errno);
        gpiod_line_settings_set_active_low(settings, specs[i].active_low != 0);
        gpiod_line_settings_set_debounce_period_us(settings, specs[i].debounce_us);
        if (gpiod_line_config_add_line_settings(config, &r->offsets[i], 1, settings) < 0)
            return fail_request(r, settings, config, errno);
        if (specs[i].edge != EF_GPIO_EDGE_NONE) any_edge = 1;
    }
    if (has_duplicate(r->offsets, count)) return fail_request(r, settings, config, EINVAL);
    if (any_edge) {
        r->events = gpiod_edge_event_buffer_new(EF_GPIO_EVENT_BATCH);
        if (!r->events) return fail_request(r, settings, config, ENOMEM);
        r->events_capacity = EF_GPIO_EVENT_BATCH;
    }
    if (request_lines(chip, consumer, config, r) < 0) return fail_request(r, settings, config, errno);
    gpiod_line_settings_free(settings);
    gpiod_line_config_free(config);
    return r;
}

ef_gpio_request *ef_gpio_request_outputs(ef_gpio_chip *chip, const char *consumer,
                                         const ef_gpio_output_spec *specs, size_t count) {
    ef_gpio_request *r = new_request(count);
    struct gpiod_line_settings *settings = gpiod_line_settings_new();
    struct gpiod_line_config *config = gpiod_line_config_new();
    if (!r || !settings || !config) return fail_request(r, settings, config, ENOMEM);
    for (size_t i = 0; i < count; i++) {
        r->offsets[i] = specs[i].offset;
        gpiod_line_settings_reset(settings);
        gpiod_line_settings_set_active_low(settings, specs[i].active_low != 0);
        /* The initial value is logical, like everything else: the kernel applies active-low. */
        if (gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT) < 0 ||
            gpiod_line_settings_set_output_value(
                settings, specs[i].initial ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) < 0 ||
            gpiod_line_config_add_line_settings(config, &r->offsets[i], 1, settings) < 0)
            return fail_request(r, settings, config, errno);
    }
    if (has_duplicate(r->offsets, count)) return fail_request(r, settings, config, EINVAL);
    if (request_lines(chip, consumer, config, r) < 0) return fail_request(r, settings, config, errno);
    gpiod_line_settings_free(settings);
    gpiod_line_config_free(config);
    return r;
}

int ef_gpio_get_values(ef_gpio_request *request, int *values, size_t count) {
    if (count > request->count) {
        errno = EINVAL;
        return -1;
    }
    if (count == 0) return 0;
    /* The subset call takes our offsets, so the order is the caller's, not the request's. */
    if (gpiod_line_request_get_values_subset(request->request, count, request->offsets, request->values) < 0)
        return -1;
    for (size_t i = 0; i < count; i++) values[i] = request->values[i] == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0;
    return 0;
}

int ef_gpio_set_value(ef_gpio_request *request, unsigned offset, int value) {
    for (size_t i = 0; i < request->count; i++)
        if (request->offsets[i] == offset)
            return gpiod_line_request_set_value(request->request, offset,
                                                value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
    errno = EINVAL;
    return -1;
}

size_t ef_gpio_event_fds(ef_gpio_request *request, int *fds, size_t max) {
    if (!request->events || max == 0) return 0;
    fds[0] = gpiod_line_request_get_fd(request->request);
    return 1;
}

int ef_gpio_read_events(ef_gpio_request *request, int fd, ef_gpio_event *events, size_t max) {
    if (!request->events || fd != gpiod_line_request_get_fd(request->request)) {
        errno = EINVAL;
        return -1;
    }
    size_t want = max < request->events_capacity ? max : request->events_capacity;
    if (want == 0) return 0;
    int n = gpiod_line_request_read_edge_events(request->request, request->events, want);
    if (n < 0) return -1;
    for (int i = 0; i < n; i++) {
        struct gpiod_edge_event *e = gpiod_edge_event_buffer_get_event(request->events, (unsigned long)i);
        events[i].offset = gpiod_edge_event_get_line_offset(e);
        events[i].rising = gpiod_edge_event_get_event_type(e) == GPIOD_EDGE_EVENT_RISING_EDGE;
        events[i].timestamp_ns = gpiod_edge_event_get_timestamp_ns(e);
        events[i].global_seqno = gpiod_edge_event_get_global_seqno(e);
        events[i].line_seqno = gpiod_edge_event_get_line_seqno(e);
    }
    return n;
}

#endif
