"""What a newcomer waits for: CPU of `fhir-gateway --help` and `token`, `serve` start-up to a healthy answer,
and Ctrl-C (SIGINT) to exit, on the embedded store in a fresh data directory.

    .venv/bin/python bench/startup.py --runs 3

CPU is the child's user+system time (what `/usr/bin/time` reports); start-up and exit are wall-clock seconds,
so on a shared machine read them beside the load average printed first.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import os
import resource
import signal
import statistics
import subprocess
import tempfile
import time

import httpx

from tests.e2e.server import SERVE, environment, free_port

STOP_GUARD_SECONDS = 120


def command_cpu_seconds(arguments: list[str], env: dict[str, str]) -> float:
    """User+system CPU of one finished CLI call."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([str(SERVE), *arguments], env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def process_cpu_seconds(pid: int) -> float:
    """User+system CPU a running process has used so far (Linux /proc); NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_start_and_interrupt(data_dir: Path) -> tuple[float, float, float]:
    """Seconds from launch to /healthz 200, the CPU seconds spent by then, then from SIGINT to exit."""
    port = free_port()
    launched = time.perf_counter()
    address = ["--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [str(SERVE), "serve", "--dev", *address, "--data-dir", str(data_dir)],
        env=environment(dev=True),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"serve exited early with {process.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        started = time.perf_counter() - launched
        started_cpu = process_cpu_seconds(process.pid)
        interrupted = time.perf_counter()
        process.send_signal(signal.SIGINT)
        process.wait(STOP_GUARD_SECONDS)
        return started, started_cpu, time.perf_counter() - interrupted
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each measurement (median)")
    runs = parser.parse_args().runs
    print(f"load average: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as scratch:
        env = environment() | {"FHIR_GATEWAY_DATA_DIR": scratch}
        rows = {
            "fhir-gateway --help (s CPU)": [command_cpu_seconds(["--help"], env) for _ in range(runs)],
            "fhir-gateway token (s CPU)": [command_cpu_seconds(["token"], env) for _ in range(runs)],
        }
        timings = [serve_start_and_interrupt(Path(scratch) / f"data-{run}") for run in range(runs)]
    rows["serve: launch to /healthz (s)"] = [started for started, _, _ in timings]
    rows["serve: CPU by /healthz (s CPU)"] = [cpu for _, cpu, _ in timings]
    rows["serve: SIGINT to exit (s)"] = [stopped for _, _, stopped in timings]
    for label, values in rows.items():
        each = " ".join(f"{value:.2f}" for value in values)
        print(f"{label:<32} median {statistics.median(values):6.2f}   runs {each}")


if __name__ == "__main__":
    main()
