/*
 * LD_PRELOAD shim for the slow-disk tests and benchmark: every fsync(2) and fdatasync(2) of
 * the process sleeps EDGEFLOW_TEST_FSYNC_DELAY_MS milliseconds first, as a worn SD card or eMMC
 * does (100 ms to over a second per fsync), then does the real call. Nothing else changes, so
 * the agent under test is the shipped binary. Build: cc -shared -fPIC -o slow_fsync.so
 * slow_fsync.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

static void ef_test_fsync_delay(void) {
    const char *text = getenv("EDGEFLOW_TEST_FSYNC_DELAY_MS");
    long ms = text ? atol(text) : 0;
    if (ms <= 0) return;
    struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};
    int saved = errno;
    while (nanosleep(&left, &left) == -1 && errno == EINTR) {
    }
    errno = saved;
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    ef_test_fsync_delay();
    return real ? real(fd) : -1;
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    ef_test_fsync_delay();
    return real ? real(fd) : -1;
}
