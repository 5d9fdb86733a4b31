"""Benchmark the helpline against the ceiling: ``./bench/run`` (or ``python -m bench.run``).

Starts a real redis-server and gunicorn (``gunicorn.conf.py``, the deployed settings) on
loopback, and drives each server with signed Twilio-shaped requests (``bench/load.py``):

1. the ceiling, a Flask app answering a fixed TwiML document (``bench/ceiling.py``);
2. the floor: the ceiling plus what every Twilio webhook must do (read the form, check the
   signature), the best any correct webhook could reach here;
3. the helpline with the shipped content;
4. the helpline with a generated tree of 50 languages x 500 nodes (``bench/generate.py``),
   to show that the cost of a request does not grow with the content. With more than 9
   languages the language menu has pages (8 languages a page, 9 the next), on the phone and
   by SMS; every language asked for is loaded and measured.

It prints requests per second and p50/p99 latency of each run, the CPU time each request
cost the server's workers, redis-server and the load generator, the ratios to the ceiling
against the targets of issue 9, a worker's resident memory, and content load times. Figures
are for reading, never for a test to assert: they depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from helpline.catalog import Catalog, build_catalog
from helpline.config import DEFAULTS

from . import load
from .generate import MAX_LANGUAGES, generate_tree
from .servers import ROOT, Gunicorn, Redis, cpu_seconds, resident_mb

# Issue 9's targets.
VOICE_RATE, SMS_RATE, P99_RATIO, WORKER_MB = 0.8, 0.6, 1.5, 100.0
# Seconds of the one-client runs, whose latency is the cost of a request without queueing.
SOLO_SECONDS = 3.0
# Each kind of run is measured in this many turns (see Bench.measure).
ROUNDS = 3


@dataclass(frozen=True)
class Options:
    seconds: float
    warmup: float
    clients: int
    workers: str
    threads: str
    languages: int
    nodes: int
    generated: bool


def machine() -> str:
    """Describe this machine in one line: CPU, cores, memory, OS, Python, Redis."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    redis = subprocess.run(["redis-server", "--version"], capture_output=True, text=True,
                           check=False).stdout.split()
    redis_version = next((w.split("=", 1)[1] for w in redis if w.startswith("v=")), "?")
    return (f"{model}, {os.cpu_count()} cores, {memory / 1024 / 1024:.1f} GB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
            f"redis-server {redis_version}")


def timed_load(content: Path, prompts: Path) -> tuple[Catalog, float]:
    """Load, validate and prepare a content tree; return it and the seconds it took."""
    started = time.perf_counter()
    catalog = build_catalog(content, prompts)
    return catalog, time.perf_counter() - started


def describe(catalog: Catalog) -> str:
    content = catalog.content
    return (f"{len(content.languages)} languages, {len(content.tree.menus)} menus, "
            f"{len(content.tree.answers)} answers, {len(catalog.sms.messages)} SMS prepared")


SKIPPED = ("skipped: POST /voice answers 404 here (the voice channel is not in this build); "
           "it runs once it is")


class Cpu(NamedTuple):
    """CPU seconds spent by the server's workers, redis-server and the load generator."""

    workers: float = 0.0
    redis: float = 0.0
    load: float = 0.0
    requests: int = 0  # answered meanwhile, warm-up included

    def minus(self, other: Cpu) -> Cpu:
        return Cpu(self.workers - other.workers, self.redis - other.redis, self.load - other.load)

    def add(self, other: Cpu) -> Cpu:
        return Cpu(self.workers + other.workers, self.redis + other.redis,
                   self.load + other.load, self.requests + other.requests)

    def per_request(self) -> tuple[float, float, float]:
        """Microseconds per request: workers, redis-server, load generator."""
        n = max(self.requests, 1)
        return self.workers / n * 1e6, self.redis / n * 1e6, self.load / n * 1e6


@dataclass(frozen=True)
class Job:
    """One kind of run: a script against a server, with so many clients at once."""

    name: str
    server: Gunicorn
    script: Callable[[int], load.Script]
    clients: int


class Bench:
    """The servers, the runs and what they measured."""

    def __init__(self, options: Options, workdir: Path) -> None:
        self.options, self.workdir = options, workdir
        self.runs: dict[str, load.Run | str] = {}
        self.cpu: dict[str, Cpu] = {}
        self.memory: dict[str, float] = {}
        self.redis = Redis(workdir).start()
        self.servers: list[Gunicorn] = []

    def env(self, **extra: str) -> dict[str, str]:
        return {"HELPLINE_ENV": "production", "TWILIO_AUTH_TOKEN": load.TOKEN,
                "HELPLINE_HASH_KEY": "bench-hash-key",
                "HELPLINE_ENCRYPTION_KEY": "bench-encryption-key", "HELPLINE_PUBLIC_URL": load.PUBLIC_URL,
                "REDIS_URL": self.redis.url, "GUNICORN_WORKERS": self.options.workers,
                "GUNICORN_THREADS": self.options.threads,
                # The abuse limits would answer most of a flood with silence: lift them here.
                "HELPLINE_SMS_PER_NUMBER": "1000000", "HELPLINE_SMS_REPLIES_PER_MINUTE": "1000000000",
                **extra}

    def start(self, label: str, target: str, env: dict[str, str]) -> Gunicorn:
        """Start gunicorn serving ``target`` and wait until every worker has loaded it."""
        print(f"{label}: starting gunicorn {target} ...", flush=True)
        server = Gunicorn(target, env, self.workdir / f"{label}.log")
        self.servers.append(server.start(timeout=300))
        server.settle()
        return server

    def measure(self, jobs: list[Job], seconds: float) -> None:
        """Run the jobs in turn, ROUNDS times, ``seconds`` in all for each; add up each job's runs.

        Taking turns, a server and its ceiling see the same moments of a noisy machine.
        """
        live = []
        for job in jobs:
            if load.probe(job.server.port, job.script(0)) == 404:
                self.runs[job.name] = SKIPPED
            else:
                live.append(job)
        for round_ in range(ROUNDS):
            warmup = self.options.warmup if round_ == 0 else 0.3
            for job in live:
                run, cpu = self.drive(job, seconds / ROUNDS, warmup)
                earlier = self.runs.get(job.name)
                self.runs[job.name] = earlier.add(run) if isinstance(earlier, load.Run) else run
                self.cpu[job.name] = self.cpu.get(job.name, Cpu()).add(cpu)
        print("  " + ", ".join(f"{job.name} {self.rate(job.name)}" for job in jobs), flush=True)

    def drive(self, job: Job, seconds: float, warmup: float) -> tuple[load.Run, Cpu]:
        """Run one job, and what CPU time it cost each process (warm-up included)."""
        workers = job.server.workers()
        redis_pid = self.redis.process.pid if self.redis.process else 0

        def now() -> Cpu:
            own = resource.getrusage(resource.RUSAGE_SELF)
            return Cpu(sum(cpu_seconds(pid) for pid in workers), cpu_seconds(redis_pid),
                       own.ru_utime + own.ru_stime)

        before = now()
        run = load.drive(job.name, job.server.port, job.script, job.clients, seconds, warmup)
        return run, now().minus(before)._replace(requests=run.answered)

    def rate(self, name: str) -> str:
        run = self.runs[name]
        return f"{run.rate:.0f}/s" if isinstance(run, load.Run) else "skipped"

    def weigh(self, label: str, server: Gunicorn) -> None:
        """Record the resident memory of the largest worker of ``server``."""
        self.memory[label] = max((resident_mb(pid) for pid in server.workers()), default=0.0)

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        self.redis.stop()


def ratio(runs: dict[str, load.Run | str], name: str, base: str,
          measure: Callable[[load.Run], float]) -> float | None:
    run, ceiling = runs.get(name), runs.get(base)
    if not isinstance(run, load.Run) or not isinstance(ceiling, load.Run) or not measure(ceiling):
        return None
    return measure(run) / measure(ceiling)


def report(bench: Bench, header: list[str]) -> None:
    runs = bench.runs
    print("\n" + "\n".join(header))
    print(f"\n{'run':<32}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'not 200':>9}")
    for name, run in runs.items():
        if isinstance(run, str):
            print(f"{name:<32} {run}")
            continue
        print(f"{name:<32}{run.requests:>9}{run.rate:>8.0f}{run.percentile(0.5) * 1000:>9.2f}"
              f"{run.percentile(0.99) * 1000:>9.2f}{run.failed:>9}")

    print(f"\n{'CPU time per request (us)':<32}{'workers':>9}{'redis':>8}{'load':>8}{'all':>8}")
    for name, cpu in bench.cpu.items():
        parts = cpu.per_request()
        print(f"{name:<32}" + "".join(f"{part:>{w}.0f}" for part, w in zip(parts, (9, 8, 8),
                                                                              strict=True))
              + f"{sum(parts):>8.0f}")

    def rate(run: load.Run) -> float:
        return run.rate

    def p99(run: load.Run) -> float:
        return run.percentile(0.99)

    def p50(run: load.Run) -> float:
        return run.percentile(0.5)

    clients = bench.options.clients
    checks = [
        ("voice req/s / ceiling", ratio(runs, "helpline voice", "ceiling voice", rate), ">=", VOICE_RATE),
        ("sms req/s / ceiling", ratio(runs, "helpline sms", "ceiling sms", rate), ">=", SMS_RATE),
        (f"voice p99 / ceiling ({clients} clients)", ratio(runs, "helpline voice", "ceiling voice", p99),
         "<=", P99_RATIO),
        (f"sms p99 / ceiling ({clients} clients)", ratio(runs, "helpline sms", "ceiling sms", p99),
         "<=", P99_RATIO),
    ]
    print(f"\n{'target':<34}{'measured':>10}  {'goal':<8}")
    floors = [(f"floor {kind} req/s / ceiling", ratio(runs, f"floor {kind}", f"ceiling {kind}", rate))
              for kind in ("voice", "sms")]
    floors += [(f"floor {kind} p99 / ceiling", ratio(runs, f"floor {kind}", f"ceiling {kind}", p99))
               for kind in ("voice", "sms")]
    for label, value, sense, goal in checks:
        if value is None:
            print(f"{label:<34}{'-':>10}  {sense} {goal:<5}  not measured")
            continue
        met = value >= goal if sense == ">=" else value <= goal
        print(f"{label:<34}{value:>10.2f}  {sense} {goal:<5}  {'met' if met else 'MISSED'}")
    print("the floor (form and signature only: the best a correct webhook can do here):")
    for label, value in floors:
        print(f"  {label:<32}{'-' if value is None else f'{value:.2f}':>10}")
    print("the store floor (the floor and the two Redis round trips of every text, nothing else:\n"
          " the best an SMS webhook that keeps its conversations in Redis can do here), and the\n"
          " one-trip floor (the same reads and writes in one script: the best of a design with one):")
    for name in ("store floor sms", "one-trip floor sms"):
        for label, measure in (("req/s", rate), ("p99", p99)):
            value = ratio(runs, name, "ceiling sms", measure)
            print(f"  {name + ' ' + label + ' / ceiling':<36}"
                  f"{'-' if value is None else f'{value:.2f}':>6}")
    print("the helpline against its floors (what its own work costs):")
    for label, name, base, measure in (
            ("voice req/s / floor", "helpline voice", "floor voice", rate),
            ("voice p99 / floor", "helpline voice", "floor voice", p99),
            ("sms req/s / store floor", "helpline sms", "store floor sms", rate),
            ("sms p99 / store floor", "helpline sms", "store floor sms", p99)):
        value = ratio(runs, name, base, measure)
        print(f"  {label:<36}{'-' if value is None else f'{value:.2f}':>6}")
    if "helpline" in bench.memory:
        mb = bench.memory["helpline"]
        print(f"{'worker resident memory (shipped)':<34}{mb:>7.0f} MB  <  {WORKER_MB:.0f} MB  "
              f"{'met' if mb < WORKER_MB else 'MISSED'}")
    if "generated" in bench.memory:
        print(f"{'worker resident memory (generated)':<34}{bench.memory['generated']:>7.0f} MB")
    for kind in ("sms", "voice"):
        medians = ratio(runs, f"generated {kind}, 1 client", f"helpline {kind}, 1 client", p50)
        rates = ratio(runs, f"generated {kind}", f"helpline {kind}", rate)
        if rates is not None and medians is not None:
            print(f"{kind + ' cost, generated / shipped':<34}{medians:>10.2f}  p50 with 1 client "
                  f"(req/s with {clients}: x{rates:.2f}); about 1: no growth")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=9, help="measured seconds per run, in all (9)")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds first (2)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--workers", default=os.environ.get("GUNICORN_WORKERS", ""),
                        help="GUNICORN_WORKERS (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", default=os.environ.get("GUNICORN_THREADS", ""),
                        help="GUNICORN_THREADS (default: gunicorn.conf.py's)")
    parser.add_argument("--languages", type=int, default=50,
                        help=f"generated languages, 1 to {MAX_LANGUAGES} (50)")
    parser.add_argument("--nodes", type=int, default=500, help="generated nodes per language (500)")
    parser.add_argument("--no-generated", dest="generated", action="store_false",
                        help="skip the generated tree")
    args = parser.parse_args(argv)
    settings = _server_defaults()
    workers = args.workers or settings["GUNICORN_WORKERS"]
    threads = args.threads or settings["GUNICORN_THREADS"]
    options = Options(**{**vars(args), "workers": workers, "threads": threads})
    started = time.perf_counter()

    header = [f"machine: {machine()}",
              f"server:  gunicorn gthread, {workers} workers x {threads} threads "
              f"(gunicorn.conf.py), Redis on loopback with an append-only file",
              f"load:    {options.clients} concurrent clients, keep-alive, signed requests; "
              f"{options.warmup:g} s warm-up, then {options.seconds:g} s measured per run in "
              f"{ROUNDS} turns taken with the ceiling",
              "", "content load (validate and prepare every message, one process):"]
    shipped, seconds = timed_load(Path(DEFAULTS["HELPLINE_CONTENT_DIR"]),
                                  Path(DEFAULTS["HELPLINE_PROMPTS_DIR"]))
    header.append(f"  shipped    {seconds:6.1f} s  ({describe(shipped)})")
    print(header[-1], flush=True)

    with tempfile.TemporaryDirectory(prefix="helpline-bench-") as tmp:
        workdir = Path(tmp)
        bench = Bench(options, workdir)
        try:
            run_all(bench, options, shipped, header)
        finally:
            bench.close()
        report(bench, header)
    print(f"\n(whole run: {time.perf_counter() - started:.0f} s)")
    return 0


def run_all(bench: Bench, options: Options, shipped: Catalog, header: list[str]) -> None:
    """Measure the ceiling and the helpline in turns, then the generated tree against the shipped."""
    clients = options.clients

    def sms(catalog: Catalog) -> Callable[[int], load.Script]:
        languages = load.languages_of(catalog.content)
        return lambda n: load.SmsConversations(languages, n)

    def voice(_: int) -> load.Script:
        return load.VoiceCalls()

    ceiling = bench.start("ceiling", "bench.ceiling:app", bench.env())
    floor = bench.start("floor", "bench.ceiling:floor", bench.env())
    stored = bench.start("stored", "bench.ceiling:stored", bench.env())
    one_trip = bench.start("one trip", "bench.ceiling:one_trip", bench.env())
    helpline = bench.start("helpline", "app:app", bench.env())
    for n, suffix in ((clients, ""), (1, ", 1 client")):
        bench.measure([Job(f"ceiling sms{suffix}", ceiling, sms(shipped), n),
                       Job(f"floor sms{suffix}", floor, sms(shipped), n),
                       *([Job("store floor sms", stored, sms(shipped), n),
                          Job("one-trip floor sms", one_trip, sms(shipped), n)] if n > 1 else []),
                       Job(f"helpline sms{suffix}", helpline, sms(shipped), n),
                       Job(f"ceiling voice{suffix}", ceiling, voice, n),
                       Job(f"floor voice{suffix}", floor, voice, n),
                       Job(f"helpline voice{suffix}", helpline, voice, n)],
                      options.seconds if n > 1 else SOLO_SECONDS)
    bench.weigh("helpline", helpline)
    ceiling.stop()
    floor.stop()
    stored.stop()
    one_trip.stop()
    if not options.generated:
        return
    content, prompts = generate_tree(bench.workdir / "tree", options.languages, options.nodes)
    generated, seconds = timed_load(content, prompts)
    header.append(f"  generated  {seconds:6.1f} s  ({describe(generated)})")
    print(header[-1], flush=True)
    # A worker loads the content before its first heartbeat to gunicorn: a big generated
    # tree takes longer than the deployed 30 s, after which gunicorn would kill the worker.
    tree = bench.start("generated", "app:app", bench.env(
        HELPLINE_CONTENT_DIR=str(content), HELPLINE_PROMPTS_DIR=str(prompts),
        GUNICORN_TIMEOUT=str(max(30, round(10 * seconds)))))
    bench.measure([Job("generated sms", tree, sms(generated), clients),
                   Job("generated voice", tree, voice, clients)], options.seconds)
    # The cost of one request, on the shipped and the generated content in turns.
    bench.measure([Job("helpline sms, 1 client", helpline, sms(shipped), 1),
                   Job("generated sms, 1 client", tree, sms(generated), 1),
                   Job("helpline voice, 1 client", helpline, voice, 1),
                   Job("generated voice, 1 client", tree, voice, 1)], SOLO_SECONDS)
    bench.weigh("generated", tree)


def _server_defaults() -> dict[str, str]:
    import runpy

    settings: dict[str, str] = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["ENVIRONMENT"]
    return settings


if __name__ == "__main__":
    sys.exit(main())
