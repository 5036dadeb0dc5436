#define _GNU_SOURCE
#include "gpio_bench_shims.h"

#include <sched.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

int gpio_bench_eventfd(void) { return eventfd(0, EFD_CLOEXEC); }

/* syscall() rather than gettid(): glibc before 2.30 (Debian buster) has no wrapper. */
int gpio_bench_gettid(void) { return (int)syscall(SYS_gettid); }

int gpio_bench_cpu(void) { return sched_getcpu(); }
