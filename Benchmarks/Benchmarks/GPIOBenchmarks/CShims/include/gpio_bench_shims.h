#ifndef GPIO_BENCH_SHIMS_H
#define GPIO_BENCH_SHIMS_H

/* What P11 needs from libc that Swift's Glibc module does not import: eventfd(2) for the
 * reference wake-up, the calling thread's kernel id (to read its state in /proc) and its CPU
 * (a wake-up on the same CPU costs a fraction of one that crosses to another). */

/* A new eventfd (counter 0, close-on-exec, blocking), or -1 with errno set. */
int gpio_bench_eventfd(void);

/* The calling thread's kernel thread id. */
int gpio_bench_gettid(void);

/* The CPU the calling thread runs on (sched_getcpu), or -1. */
int gpio_bench_cpu(void);

#endif
