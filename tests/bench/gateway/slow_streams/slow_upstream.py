#!/usr/bin/env python3
"""A slow OpenAI-compatible upstream for the slow-stream benchmark: every chat stream sends one
event every INTERVAL ms (role chunk, EVENTS content chunks, a finish chunk, the usage chunk when
asked, [DONE]), over keep-alive HTTP/1.1 with a listen backlog large enough for thousands of
simultaneous connects. Loopback only; runs until killed.

  slow_upstream.py PORT --events E --interval-ms I
"""
import argparse
import asyncio
import json


def chunk(data):
    payload = f"data: {data}\n\n".encode()
    return b"%x\r\n%s\r\n" % (len(payload), payload)


def event(delta, finish=None):
    return json.dumps({"id": "chatcmpl-slow", "object": "chat.completion.chunk",
                       "created": 1700000000, "model": "slow-model",
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})


async def serve(reader, writer, events, interval):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
            usage = b'"include_usage":true' in body.replace(b" ", b"")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         b"Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n")
            writer.write(chunk(event({"role": "assistant", "content": ""})))
            await writer.drain()
            for i in range(events):
                await asyncio.sleep(interval)
                writer.write(chunk(event({"content": f" word{i}"})))
                await writer.drain()
            tail = chunk(event({}, "stop"))
            if usage:
                tail += chunk(json.dumps({"id": "chatcmpl-slow", "object": "chat.completion.chunk",
                                          "created": 1700000000, "model": "slow-model",
                                          "choices": [], "usage": {"prompt_tokens": 9,
                                          "completion_tokens": events,
                                          "total_tokens": 9 + events}}))
            writer.write(tail + chunk("[DONE]") + b"0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main_async(args):
    server = await asyncio.start_server(
        lambda r, w: serve(r, w, args.events, args.interval_ms / 1000.0),
        "127.0.0.1", args.port, backlog=4096)
    print(f"listening on 127.0.0.1:{args.port}", flush=True)
    async with server:
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--interval-ms", type=int, default=100)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
