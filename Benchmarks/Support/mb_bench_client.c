/*
 * The reference beside P8 (docs/performance.md): the plainest libmodbus master loop, reading the
 * same 10 holding registers from the same server as the edgeflow benchmark, one request at a
 * time on one connection.
 *
 * usage: mb_bench_client PORT POLLS WARMUP
 * Prints one line: "result POLLS_PER_SECOND CPU_MICROSECONDS_PER_POLL" (CPU is user + system of
 * this process during the timed polls), or "error ..." and exits 1.
 */
#include <modbus.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double seconds_of(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        printf("error usage: mb_bench_client PORT POLLS WARMUP\n");
        return 1;
    }
    int port = atoi(argv[1]);
    long polls = atol(argv[2]);
    long warmup = atol(argv[3]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(300);

    modbus_t *ctx = modbus_new_tcp("127.0.0.1", port);
    if (ctx == NULL) {
        printf("error modbus_new_tcp: %s\n", modbus_strerror(errno));
        return 1;
    }
    modbus_set_slave(ctx, 1);
    modbus_set_response_timeout(ctx, 1, 0);
    if (modbus_connect(ctx) != 0) {
        printf("error connect to 127.0.0.1:%d: %s\n", port, modbus_strerror(errno));
        return 1;
    }
    uint16_t regs[10];
    for (long i = 0; i < warmup; i++) {
        if (modbus_read_registers(ctx, 0, 10, regs) != 10) {
            printf("error read during warm-up: %s\n", modbus_strerror(errno));
            return 1;
        }
    }
    double cpu_start = cpu_seconds();
    double start = now_seconds();
    unsigned long checksum = 0;
    for (long i = 0; i < polls; i++) {
        if (modbus_read_registers(ctx, 0, 10, regs) != 10) {
            printf("error read %ld: %s\n", i, modbus_strerror(errno));
            return 1;
        }
        checksum += regs[i % 10];
    }
    double elapsed = now_seconds() - start;
    double cpu = cpu_seconds() - cpu_start;
    modbus_close(ctx);
    modbus_free(ctx);
    if (regs[0] != 0x4366) {
        printf("error unexpected register 0: 0x%04x\n", regs[0]);
        return 1;
    }
    printf("result %.1f %.3f %lu\n", elapsed > 0 ? (double)polls / elapsed : 0.0,
           polls > 0 ? cpu * 1e6 / (double)polls : 0.0, checksum);
    return 0;
}
