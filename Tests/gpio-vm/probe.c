/* A small command-line client of the ef_gpio_* shim, for the gpio-sim VM test (shim-test.sh).
 * It prints facts as "PROBE ..." lines; the guest test compares them with what it set up on
 * the gpio-sim side. Linked with gpio_v1.c + libgpiod 1.6 or gpio_v2.c + libgpiod 2.x.
 *
 *   probe DEV info                      chip name, label, line count, every line's info
 *   probe DEV open                      just opens the chip (permission checks)
 *   probe DEV get [opts] OFFSET...      requests inputs, prints values and line info while held
 *   probe DEV events [opts] OFFSET...   requests edge inputs, runs -x, prints the edges seen
 *   probe DEV output [opts] OFFSET V    requests an output at V, runs -x, sets -s, runs -y
 * opts: -b up|down|disabled|as-is  -l (active low)  -e both|rising|falling|none
 *       -d DEBOUNCE_US  -c CONSUMER  -x CMD  -y CMD  -s VALUE  -w QUIET_MS
 * Exit status: 0 on success, 1 when a shim call failed (the error is printed), 2 on usage. */
#include "CGPIODShims.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINES 16
#define MAX_EVENTS 64

typedef struct {
    int bias, active_low, edge, set_value, quiet_ms;
    uint32_t debounce_us;
    const char *consumer, *during, *after;
} options;

static const char *errno_name(int e) {
    switch (e) {
    case EBUSY: return "EBUSY";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case ENOENT: return "ENOENT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: return "other";
    }
}

static int failed(const char *what) {
    int e = errno;
    printf("PROBE error %s errno=%s (%d: %s)\n", what, errno_name(e), e, strerror(e));
    return 1;
}

static const char *bias_name(int b) {
    static const char *names[] = {"as-is", "disabled", "pull-up", "pull-down", "unknown"};
    return b >= 0 && b <= EF_GPIO_BIAS_UNKNOWN ? names[b] : "?";
}

static uint64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int run(const char *cmd) {
    if (!cmd) return 0;
    fflush(stdout);
    int status = system(cmd);
    if (status != 0) printf("PROBE command-failed status=%d: %s\n", status, cmd);
    return status;
}

static int print_line(ef_gpio_chip *chip, unsigned offset) {
    ef_gpio_line_info info;
    if (ef_gpio_line_info_get(chip, offset, &info) < 0) return failed("line_info");
    printf("PROBE line %u name=%s used=%d consumer=%s direction=%s active_low=%d bias=%s\n", offset,
           info.name[0] ? info.name : "-", info.used, info.consumer[0] ? info.consumer : "-",
           info.output ? "output" : "input", info.active_low, bias_name(info.bias));
    return 0;
}

static int cmd_info(ef_gpio_chip *chip) {
    char name[64], label[64];
    unsigned lines;
    if (ef_gpio_chip_info(chip, name, sizeof(name), label, sizeof(label), &lines) < 0) return failed("chip_info");
    printf("PROBE chip name=%s label=%s lines=%u\n", name, label, lines);
    for (unsigned i = 0; i < lines; i++)
        if (print_line(chip, i)) return 1;
    return 0;
}

static ef_gpio_request *request_inputs(ef_gpio_chip *chip, const options *o, unsigned *offsets, size_t n) {
    ef_gpio_input_spec specs[MAX_LINES];
    for (size_t i = 0; i < n; i++)
        specs[i] = (ef_gpio_input_spec){.offset = offsets[i], .edge = o->edge, .bias = o->bias,
                                        .active_low = o->active_low, .debounce_us = o->debounce_us};
    return ef_gpio_request_inputs(chip, o->consumer, specs, n);
}

static int cmd_get(ef_gpio_chip *chip, const options *o, unsigned *offsets, size_t n) {
    ef_gpio_request *r = request_inputs(chip, o, offsets, n);
    if (!r) return failed("request_inputs");
    int values[MAX_LINES];
    int rc = 0;
    if (ef_gpio_get_values(r, values, n) < 0) {
        rc = failed("get_values");
    } else {
        printf("PROBE values");
        for (size_t i = 0; i < n; i++) printf(" %u=%d", offsets[i], values[i]);
        printf("\n");
        for (size_t i = 0; i < n && rc == 0; i++) rc = print_line(chip, offsets[i]);
    }
    if (rc == 0 && run(o->during) != 0) rc = 1;
    ef_gpio_request_release(r);
    return rc;
}

/* Collects edges until none arrives for quiet_ms (bounded by MAX_EVENTS and 10 s), then checks
   what only the probe can see: kernel timestamps against this process's CLOCK_MONOTONIC. */
static int cmd_events(ef_gpio_chip *chip, const options *o, unsigned *offsets, size_t n) {
    ef_gpio_request *r = request_inputs(chip, o, offsets, n);
    if (!r) return failed("request_inputs");
    int fds[MAX_LINES];
    size_t nfds = ef_gpio_event_fds(r, fds, MAX_LINES);
    printf("PROBE event-fds=%zu\n", nfds);
    ef_gpio_event events[MAX_EVENTS];
    size_t count = 0;
    uint64_t before = monotonic_ns();
    int rc = run(o->during) != 0;
    uint64_t deadline = monotonic_ns() + 10000000000ull;
    while (rc == 0 && count < MAX_EVENTS && monotonic_ns() < deadline) {
        struct pollfd pfds[MAX_LINES];
        for (size_t i = 0; i < nfds; i++) pfds[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        int ready = poll(pfds, nfds, o->quiet_ms);
        if (ready < 0) rc = failed("poll");
        if (ready <= 0) break;
        for (size_t i = 0; i < nfds && rc == 0; i++) {
            if (!(pfds[i].revents & POLLIN)) continue;
            int got = ef_gpio_read_events(r, fds[i], events + count, MAX_EVENTS - count);
            if (got < 0) rc = failed("read_events");
            else count += (size_t)got;
        }
    }
    uint64_t after = monotonic_ns();
    /* v1 has one fd per line: events of several lines come out grouped by fd, so order by time. */
    for (size_t i = 1; i < count; i++)
        for (size_t j = i; j > 0 && events[j].timestamp_ns < events[j - 1].timestamp_ns; j--) {
            ef_gpio_event t = events[j];
            events[j] = events[j - 1];
            events[j - 1] = t;
        }
    int increasing = 1, within = 1;
    printf("PROBE edges=");
    for (size_t i = 0; i < count; i++) {
        printf("%s%u:%s", i ? "," : "", events[i].offset, events[i].rising ? "rising" : "falling");
        if (i > 0 && events[i].timestamp_ns <= events[i - 1].timestamp_ns) increasing = 0;
        if (events[i].timestamp_ns < before || events[i].timestamp_ns > after) within = 0;
    }
    printf("\nPROBE seqno=");
    for (size_t i = 0; i < count; i++)
        printf("%s%" PRIu64 "/%" PRIu64, i ? "," : "", events[i].global_seqno, events[i].line_seqno);
    printf("\nPROBE timestamps increasing=%d within_monotonic_window=%d", increasing, within);
    for (size_t i = 1; i < count; i++)
        printf(" +%" PRIu64 "us", (events[i].timestamp_ns - events[i - 1].timestamp_ns) / 1000);
    printf("\n");
    if (rc == 0 && run(o->after) != 0) rc = 1;
    ef_gpio_request_release(r);
    return rc;
}

static int cmd_output(ef_gpio_chip *chip, const options *o, unsigned offset, int initial) {
    ef_gpio_output_spec spec = {.offset = offset, .active_low = o->active_low, .initial = initial};
    ef_gpio_request *r = ef_gpio_request_outputs(chip, o->consumer, &spec, 1);
    if (!r) return failed("request_outputs");
    int rc = print_line(chip, offset);
    if (rc == 0 && run(o->during) != 0) rc = 1;
    if (rc == 0 && o->set_value >= 0) {
        if (ef_gpio_set_value(r, offset, o->set_value) < 0) rc = failed("set_value");
        else printf("PROBE set %u=%d\n", offset, o->set_value);
        if (rc == 0 && run(o->after) != 0) rc = 1;
    }
    ef_gpio_request_release(r);
    return rc;
}

static int parse_bias(const char *s) {
    if (!strcmp(s, "up")) return EF_GPIO_BIAS_PULL_UP;
    if (!strcmp(s, "down")) return EF_GPIO_BIAS_PULL_DOWN;
    if (!strcmp(s, "disabled")) return EF_GPIO_BIAS_DISABLED;
    if (!strcmp(s, "as-is")) return EF_GPIO_BIAS_AS_IS;
    return -1;
}

static int parse_edge(const char *s) {
    if (!strcmp(s, "both")) return EF_GPIO_EDGE_BOTH;
    if (!strcmp(s, "rising")) return EF_GPIO_EDGE_RISING;
    if (!strcmp(s, "falling")) return EF_GPIO_EDGE_FALLING;
    if (!strcmp(s, "none")) return EF_GPIO_EDGE_NONE;
    return -1;
}

static int usage(void) {
    fprintf(stderr, "usage: probe DEV info|open|get|events|output [opts] [OFFSET...] (see probe.c)\n");
    return 2;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3) return usage();
    const char *dev = argv[1], *cmd = argv[2];
    options o = {.bias = EF_GPIO_BIAS_AS_IS, .edge = EF_GPIO_EDGE_NONE, .set_value = -1, .quiet_ms = 500,
                 .consumer = "probe"};
    int opt;
    optind = 3;
    while ((opt = getopt(argc, argv, "b:le:d:c:x:y:s:w:")) != -1) {
        switch (opt) {
        case 'b': if ((o.bias = parse_bias(optarg)) < 0) return usage(); break;
        case 'l': o.active_low = 1; break;
        case 'e': if ((o.edge = parse_edge(optarg)) < 0) return usage(); break;
        case 'd': o.debounce_us = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'c': o.consumer = optarg; break;
        case 'x': o.during = optarg; break;
        case 'y': o.after = optarg; break;
        case 's': o.set_value = atoi(optarg) != 0; break;
        case 'w': o.quiet_ms = atoi(optarg); break;
        default: return usage();
        }
    }
    unsigned offsets[MAX_LINES];
    size_t n = 0;
    for (int i = optind; i < argc && n < MAX_LINES; i++) offsets[n++] = (unsigned)strtoul(argv[i], NULL, 10);

    printf("PROBE api=v%d library=%s kernel_debounce=%d\n", ef_gpio_api_version(), ef_gpio_library_version(),
           ef_gpio_kernel_debounce_supported());
    ef_gpio_chip *chip = ef_gpio_chip_open(dev);
    if (!chip) return failed("chip_open");
    int rc;
    if (!strcmp(cmd, "info")) rc = cmd_info(chip);
    else if (!strcmp(cmd, "open")) rc = (printf("PROBE opened %s\n", dev), 0);
    else if (!strcmp(cmd, "get") && n > 0) rc = cmd_get(chip, &o, offsets, n);
    else if (!strcmp(cmd, "events") && n > 0) rc = cmd_events(chip, &o, offsets, n);
    else if (!strcmp(cmd, "output") && n == 2) rc = cmd_output(chip, &o, offsets[0], offsets[1] != 0);
    else rc = usage();
    ef_gpio_chip_close(chip);
    return rc;
}
