#!/usr/bin/env python3
"""Modbus slave for edgeflow's integration tests (pymodbus 3.16.1, pinned).

usage: modbus_peer.py LAYOUT.json REQUEST_LOG tcp PORT
       modbus_peer.py LAYOUT.json REQUEST_LOG rtu DEVICE [BAUD]

LAYOUT.json describes every unit the server answers for:
  {"units": {"1": {"holding": [ENTRY...], "input": [ENTRY...],
                   "coil": [[addr, bool]...], "discrete": [[addr, bool]...]}},
   "silent_units": [9], "register_count": 400, "bit_count": 64}
ENTRY is {"address": A, "type": T, "order": O, "value": V} with T one of uint16, int16,
int32, uint32, int64, uint64, float32, float64, string, raw (V = list of register values).
Values are encoded here with Python's struct module, independently of the Swift code under test,
so the test checks edgeflow's decoder against a second implementation.

Every request the server receives is appended to REQUEST_LOG as one line
"unit function address count [value]" (value: the first register or coil a write carries),
so a test can count the requests a poll cycle needed and see what was written.
Units listed in silent_units never get an answer (the request is dropped), like a dead RS-485 slave.

With the environment variable MODBUS_PEER_CONTROL=FILE the server also follows FILE, one
command per line, as a device and its surroundings would behave:
  set UNIT ADDRESS VALUE   holding register ADDRESS of UNIT takes VALUE (a device reset, a
                           technician at the HMI, a second master)
  drop_writes N            the next N write requests are dropped unanswered (a write lost in flight)
  silent on|off            every request is dropped unanswered (a hung device)
Each command, once applied, is printed as "control N: COMMAND" (N counts from 1).
"""
import asyncio
import json
import logging
import os
import struct
import sys

from pymodbus import FramerType, pymodbus_apply_logging_config
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

WRITES = (5, 6, 15, 16)

FORMATS = {"int16": ">h", "uint16": ">H", "int32": ">i", "uint32": ">I", "int64": ">q",
           "uint64": ">Q", "float32": ">f", "float64": ">d"}


def ordered_registers(big_endian: bytes, order: str) -> list[int]:
    """Registers for bytes given most significant first, stored in a word/byte order code."""
    words = [big_endian[i:i + 2] for i in range(0, len(big_endian), 2)]
    if order in ("CDAB", "DCBA"):
        words.reverse()
    if order in ("BADC", "DCBA", "BA"):
        words = [w[::-1] for w in words]
    return [(w[0] << 8) | w[1] for w in words]


def encode(entry: dict) -> list[int]:
    kind = entry["type"]
    if kind == "raw":
        return list(entry["value"])
    if kind == "string":
        data = entry["value"].encode("ascii")
        if len(data) % 2:
            data += b"\0"
        return ordered_registers(data, "ABCD")
    default_order = "AB" if kind in ("int16", "uint16") else "ABCD"
    return ordered_registers(struct.pack(FORMATS[kind], entry["value"]), entry.get("order", default_order))


def register_table(entries: list, count: int) -> list[int]:
    table = [0] * count
    for entry in entries:
        for i, word in enumerate(encode(entry)):
            table[entry["address"] + i] = word
    return table


def bit_table(entries: list, count: int) -> list[bool]:
    table = [False] * count
    for address, value in entries:
        table[address] = bool(value)
    return table


def first_written(pdu) -> str:
    """The first value a write request carries, as text ("" for reads)."""
    if pdu.function_code not in WRITES:
        return ""
    values = getattr(pdu, "registers", None) or getattr(pdu, "bits", None) or []
    return f" {int(values[0])}" if values else ""


async def follow_control(path: str, server, state: dict) -> None:
    """Applies the commands appended to `path`, in order, each once."""
    offset, applied = 0, 0
    while True:
        await asyncio.sleep(0.02)
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            continue
        if b"\n" not in data:
            continue
        complete = data[:data.rindex(b"\n") + 1]
        offset += len(complete)
        for line in complete.decode().splitlines():
            words = line.split()
            if not words:
                continue
            if words[0] == "set":
                unit, address, value = (int(w) for w in words[1:4])
                await server.context.async_setValues(unit, 16, address, [value])
            elif words[0] == "drop_writes":
                state["drop_writes"] = int(words[1])
            elif words[0] == "silent":
                state["silent"] = words[1] == "on"
            applied += 1
            print(f"control {applied}: {line}", flush=True)


def main() -> None:
    layout_path, log_path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(layout_path, encoding="utf-8") as f:
        layout = json.load(f)
    registers = layout.get("register_count", 400)
    bits = layout.get("bit_count", 64)
    silent = set(layout.get("silent_units", []))
    devices = []
    for unit, spec in layout["units"].items():
        devices.append(SimDevice(id=int(unit), simdata=(
            [SimData(0, values=bit_table(spec.get("coil", []), bits), datatype=DataType.BITS)],
            [SimData(0, values=bit_table(spec.get("discrete", []), bits), datatype=DataType.BITS)],
            [SimData(0, values=register_table(spec.get("holding", []), registers), datatype=DataType.REGISTERS)],
            [SimData(0, values=register_table(spec.get("input", []), registers), datatype=DataType.REGISTERS)],
        )))
    log = open(log_path, "a", encoding="utf-8", buffering=1)
    state = {"drop_writes": 0, "silent": False}

    def trace_pdu(sending: bool, pdu):
        if sending:
            return pdu
        log.write(f"{pdu.dev_id} {pdu.function_code} {getattr(pdu, 'address', -1)} {getattr(pdu, 'count', -1)}"
                  f"{first_written(pdu)}\n")
        # Returning None drops the request: the server then never answers, like a dead slave.
        if pdu.dev_id in silent or state["silent"]:
            return None
        if pdu.function_code in WRITES and state["drop_writes"] > 0:
            state["drop_writes"] -= 1
            return None
        return pdu

    async def serve() -> None:
        if mode == "tcp":
            server = ModbusTcpServer(devices, address=("127.0.0.1", int(sys.argv[4])), framer=FramerType.SOCKET,
                                     trace_pdu=trace_pdu)
        else:
            baud = int(sys.argv[5]) if len(sys.argv) > 5 else 19200
            server = ModbusSerialServer(devices, port=sys.argv[4], framer=FramerType.RTU, baudrate=baud,
                                        bytesize=8, parity="N", stopbits=1, trace_pdu=trace_pdu)
        control = os.environ.get("MODBUS_PEER_CONTROL")
        if control:
            asyncio.get_running_loop().create_task(follow_control(control, server, state))
        await server.serve_forever()

    pymodbus_apply_logging_config(logging.INFO)  # logs "Server listening." once ready
    asyncio.run(serve())


if __name__ == "__main__":
    main()
