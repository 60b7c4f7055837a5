#!/usr/bin/env python3
"""Holds N concurrent slow SSE streams through the gateway and reports stalls and gateway RSS.

  client.py URL KEY --streams N --events E --interval-ms I --gateway-pid PID

Every stream must answer 200, deliver E events (plus the usage chunk when asked) and end with
data: [DONE]; a gap of more than 10 intervals between two reads of a stream, once its first bytes
arrived, counts as a stall.
Prints one RESULT line; exits non-zero when a stream failed or stalled.
"""
import argparse
import asyncio
import os
import sys
import time
import urllib.parse

BODY = ('{"model":"%s","messages":[{"role":"user","content":"Tell me a slow story."}],'
        '"stream":true,"stream_options":{"include_usage":true}}')


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Stats:
    def __init__(self):
        self.open = 0
        self.max_open = 0
        self.ok = 0
        self.failed = []
        self.stalled = 0
        self.gaps = []
        self.first_bytes = []
        self.gap_reads = []
        self.peak_rss = 0


async def one_stream(url, key, model, events, stall_after, stats, delay):
    await asyncio.sleep(delay)
    parts = urllib.parse.urlsplit(url)
    body = (BODY % model).encode()
    request = (f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
               f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
               f"Accept: text/event-stream\r\nContent-Length: {len(body)}\r\n"
               "Connection: close\r\n\r\n").encode() + body
    try:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    except OSError as error:
        stats.failed.append(f"connect: {error}")
        return
    sent = time.monotonic()
    writer.write(request)
    await writer.drain()
    received = bytearray()
    last = None
    gap = 0.0
    gap_at = 0
    reads = 0
    stats.open += 1
    stats.max_open = max(stats.max_open, stats.open)
    try:
        while True:
            data = await asyncio.wait_for(reader.read(65536), timeout=60)
            now = time.monotonic()
            reads += 1
            if last is not None and now - last > gap:
                gap = now - last
                gap_at = reads
            else:
                stats.first_bytes.append(now - sent)
            last = now
            if not data:
                break
            received += data
    except asyncio.TimeoutError:
        stats.failed.append("no data for 60 s")
        return
    finally:
        stats.open -= 1
        writer.close()
    stats.gaps.append(gap)
    stats.gap_reads.append(gap_at)
    text = received.decode(errors="replace")
    status = text.split(" ", 2)[1] if text.startswith("HTTP/1.1 ") else "?"
    count = text.count("data: ") - text.count("data: [DONE]")
    if status != "200" or "data: [DONE]" not in text or count < events:
        stats.failed.append(f"status {status}, {count} events: {text[-300:]}")
        return
    if gap > stall_after:
        stats.stalled += 1
    stats.ok += 1


async def sample_rss(pid, stats, stop):
    while not stop.is_set():
        stats.peak_rss = max(stats.peak_rss, rss_kib(pid))
        try:
            await asyncio.wait_for(stop.wait(), timeout=0.25)
        except asyncio.TimeoutError:
            pass


async def main_async(args):
    stats = Stats()
    stop = asyncio.Event()
    idle = rss_kib(args.gateway_pid)
    cpu_before = cpu_seconds(args.gateway_pid)
    own_before = time.process_time()
    sampler = asyncio.create_task(sample_rss(args.gateway_pid, stats, stop))
    started = time.monotonic()
    stall_after = 10 * args.interval_ms / 1000.0
    # Streams start evenly over the ramp (a burst of simultaneous connects measures the load
    # generator more than the gateway).
    tasks = [one_stream(args.url, args.key, args.model, args.events, stall_after, stats,
                        i * args.ramp_ms / 1000.0 / args.streams)
             for i in range(args.streams)]
    await asyncio.gather(*tasks)
    stop.set()
    await sampler
    after = rss_kib(args.gateway_pid)
    gaps = sorted(stats.gaps) or [0.0]
    first = sorted(stats.first_bytes) or [0.0]
    pct = lambda values, p: values[min(len(values) - 1, int(p * len(values)))] * 1000
    print(f"RESULT streams={args.streams} ok={stats.ok} failed={len(stats.failed)} "
          f"stalled={stats.stalled} max_concurrent={stats.max_open} "
          f"stream_max_gap_ms_p50={pct(gaps, 0.5):.0f} p99={pct(gaps, 0.99):.0f} "
          f"max={gaps[-1] * 1000:.0f} first_byte_ms_p50={pct(first, 0.5):.0f} "
          f"max={first[-1] * 1000:.0f} "
          f"gap_read_index_p50={sorted(stats.gap_reads or [0])[len(stats.gap_reads) // 2]} "
          f"idle_rss_mib={idle / 1024:.1f} "
          f"peak_rss_mib={stats.peak_rss / 1024:.1f} after_rss_mib={after / 1024:.1f} "
          f"seconds={time.monotonic() - started:.1f} "
          f"gateway_cpu_s={cpu_seconds(args.gateway_pid) - cpu_before:.2f} "
          f"client_cpu_s={time.process_time() - own_before:.2f}")
    if stats.failed:
        print("first failures:", stats.failed[:3], file=sys.stderr)
    return 0 if stats.ok == args.streams and stats.stalled == 0 else 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("key")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--interval-ms", type=int, default=100)
    parser.add_argument("--model", default="slow-model")
    parser.add_argument("--ramp-ms", type=int, default=0)
    parser.add_argument("--gateway-pid", type=int, required=True)
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
