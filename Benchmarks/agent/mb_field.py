#!/usr/bin/env python3
"""A Modbus TCP "field" for the whole-agent benchmark: N devices x R static uint16 holding
registers, one TCP listener per device on 127.0.0.1, all in ONE asyncio process (pymodbus
3.16 SimDevice API).

usage: mb_field.py --devices N --registers R --ports-file F --counts-file C

- Every listener binds 127.0.0.1 port 0 (the kernel picks a free port: no races); the
  ports, one per line in device order, are written to --ports-file (atomically) once ALL
  listeners are up: that file appearing is the readiness signal.
- Counts are taken here, at the server, from what is actually sent back: requests answered
  with registers, registers answered, exception responses, connections. They are written to
  --counts-file (atomically, as one JSON object) every second, on SIGUSR1 (the benchmark
  uses that for an exact snapshot at the window edges; "seq" increases on every write) and
  on SIGTERM/SIGINT before exiting. "recent" lists the (CLOCK_MONOTONIC) times of the answers
  of the last 3 s, so the benchmark can put its window edges between the agent's poll bursts.
- Values are static (device d, register i = (d * 7 + i) % 1000), so an agent has to report
  every poll: there is nothing to save by reporting on change.
"""
import argparse
import asyncio
import collections
import json
import logging
import os
import signal
import sys
import time

from pymodbus import FramerType
from pymodbus.pdu import ModbusPDU
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice


class Counts:
    def __init__(self):
        self.requests = 0       # requests answered with registers
        self.registers = 0      # registers in those answers
        self.exceptions = 0     # exception responses sent
        self.connections = 0    # connections opened (ever)
        self.open = 0           # connections open now
        self.seq = 0
        self.recent = collections.deque(maxlen=2000)   # monotonic times of recent answers

    def trace_pdu(self, sending: bool, pdu: ModbusPDU) -> ModbusPDU:
        if sending:
            regs = getattr(pdu, "registers", None)
            if pdu.function_code & 0x80:
                self.exceptions += 1
            elif regs is not None and pdu.function_code in (3, 4):
                self.requests += 1
                self.registers += len(regs)
                self.recent.append(time.monotonic())
        return pdu

    def trace_connect(self, connected: bool) -> None:
        if connected:
            self.connections += 1
            self.open += 1
        else:
            self.open -= 1


def write_atomic(path: str, text: str) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def dump(counts: Counts, path: str, pid_stat: str) -> None:
    counts.seq += 1
    now = time.monotonic()
    # this process' own CPU, so the benchmark can show the server kept up
    with open(pid_stat) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu_ticks = int(fields[11]) + int(fields[12])
    write_atomic(path, json.dumps({
        "seq": counts.seq, "t": now, "requests": counts.requests,
        "registers": counts.registers, "exceptions": counts.exceptions,
        "connections": counts.connections, "open": counts.open,
        "cpu_ticks": cpu_ticks, "clk_tck": os.sysconf("SC_CLK_TCK"),
        "recent": [round(t, 6) for t in counts.recent if t > now - 3.0],
    }) + "\n")


def make_device(dev: int, registers: int) -> SimDevice:
    values = [(dev * 7 + i) % 1000 for i in range(registers)]
    # shared layout (a single list): holding and input registers read the same block
    return SimDevice(id=1, simdata=[SimData(0, values=values, datatype=DataType.REGISTERS)])


async def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=100)
    ap.add_argument("--registers", type=int, default=100)
    ap.add_argument("--ports-file", required=True)
    ap.add_argument("--counts-file", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    a = ap.parse_args()
    logging.getLogger("pymodbus").setLevel(logging.ERROR)

    counts = Counts()
    servers = []
    for d in range(a.devices):
        s = ModbusTcpServer(make_device(d, a.registers), framer=FramerType.SOCKET,
                            address=(a.host, 0), trace_pdu=counts.trace_pdu,
                            trace_connect=counts.trace_connect)
        await s.serve_forever(background=True)
        servers.append(s)
    ports = [s.transport.sockets[0].getsockname()[1] for s in servers]
    pid_stat = f"/proc/{os.getpid()}/stat"
    dump(counts, a.counts_file, pid_stat)
    write_atomic(a.ports_file, "".join(f"{p}\n" for p in ports))

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, dump, counts, a.counts_file, pid_stat)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=1.0)
        except asyncio.TimeoutError:
            pass
        dump(counts, a.counts_file, pid_stat)
    for s in servers:
        await s.shutdown()
    dump(counts, a.counts_file, pid_stat)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
