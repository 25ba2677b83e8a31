#!/usr/bin/env python3
"""Generates a synthetic monorepo for benchmarks: realistic Python, JS/TS, Rust,
Dockerfiles, workflows, Compose/Kubernetes YAML and manifests, most of them clean and a
few with twelve-factor violations, in a deterministic layout.

usage: gen-monorepo.py OUT_DIR [FILES]   (default 20000 files)
"""
import os
import random
import sys

PY_CLEAN = '''import os
import sys
import logging

log = logging.getLogger(__name__)


class Service{n}:
    """Service number {n}."""

    def __init__(self, client, retries=3):
        self.client = client
        self.retries = retries

    def fetch(self, key):
        for attempt in range(self.retries):
            try:
                return self.client.get(key)
            except TimeoutError:
                log.warning("retry %s for %s", attempt, key)
        return None


def handler(event, context):
    svc = Service{n}(client=None)
    return {{"status": 200, "body": svc.fetch(event.get("id"))}}
'''

PY_BAD = '''import logging
import os

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://localhost/app")
handler = logging.FileHandler("/var/log/app{n}.log")
logging.getLogger().addHandler(handler)
api_password = "hunter2-{n}-not-a-real-one"


def main():
    from flask import Flask
    app = Flask(__name__)
    app.run(port=5000, debug=True)
'''

JS_CLEAN = '''import {{ readFile }} from "node:fs/promises";

export async function load{n}(path) {{
  const text = await readFile(path, "utf8");
  return text.split("\\n").filter(Boolean).map((line, i) => ({{ line, i }}));
}}

export class Cache{n} {{
  constructor() {{ this.map = new Map(); }}
  get(k) {{ return this.map.get(k); }}
  set(k, v) {{ this.map.set(k, v); return this; }}
}}
'''

JS_BAD = '''const express = require("express");
const winston = require("winston");
const session = require("express-session");
const app = express();
app.use(session({{ secret: "keyboard cat {n}" }}));
const logger = winston.createLogger({{ transports: [new winston.transports.File({{ filename: "app.log" }})] }});
app.listen(3000);
'''

TS_CLEAN = '''export interface Item{n} {{ id: number; name: string; tags: string[] }}

export function score{n}(items: Item{n}[]): number {{
  return items.reduce((acc, it) => acc + it.tags.length * it.id, 0);
}}
'''

RS_CLEAN = '''use std::collections::HashMap;

pub struct Registry{n} {{
    entries: HashMap<String, u64>,
}}

impl Registry{n} {{
    pub fn new() -> Self {{
        Self {{ entries: HashMap::new() }}
    }}

    pub fn bump(&mut self, key: &str) -> u64 {{
        let e = self.entries.entry(key.to_owned()).or_insert(0);
        *e += 1;
        *e
    }}
}}
'''

RS_BAD = '''use tracing_appender::rolling;

fn main() {{
    let appender = rolling::daily("/var/log", "svc{n}.log");
    let listener = std::net::TcpListener::bind("0.0.0.0:8080").unwrap();
}}
'''

DOCKERFILE = '''FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt && apt-get update && apt-get install -y curl
COPY . .
CMD python -m app
'''

WORKFLOW = '''name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -r requirements.txt && pytest
'''

COMPOSE = '''services:
  web:
    image: myorg/web:1.{n}
    environment:
      - DEBUG=1
    ports: ["8000:8000"]
  db:
    image: postgres:16
'''

K8S = '''apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc{n}
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com/svc{n}:latest
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {{name: db, key: password}}
'''

PACKAGE_JSON = '''{{
  "name": "pkg-{n}",
  "version": "1.0.{n}",
  "dependencies": {{ "express": "^4.19.2", "lodash": "*" }}
}}
'''

REQUIREMENTS = "flask==3.0.3\nrequests>=2.0\ngunicorn\n"

CARGO_TOML = '''[package]
name = "crate-{n}"
version = "0.1.0"
edition = "2021"

[dependencies]
serde = "1"
'''


def main():
    out = sys.argv[1]
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    rng = random.Random(12)
    kinds = (
        [("py", 30), ("js", 15), ("ts", 15), ("rs", 15), ("md", 8), ("txt", 4)]
    )
    weights = [w for _, w in kinds]
    written = 0
    service = 0
    while written < total:
        service += 1
        base = os.path.join(out, f"services/svc{service:05d}")
        os.makedirs(os.path.join(base, "src"), exist_ok=True)
        # Per-service infrastructure files.
        infra = {
            "Dockerfile": DOCKERFILE,
            "requirements.txt": REQUIREMENTS,
            "package.json": PACKAGE_JSON.format(n=service),
            "Cargo.toml": CARGO_TOML.format(n=service),
            "docker-compose.yml": COMPOSE.format(n=service),
            "k8s.yaml": K8S.format(n=service),
        }
        if service % 4 == 0:
            os.makedirs(os.path.join(base, ".github/workflows"), exist_ok=True)
            infra[".github/workflows/ci.yml"] = WORKFLOW
        for name, text in infra.items():
            with open(os.path.join(base, name), "w") as f:
                f.write(text)
            written += 1
        for i in range(40):
            if written >= total:
                break
            ext = rng.choices([k for k, _ in kinds], weights)[0]
            bad = rng.random() < 0.05
            n = service * 100 + i
            text = {
                "py": PY_BAD if bad else PY_CLEAN,
                "js": JS_BAD if bad else JS_CLEAN,
                "ts": TS_CLEAN,
                "rs": RS_BAD if bad else RS_CLEAN,
                "md": "# Notes {n}\n\nNothing to see here.\n",
                "txt": "plain text {n}\n",
            }[ext].format(n=n)
            with open(os.path.join(base, "src", f"m{i:03d}.{ext}"), "w") as f:
                f.write(text)
            written += 1
    print(f"wrote {written} files in {service} services under {out}")


if __name__ == "__main__":
    main()
