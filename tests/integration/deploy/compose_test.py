#!/usr/bin/env python3
"""Checks deploy/docker-compose.yml and deploy/Dockerfile without a Docker engine.

What `docker compose config` would accept is approximated by structural rules that the
deployment relies on: three services with health checks and restart policies, one named volume
per database, only the gateway published, registry and stats on an internal network only, the
gateway waiting for healthy dependencies, secrets from files, and Dockerfile build steps that are
the same commands CI runs.
"""
import os
import re
import unittest

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
COMPOSE = os.path.join(ROOT, "deploy", "docker-compose.yml")
DOCKERFILE = os.path.join(ROOT, "deploy", "Dockerfile")


def load_compose():
    with open(COMPOSE, encoding="utf-8") as f:
        return yaml.safe_load(f)


def dockerfile_stages():
    stages = {}
    current = None
    with open(DOCKERFILE, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            m = re.match(r"FROM\s+(\S+)\s+AS\s+(\S+)", line, re.IGNORECASE)
            if m:
                current = m.group(2)
                stages[current] = {"base": m.group(1), "lines": []}
            elif current and line and not line.startswith("#"):
                stages[current]["lines"].append(line)
    return stages


class ComposeTest(unittest.TestCase):
    def setUp(self):
        self.compose = load_compose()
        self.services = self.compose["services"]

    def test_three_services_built_from_the_dockerfile_targets(self):
        self.assertEqual(set(self.services), {"registry", "stats", "gateway"})
        stages = dockerfile_stages()
        for name, svc in self.services.items():
            self.assertEqual(svc["build"]["dockerfile"], "deploy/Dockerfile", name)
            self.assertIn(svc["build"]["target"], stages, name)
            self.assertTrue(os.path.isdir(os.path.join(os.path.dirname(COMPOSE),
                                                       svc["build"]["context"])))

    def test_every_service_has_healthcheck_and_restart_policy(self):
        for name, svc in self.services.items():
            check = svc.get("healthcheck", {})
            self.assertEqual(check.get("test", [None])[0], "CMD", name)
            self.assertIn("nexus-health", check["test"], name)
            self.assertIn(svc.get("restart"), {"always", "unless-stopped", "on-failure"}, name)

    def test_only_gateway_publishes_a_port(self):
        for name, svc in self.services.items():
            if name == "gateway":
                self.assertEqual(svc["ports"], ["8001:8001"])
            else:
                self.assertNotIn("ports", svc, name)

    def test_internal_services_are_only_on_the_internal_network(self):
        networks = self.compose["networks"]
        self.assertTrue(networks["internal"]["internal"])
        for name in ("registry", "stats"):
            self.assertEqual(self.services[name]["networks"], ["internal"])
        self.assertIn("internal", self.services["gateway"]["networks"])

    def test_each_database_has_its_own_named_volume(self):
        declared = set(self.compose["volumes"])
        used = []
        for name, svc in self.services.items():
            for volume in svc["volumes"]:
                source, target = volume.split(":")[:2]
                self.assertIn(source, declared, name)
                self.assertEqual(target, svc["environment"]["NEXUS_DATA_DIR"], name)
                used.append(source)
        self.assertEqual(len(used), len(set(used)), "a volume is shared between services")

    def test_gateway_waits_for_healthy_dependencies(self):
        depends = self.services["gateway"]["depends_on"]
        for dep in ("registry", "stats"):
            self.assertEqual(depends[dep]["condition"], "service_healthy")
        env = self.services["gateway"]["environment"]
        self.assertEqual(env["NEXUS_REGISTRY_ADDR"], "registry:50051")
        self.assertEqual(env["NEXUS_STATS_ADDR"], "stats:50052")

    def test_internal_grpc_is_tls_or_explicitly_plaintext(self):
        # Compose addresses are not loopback: each service either sets TLS up or says plainly
        # that plaintext is allowed (the services refuse to start otherwise).
        for name, svc in self.services.items():
            env = svc["environment"]
            tls = "NEXUS_GRPC_TLS_CA" in env if name == "gateway" else "NEXUS_GRPC_TLS_CERT" in env
            if not tls:
                self.assertIn("NEXUS_GRPC_ALLOW_PLAINTEXT", env, name)
                value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1",
                               str(env["NEXUS_GRPC_ALLOW_PLAINTEXT"]))
                self.assertEqual(value.lower(), "true", name)

    def test_secrets_come_from_files_and_no_secret_values_are_in_the_file(self):
        self.assertIn("master_key", self.compose["secrets"])
        self.assertEqual(self.services["registry"]["environment"]["NEXUS_MASTER_KEY_FILE"],
                         "/run/secrets/master_key")
        for svc in self.services.values():
            for key, value in svc.get("environment", {}).items():
                if key in ("NEXUS_MASTER_KEY", "NEXUS_ADMIN_TOKEN"):
                    self.fail(f"{key} has a literal value in docker-compose.yml")
        with open(os.path.join(ROOT, "deploy", ".env.example"), encoding="utf-8") as f:
            example = dict(line.strip().split("=", 1) for line in f
                           if "=" in line and not line.startswith("#"))
        self.assertEqual(example.get("NEXUS_ADMIN_TOKEN"), "")
        with open(os.path.join(ROOT, ".gitignore"), encoding="utf-8") as f:
            ignored = f.read().split()
        self.assertIn("/deploy/.env", ignored)
        self.assertIn("/deploy/master.key", ignored)


class DockerfileTest(unittest.TestCase):
    def test_build_stage_runs_the_ci_commands(self):
        build = dockerfile_stages()["build"]
        self.assertEqual(build["base"], "debian:12")
        runs = [line for line in build["lines"] if line.startswith("RUN")]
        self.assertTrue(any("deploy/install-deps.sh build" in r for r in runs))
        self.assertTrue(any(re.search(r"\bmake build\b", r) for r in runs))
        with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as f:
            self.assertIn("make test", f.read())
        with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as f:
            makefile = f.read()
        self.assertRegex(makefile, r"(?m)^test: build")
        self.assertRegex(makefile, r"(?m)^build: deps")

    def test_runtime_images_are_slim_non_root_and_healthchecked(self):
        stages = dockerfile_stages()
        self.assertEqual(stages["runtime"]["base"], "debian:12-slim")
        self.assertIn("USER nexus", stages["runtime"]["lines"])
        for target in ("registry", "stats", "gateway"):
            lines = stages[target]["lines"]
            self.assertEqual(stages[target]["base"], "runtime")
            self.assertTrue(any(l.startswith("HEALTHCHECK") for l in lines), target)
            self.assertTrue(any(l.startswith("ENTRYPOINT") and f"nexus-{target}" in l
                                for l in lines), target)
        self.assertTrue(any("/usr/share/nexus/web" in l for l in stages["gateway"]["lines"]))


if __name__ == "__main__":
    unittest.main()
