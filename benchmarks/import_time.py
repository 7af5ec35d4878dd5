"""Import time of ``profitbricks.client`` compared with ``import urllib3`` alone.

Each figure is the median wall time of ``--runs`` fresh interpreters (``python -I -c ...``, run
interleaved so machine noise hits all alike), minus the median of a bare ``python -I -c pass``.
Rows:

- ``import urllib3``: the SDK's one required dependency, the yardstick;
- ``import profitbricks.client``: what a script pays before its first call;
- ``... + first call ready``: the client plus everything the first HTTP call imports
  (``ProfitBricksService(...).transport``), the fair comparison with urllib3;
- ``import profitbricks.emulator`` for information;
- the asyncio client: ``import aiohttp`` alone, ``import profitbricks.aio`` (which does not load
  aiohttp until the first call) and the client with aiohttp loaded, ready for its first call; the
  last row checks that ``profitbricks.client`` loads neither aiohttp nor ``profitbricks.aio``.

Target: ``profitbricks.client`` + first call ready at most 15 ms above ``import urllib3``.
Then the heaviest modules of ``profitbricks.client`` by ``python -X importtime`` (self time,
median of several runs), to show where the time goes.

Run: ``python benchmarks/import_time.py [--runs 40]``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict

CASES = {
    "bare interpreter": "pass",
    "import urllib3": "import urllib3",
    "import profitbricks.client": "import profitbricks.client",
    "import profitbricks.client + first call ready": (
        "from profitbricks.client import ProfitBricksService\n"
        "ProfitBricksService('u', 'p', host_base='http://127.0.0.1:9/cloudapi/v4').transport"
    ),
    "import profitbricks.emulator": "import profitbricks.emulator",
    "import aiohttp": "import aiohttp",
    "import profitbricks.aio": "import profitbricks.aio",
    "import profitbricks.aio + first call ready": (
        "import asyncio, aiohttp\n"
        "from profitbricks.aio import AsyncProfitBricksService\n"
        "AsyncProfitBricksService('u', 'p', host_base='http://127.0.0.1:9/cloudapi/v4').pipeline"
    ),
    "import profitbricks.client, then check aiohttp is not loaded": (
        "import sys, profitbricks.client\n"
        "assert 'aiohttp' not in sys.modules and 'profitbricks.aio' not in sys.modules"
    ),
}


def run_once(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-I", "-c", code], check=True)
    return time.perf_counter() - started


def importtime_self(module_code: str, runs: int) -> dict[str, float]:
    """Median self time (ms) per module under ``-X importtime``."""
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-I", "-X", "importtime", "-c", module_code],
            check=True,
            capture_output=True,
            text=True,
        )
        for line in result.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
            if match:
                samples[match.group(4)].append(int(match.group(1)) / 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="fresh interpreters per case (40)")
    parser.add_argument("--top", type=int, default=12, help="modules to list (12)")
    args = parser.parse_args(argv)

    for code in CASES.values():  # warm the file cache and write .pyc files
        run_once(code)
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(args.runs):
        for name, code in CASES.items():
            times[name].append(run_once(code))
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    bare = medians["bare interpreter"]
    urllib3_ms = medians["import urllib3"] - bare

    print(f"### Import time, median of {args.runs} fresh interpreters (python -I)")
    print()
    print("| import | ms above a bare interpreter | ms above urllib3 |")
    print("|---|---:|---:|")
    for name in CASES:
        if name == "bare interpreter":
            continue
        above = medians[name] - bare
        print(f"| {name} | {above:.1f} | {above - urllib3_ms:+.1f} |")
    print()
    print(
        f"(bare interpreter: {bare:.1f} ms; target: client + first call ready <= urllib3 + 15 ms)"
    )

    selftimes = importtime_self(CASES["import profitbricks.client + first call ready"], 9)
    print()
    print("Heaviest modules for the client + first call (median self time, -X importtime):")
    print()
    print("| module | self ms |")
    print("|---|---:|")
    for name, ms in sorted(selftimes.items(), key=lambda item: -item[1])[: args.top]:
        print(f"| {name} | {ms:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
