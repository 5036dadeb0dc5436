/*
 * The Modbus TCP server the P8 benchmark polls (docs/performance.md): libmodbus, single-threaded,
 * select() over the listening socket and every accepted connection, so the edgeflow client,
 * the poller and the C reference client can each hold a connection without blocking the others.
 *
 * usage: mb_bench_server PORT LIFETIME_SECONDS
 *   PORT 0 binds a free port; the port bound is printed as "port N" on stdout once listening.
 *   The server exits after LIFETIME_SECONDS (alarm) and when its parent dies, so a benchmark
 *   that crashes never leaves it behind.
 *
 * Holding registers 0..9 hold the values ModbusBenchmarks decodes and checks (see Fixture.swift).
 */
#include <modbus.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

static const uint16_t registers[10] = {
    0x4366, 0x8000, /* float32 ABCD 230.5 */
    0x8000, 0x4247, /* float32 CDAB 49.875 */
    0x075B, 0xCD15, /* uint32 ABCD 123456789 */
    0xFB2E,         /* int16 -1234 */
    0x10E1,         /* uint16 4321 (scale 0.1: 432.1) */
    0x0008,         /* bit 3 set */
    0x3412,         /* uint16 BA: 0x1234 = 4660 */
};

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    unsigned lifetime = argc > 2 ? (unsigned)atoi(argv[2]) : 600;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(lifetime > 0 ? lifetime : 600);

    modbus_t *ctx = modbus_new_tcp("127.0.0.1", port);
    if (ctx == NULL) {
        printf("error modbus_new_tcp: %s\n", modbus_strerror(errno));
        return 1;
    }
    modbus_mapping_t *map = modbus_mapping_new(0, 0, 100, 0);
    if (map == NULL) {
        printf("error modbus_mapping_new: %s\n", modbus_strerror(errno));
        return 1;
    }
    memcpy(map->tab_registers, registers, sizeof registers);

    int listener = modbus_tcp_listen(ctx, 16);
    if (listener < 0) {
        printf("error modbus_tcp_listen: %s\n", modbus_strerror(errno));
        return 1;
    }
    struct sockaddr_in bound;
    socklen_t length = sizeof bound;
    if (getsockname(listener, (struct sockaddr *)&bound, &length) != 0) {
        printf("error getsockname: %s\n", strerror(errno));
        return 1;
    }
    printf("port %d\n", ntohs(bound.sin_port));
    fflush(stdout);

    fd_set open_sockets;
    FD_ZERO(&open_sockets);
    FD_SET(listener, &open_sockets);
    int max_fd = listener;
    uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    for (;;) {
        fd_set ready = open_sockets;
        if (select(max_fd + 1, &ready, NULL, NULL, NULL) < 0) {
            if (errno == EINTR) continue;
            printf("error select: %s\n", strerror(errno));
            return 1;
        }
        for (int fd = 0; fd <= max_fd; fd++) {
            if (!FD_ISSET(fd, &ready)) continue;
            if (fd == listener) {
                int listening = listener;
                int client = modbus_tcp_accept(ctx, &listening);
                if (client < 0 || client >= FD_SETSIZE) {
                    if (client >= 0) close(client);
                    continue;
                }
                int one = 1;
                setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                FD_SET(client, &open_sockets);
                if (client > max_fd) max_fd = client;
                continue;
            }
            modbus_set_socket(ctx, fd);
            int rc = modbus_receive(ctx, query);
            if (rc > 0) {
                modbus_reply(ctx, query, rc, map);
            } else if (rc < 0) {
                /* The peer closed the connection or sent garbage: drop it, keep serving the rest. */
                close(fd);
                FD_CLR(fd, &open_sockets);
            }
        }
    }
}
