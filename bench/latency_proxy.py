#!/usr/bin/env python3
"""A TCP relay on 127.0.0.1 that adds network latency and counts round trips (issue 5).

    bench/latency_proxy.py --upstream 127.0.0.1:993 [--delay-ms 25] [--port-file F] [--report F]

Latency: every chunk is forwarded `--delay-ms` after it arrived, in each direction, so the
round-trip time is 2 x delay. The TCP handshake, which the kernel answers at once on
loopback, is emulated too: the relay opens its upstream connection 1.5 RTT after accepting
(when a server across a real link would receive the handshake's final ACK) and holds the
client's bytes until then. A client therefore sees the server's first byte 2 RTT after
connect(), as it would across a link of that RTT. `--no-handshake` turns this off.

Counting: the relay records the byte flow of each connection as alternating flights
(consecutive chunks from one side). A *turn* is a server flight that follows a client flight
while the client's side is still open (the accepted connection counts as the client's first
flight, so a greeting the server sends unasked is a turn). Bytes the server sends after the
client closed its side (e.g. answers to a LOGOUT written right before closing) are no turn:
nobody waited for them. round_trips = 1 (TCP handshake) + turns. The order of events is what
counts, and the delay makes it robust: a client's back-to-back writes reach the relay long
before the server's answer to the first of them.

Output: the listening port on stdout (and in --port-file), and one JSON line per finished
connection in --report: {"id", "round_trips", "turns", "flights", "client_bytes",
"server_bytes", "server_bytes_after_client_eof", "client_close", "server_close", "accepted_at" (Unix time),
"seconds" (accept to both sides closed)}.
Stops on SIGTERM or SIGINT. Python 3.8+, standard library only.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import time

CHUNK = 64 * 1024


class Flow:
    """The byte flow of one connection, in the order the relay saw it."""

    def __init__(self):
        # The connection itself is the client's first flight (a greeting answers it).
        self.flights = [{"from": "client", "bytes": 0, "after_client_eof": False}]
        self.client_eof = False

    def record(self, side, n):
        last = self.flights[-1]
        if last["from"] == side:
            last["bytes"] += n
        else:
            self.flights.append(
                {"from": side, "bytes": n, "after_client_eof": self.client_eof}
            )

    def turns(self):
        return sum(
            1
            for before, after in zip(self.flights, self.flights[1:])
            if before["from"] == "client"
            and after["from"] == "server"
            and not after["after_client_eof"]
        )


class Relay:
    def __init__(self, upstream, delay, handshake, report):
        self.host, self.port = upstream
        self.delay = delay
        self.handshake = handshake
        self.report = report
        self.next_id = 0

    async def handle(self, client_reader, client_writer):
        self.next_id += 1
        conn_id = self.next_id
        loop = asyncio.get_running_loop()
        accepted = loop.time()
        accepted_at = time.time()
        flow = Flow()
        closes = {}
        upstream = loop.create_future()

        async def connect():
            if self.handshake:
                # SYN, SYN-ACK, ACK: the server accepts 1.5 RTT (3 one-way delays) after the
                # client started connecting.
                await asyncio.sleep(3 * self.delay)
            try:
                upstream.set_result(await asyncio.open_connection(self.host, self.port))
            except OSError as err:
                upstream.set_exception(err)

        connecting = asyncio.ensure_future(connect())
        to_server = asyncio.Queue()
        to_client = asyncio.Queue()

        async def read(side, reader, queue):
            while True:
                try:
                    data = await reader.read(CHUNK)
                except (ConnectionError, OSError) as err:
                    closes[side] = type(err).__name__
                    break
                if not data:
                    closes[side] = "fin"
                    break
                flow.record(side, len(data))
                queue.put_nowait((loop.time() + self.delay, data))
            if side == "client":
                flow.client_eof = True
            queue.put_nowait((loop.time() + self.delay, None))

        async def write(queue, get_writer):
            writer = None
            broken = False
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if writer is None:
                    writer = await get_writer()
                if data is None:
                    break
                if broken:
                    continue
                try:
                    writer.write(data)
                    await writer.drain()
                except (ConnectionError, OSError):
                    broken = True
            try:
                if writer.can_write_eof():
                    writer.write_eof()
            except (ConnectionError, OSError):
                pass

        async def upstream_writer():
            return (await upstream)[1]

        async def client_writer_now():
            return client_writer

        try:
            client_side = asyncio.ensure_future(
                asyncio.gather(
                    read("client", client_reader, to_server),
                    write(to_server, upstream_writer),
                )
            )
            try:
                server_reader, server_writer = await upstream
            except OSError as err:
                print(f"latency_proxy: upstream {self.host}:{self.port}: {err}", file=sys.stderr)
                client_side.cancel()
                client_writer.close()
                return
            await asyncio.gather(
                client_side,
                read("server", server_reader, to_client),
                write(to_client, client_writer_now),
            )
        finally:
            connecting.cancel()
            client_writer.close()
            if upstream.done() and not upstream.cancelled() and upstream.exception() is None:
                upstream.result()[1].close()
        turns = flow.turns()
        line = {
            "id": conn_id,
            "round_trips": 1 + turns,
            "turns": turns,
            "flights": len(flow.flights),
            "client_bytes": sum(f["bytes"] for f in flow.flights if f["from"] == "client"),
            "server_bytes": sum(f["bytes"] for f in flow.flights if f["from"] == "server"),
            "server_bytes_after_client_eof": sum(
                f["bytes"] for f in flow.flights if f["from"] == "server" and f["after_client_eof"]
            ),
            "client_close": closes.get("client"),
            "server_close": closes.get("server"),
            "accepted_at": round(accepted_at, 4),
            "seconds": round(loop.time() - accepted, 4),
        }
        if self.report:
            with open(self.report, "a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")


def host_port(text):
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", type=host_port, required=True, help="HOST:PORT to relay to")
    parser.add_argument("--listen-port", type=int, default=0, help="port on 127.0.0.1 (default: any free)")
    parser.add_argument("--delay-ms", type=float, default=25.0, help="one-way delay per chunk (RTT = 2x)")
    parser.add_argument("--no-handshake", action="store_true", help="do not emulate the TCP handshake's RTT")
    parser.add_argument("--port-file", help="write the listening port here once listening")
    parser.add_argument("--report", help="append one JSON line per finished connection here")
    args = parser.parse_args()

    relay = Relay(args.upstream, args.delay_ms / 1000.0, not args.no_handshake, args.report)
    server = await asyncio.start_server(relay.handle, "127.0.0.1", args.listen_port, backlog=512)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
            f.write(f"{port}\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    print(port, flush=True)

    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    async with server:
        await stop


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
