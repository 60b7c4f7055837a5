#!/usr/bin/env python3
"""Starts NexusAI Hub as three processes with deploy/run-apart.sh and drives it end to end.

On free loopback ports with the data in a temporary directory: nexusctl adds the fake upstream
as a provider, a model and a client key; a chat completion goes through the gateway to the fake
upstream and its usage reaches stats; SIGTERM stops all three with exit code 0 and nothing left
running. A second start on the same data (the key still works) is stopped the way Ctrl-C does it:
SIGINT to the whole process group.

Usage: run_apart_test.py BIN_DIR
"""
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SCRIPT = os.path.join(ROOT, "deploy", "run-apart.sh")
BIN_DIR = os.environ.get("NEXUS_BIN_DIR", os.path.join(ROOT, "build", "bin"))
UPSTREAM_KEY = "sk-run-apart-upstream-secret-0001"
# Guards against hangs only; nothing is timed.
DEADLINE = 60


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def line_reader(stream):
    """Lines of `stream` on a queue (None at the end), so that reads can have a deadline."""
    lines = queue.Queue()

    def pump():
        for raw in stream:
            lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def session_processes(sid):
    """PIDs of live processes (zombies excluded) in session `sid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(entry))
    return found


def http(method, url, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class RunApartTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="nexus-run-apart-")
        self.addCleanup(self.tmp.cleanup)
        self.data = os.path.join(self.tmp.name, "data")
        self.ports = {name: free_port() for name in ("gateway", "registry", "stats")}
        self.upstream = subprocess.Popen(
            [os.path.join(BIN_DIR, "nexus-fake-upstream"), "--port=0",
             f"--api_key={UPSTREAM_KEY}", "--control=false"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.addCleanup(self.upstream.stdout.close)
        self.addCleanup(self.stop_upstream)
        first = line_reader(self.upstream.stdout).get(timeout=DEADLINE)
        self.assertTrue(first and first.startswith("listening on "), first)
        self.upstream_url = "http://" + first.split()[-1] + "/v1"
        self.apart = None

    def stop_upstream(self):
        self.upstream.send_signal(signal.SIGTERM)
        self.upstream.wait(timeout=DEADLINE)

    def addr(self, name):
        return f"127.0.0.1:{self.ports[name]}"

    def start(self):
        """Runs the script in its own session; returns what it printed, by label."""
        env = dict(os.environ)
        env.update({
            "NEXUS_BIN_DIR": BIN_DIR,
            "NEXUS_DATA_DIR": self.data,
            "NEXUS_GATEWAY_LISTEN": self.addr("gateway"),
            "NEXUS_REGISTRY_ADDR": self.addr("registry"),
            "NEXUS_STATS_ADDR": self.addr("stats"),
            "NEXUS_LOG_LEVEL": "warning",
        })
        self.log = open(os.path.join(self.tmp.name, "run-apart.log"), "ab")
        self.addCleanup(self.log.close)
        self.apart = subprocess.Popen(["bash", SCRIPT], env=env, cwd=self.tmp.name,
                                      stdout=subprocess.PIPE, stderr=self.log,
                                      start_new_session=True)
        self.addCleanup(self.apart.stdout.close)
        self.addCleanup(self.kill_leftovers, self.apart.pid)
        lines = line_reader(self.apart.stdout)
        info = {}
        until = time.monotonic() + DEADLINE
        while "Stop all three" not in info.get("_last", ""):
            line = lines.get(timeout=max(0.1, until - time.monotonic()))
            self.assertIsNotNone(line, f"run-apart ended early:\n{self.read_log()}")
            info["_last"] = line
            if ":" in line:
                label, _, value = line.strip().partition(":")
                info[label] = value.strip()
        return info

    def read_log(self):
        with open(os.path.join(self.tmp.name, "run-apart.log"), encoding="utf-8",
                  errors="replace") as f:
            return f.read()

    def kill_leftovers(self, sid):
        for pid in session_processes(sid):
            os.kill(pid, signal.SIGKILL)

    def stop(self, how):
        """Stops the script as `how` says; asserts exit 0 and no process left behind."""
        sid = self.apart.pid
        if how == "sigterm":
            self.apart.send_signal(signal.SIGTERM)
        else:  # Ctrl-C in a terminal signals the whole foreground process group.
            os.killpg(sid, signal.SIGINT)
        code = self.apart.wait(timeout=DEADLINE)
        self.assertEqual(code, 0, self.read_log())
        self.assertEqual(session_processes(sid), [], "processes left running")

    def ctl(self, *args, stdin=""):
        result = subprocess.run(
            [os.path.join(BIN_DIR, "nexusctl"), "--registry", self.addr("registry"), "--stats",
             self.addr("stats"), "--json", *args],
            input=stdin.encode(), capture_output=True, timeout=DEADLINE)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        return json.loads(result.stdout.decode())

    def chat(self, base_url, key):
        until = time.monotonic() + DEADLINE
        while time.monotonic() < until:
            status, body = http("GET", base_url + "/models", key)
            if status == 200 and "fake-model" in body:
                break
            time.sleep(0.1)
        return http("POST", base_url + "/chat/completions", key, {
            "model": "fake-model", "stream": False,
            "messages": [{"role": "user", "content": "Hello"}]})

    def requests_in_stats(self, at_least):
        until = time.monotonic() + DEADLINE
        requests = 0
        while time.monotonic() < until:
            requests = int(self.ctl("usage", "--since", "1h")["totals"].get("requests", 0))
            if requests >= at_least:
                break
            time.sleep(0.2)
        return requests

    def test_three_processes_serve_and_stop_cleanly(self):
        info = self.start()
        base_url = info["OpenAI base URL"]
        self.assertEqual(base_url, f"http://{self.addr('gateway')}/v1")
        self.assertEqual(info["console"], f"http://{self.addr('gateway')}/")
        token = info["admin token"]
        self.assertTrue(token.startswith("nxa-"), token)
        for name in ("registry/registry.db", "stats/stats.db"):
            self.assertTrue(os.path.exists(os.path.join(self.data, name)), name)

        self.ctl("providers", "add", "--name", "fake", "--base-url", self.upstream_url,
                 "--api-key-stdin", stdin=UPSTREAM_KEY + "\n")
        self.ctl("models", "add", "--provider", "fake", "--name", "fake-model")
        key = self.ctl("keys", "create", "--name", "run-apart")["secret"]

        status, body = self.chat(base_url, key)
        self.assertEqual(status, 200, body)
        answer = json.loads(body)
        self.assertEqual(answer["choices"][0]["message"]["content"],
                         "Hello from the fake upstream.")
        self.assertEqual(self.requests_in_stats(1), 1)
        # The printed admin token opens the admin API.
        status, body = http("GET", f"http://{self.addr('gateway')}/api/admin/providers", token)
        self.assertEqual(status, 200, body)
        self.assertIn("fake", body)
        self.stop("sigterm")

        # Same data, same token: the key still works; Ctrl-C stops everything.
        again = self.start()
        self.assertEqual(again["admin token"], token)
        status, body = self.chat(base_url, key)
        self.assertEqual(status, 200, body)
        self.assertEqual(self.requests_in_stats(2), 2)
        self.stop("sigint")


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        BIN_DIR = os.path.abspath(sys.argv.pop(1))
    unittest.main()
