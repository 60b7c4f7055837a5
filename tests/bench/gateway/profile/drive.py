#!/usr/bin/env python3
"""Sends a fixed number of chat requests over keep-alive connections and checks every answer.

  drive.py URL KEY --mode json|stream --requests N [--connections C]

The body is the shared harness's ~600-byte chat request. Exits non-zero when any answer is not a
200 with the expected shape, so a profile run never measures a broken path.
"""
import argparse
import http.client
import sys
import threading
import urllib.parse

BODY = ('{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful '
        'assistant. Answer briefly and precisely, in plain text, without markdown unless the user '
        'asks for it."},{"role":"user","content":"Give me a one-sentence summary of what an API '
        'gateway does for large language model traffic, and name two metrics worth '
        'monitoring."}],"temperature":0.2,"top_p":1,"max_tokens":128,"n":1,'
        '"user":"bench-user-0001"')


def worker(url, key, stream, count, failures):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    body = BODY + (',"stream":true,"stream_options":{"include_usage":true}}' if stream else '}')
    headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json",
               "Accept": "text/event-stream" if stream else "application/json"}
    for _ in range(count):
        conn.request("POST", parts.path, body=body, headers=headers)
        res = conn.getresponse()
        data = res.read()
        ok = res.status == 200 and (data.endswith(b"data: [DONE]\n\n") if stream
                                    else b'"total_tokens"' in data)
        if not ok:
            failures.append((res.status, data[:200]))
            return
    conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("key")
    parser.add_argument("--mode", choices=["json", "stream"], default="json")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--connections", type=int, default=1)
    args = parser.parse_args()
    failures = []
    per = args.requests // args.connections
    threads = [threading.Thread(target=worker,
                                args=(args.url, args.key, args.mode == "stream", per, failures))
               for _ in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        print("failed:", failures[0], file=sys.stderr)
        return 1
    print(f"{per * args.connections} {args.mode} requests ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
