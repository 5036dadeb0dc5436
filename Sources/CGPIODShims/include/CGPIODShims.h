#pragma once
/*
 * One GPIO interface over both libgpiod APIs. libgpiod 1.6 (v1: line handles, one event fd
 * per line) and libgpiod 2.x (v2: line settings and requests, one event fd per request) are
 * not source compatible, so the build compiles whichever of gpio_v1.c / gpio_v2.c matches the
 * header pkg-config found, and Swift sees only these `ef_gpio_*` calls. Every call is made from
 * the owner thread of its chip; nothing here is thread-safe. Errors return -1 or NULL with errno.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1 or 2: the libgpiod API this binary was compiled against. */
int ef_gpio_api_version(void);
/* libgpiod's own version string ("1.6.3", "2.1.3"). */
const char *ef_gpio_library_version(void);
/* 1 when line requests accept a kernel debounce period (v2 API), else 0. */
int ef_gpio_kernel_debounce_supported(void);

typedef struct ef_gpio_chip ef_gpio_chip;
typedef struct ef_gpio_request ef_gpio_request;

enum {
    EF_GPIO_BIAS_AS_IS = 0,
    EF_GPIO_BIAS_DISABLED = 1,
    EF_GPIO_BIAS_PULL_UP = 2,
    EF_GPIO_BIAS_PULL_DOWN = 3,
    EF_GPIO_BIAS_UNKNOWN = 4,
};

enum {
    EF_GPIO_EDGE_NONE = 0,
    EF_GPIO_EDGE_RISING = 1,
    EF_GPIO_EDGE_FALLING = 2,
    EF_GPIO_EDGE_BOTH = 3,
};

/* Opens a chip by device path (/dev/gpiochip0). NULL + errno (ENOENT, EACCES, ENODEV). */
ef_gpio_chip *ef_gpio_chip_open(const char *path);
void ef_gpio_chip_close(ef_gpio_chip *chip);

/* Kernel name (gpiochip0), label (pinctrl-bcm2711) and line count, copied into the buffers. */
int ef_gpio_chip_info(ef_gpio_chip *chip, char *name, size_t name_len, char *label, size_t label_len,
                      unsigned *num_lines);

typedef struct {
    char name[64];     /* "" when the line has no name */
    char consumer[64]; /* "" when unused or the consumer gave none */
    int used;          /* requested by someone (this process, another, or the kernel) */
    int output;        /* 1 output, 0 input */
    int active_low;
    int bias;          /* EF_GPIO_BIAS_* */
} ef_gpio_line_info;

int ef_gpio_line_info_get(ef_gpio_chip *chip, unsigned offset, ef_gpio_line_info *out);

typedef struct {
    unsigned offset;
    int edge;             /* EF_GPIO_EDGE_*; NONE requests a plain input (read by polling) */
    int bias;             /* EF_GPIO_BIAS_*, not UNKNOWN */
    int active_low;
    uint32_t debounce_us; /* kernel debounce; must be 0 unless ef_gpio_kernel_debounce_supported() */
} ef_gpio_input_spec;

typedef struct {
    unsigned offset;
    int active_low;
    int initial; /* logical value driven from the moment the line is requested */
} ef_gpio_output_spec;

/* Requests all lines in one call (inputs with their edges, or outputs at their initial values).
   EBUSY: a line is in use; EACCES: no permission; EINVAL/EOPNOTSUPP: the kernel refused a setting. */
ef_gpio_request *ef_gpio_request_inputs(ef_gpio_chip *chip, const char *consumer, const ef_gpio_input_spec *specs,
                                        size_t count);
ef_gpio_request *ef_gpio_request_outputs(ef_gpio_chip *chip, const char *consumer,
                                         const ef_gpio_output_spec *specs, size_t count);
void ef_gpio_request_release(ef_gpio_request *request);

/* Logical values of the request's lines, in request order. */
int ef_gpio_get_values(ef_gpio_request *request, int *values, size_t count);
/* Drives one requested output line to a logical value. */
int ef_gpio_set_value(ef_gpio_request *request, unsigned offset, int value);

/* The file descriptors that become readable when edge events wait (v1: one per line with an
   edge; v2: one for the request). Returns how many were written to `fds`. */
size_t ef_gpio_event_fds(ef_gpio_request *request, int *fds, size_t max);

typedef struct {
    unsigned offset;
    int rising;            /* 1 rising edge, 0 falling (of the logical value) */
    uint64_t timestamp_ns; /* the kernel's timestamp of the edge (CLOCK_MONOTONIC) */
    uint64_t global_seqno; /* v2: the request's event sequence number; 0 on v1 */
    uint64_t line_seqno;   /* v2: the line's event sequence number; 0 on v1 */
} ef_gpio_event;

/* Reads the events pending on `fd` (one of ef_gpio_event_fds); call after poll() said it is
   readable. Returns the number read (0..max) or -1. */
int ef_gpio_read_events(ef_gpio_request *request, int fd, ef_gpio_event *events, size_t max);

#ifdef __cplusplus
}
#endif
