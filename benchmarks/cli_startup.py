"""Start-up time of the ``profitbricks`` command line, next to a bare interpreter.

Rows (each the median wall time (and CPU time, user + system, which
machine load disturbs less) of ``--runs`` fresh processes, run interleaved so that machine
noise hits all alike):

- ``python -c pass``: the bare interpreter, the yardstick;
- ``profitbricks --version``: the console script, parser only;
- ``profitbricks datacenter list``: a whole command against an emulator served by this process
  (``running_emulator``), five data centres, table output, the credentials and the URL in the
  environment (as in a CI job: the config file is not read);
- ``profitbricks datacenter list (config file)``: the same with the credentials and the URL in
  the default profile of the config file (as ``profitbricks configure`` writes it);
- ``python -c 'import urllib3'``: the SDK's default HTTP library alone (a single command does
  not import it: it talks through one ``http.client`` connection);
- ``python -c <SDK list_datacenters>``: the same call made by a script with the SDK alone, on its
  default, pooled urllib3 transport;
- ``profitbricks datacenter list -o json --query ...``: the same with jmespath loaded.

Target: ``--version`` and ``datacenter list`` within 80 ms of ``python -c pass``. Then the
heaviest modules each command imports (``python -X importtime``, self time, median of a few
runs), to show where the time goes.

Bytecode is cached for the children (``PYTHONPYCACHEPREFIX`` in a temporary directory, even when
``PYTHONDONTWRITEBYTECODE`` is set), as it is for an installed package.

Run: ``python benchmarks/cli_startup.py [--runs 30]`` (needs the ``cli`` and ``emulator`` extras).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

from profitbricks.client import Datacenter
from profitbricks.emulator.testing import running_emulator

TARGET_MS = 80.0


def _script() -> str:
    beside = os.path.join(os.path.dirname(sys.executable), "profitbricks")
    found = beside if os.path.exists(beside) else shutil.which("profitbricks")
    if not found:
        sys.exit("the profitbricks console script is not installed (pip install -e '.[cli]')")
    return found


def _time(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``argv``, in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _imports(argv: list[str], env: dict[str, str], runs: int) -> list[tuple[str, float]]:
    """The modules ``argv`` (a console-script command) imports, by median self time (ms)."""
    script = argv[0]
    code = (
        "import sys; from profitbricks.cli import main; "
        f"sys.argv = {[script, *argv[1:]]!r}; sys.exit(main())"
    )
    selfs: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        for line in done.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|(\s*)(\S+)", line)
            if match:
                selfs[match.group(3)].append(int(match.group(1)) / 1000)
    medians = [(name, statistics.median(times)) for name, times in selfs.items()]
    return sorted(medians, key=lambda item: -item[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="processes per row (30)")
    parser.add_argument("--top", type=int, default=8, help="modules listed per command (8)")
    options = parser.parse_args()
    script = _script()
    with running_emulator() as emu, tempfile.TemporaryDirectory() as cache:
        for n in range(5):
            emu.client.create_datacenter(Datacenter(name=f"dc-{n}", location="us/las"))
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            # Compiled once, as an installed package is: without cached bytecode every run
            # would compile the sources again. The cache is kept out of the source tree.
            "PYTHONPYCACHEPREFIX": cache,
            "PROFITBRICKS_USERNAME": emu.username,
            "PROFITBRICKS_PASSWORD": emu.password,
            "PROFITBRICKS_API_URL": emu.url,
        }
        # The same call with the credentials and URL in the default profile of the config file
        # (as `profitbricks configure` writes it) instead of the environment.
        config_home = os.path.join(cache, "config")
        os.makedirs(os.path.join(config_home, "profitbricks"))
        with open(os.path.join(config_home, "profitbricks", "config.ini"), "w") as ini:
            ini.write(
                f"[credentials]\nusername = {emu.username}\npassword = {emu.password}\n"
                f"api_url = {emu.url}\n"
            )
        profile_env = {
            **{k: v for k, v in env.items() if not k.startswith("PROFITBRICKS_")},
            "XDG_CONFIG_HOME": config_home,
        }
        rows = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "profitbricks --version": [script, "--version"],
            "profitbricks datacenter list": [script, "datacenter", "list"],
            "profitbricks datacenter list (config file)": [script, "datacenter", "list"],
            "profitbricks datacenter list -o json --query": [
                script, "datacenter", "list", "-o", "json", "--query", "items[].id",
            ],
            "python -c 'import urllib3'": [sys.executable, "-c", "import urllib3"],
            "python -c <SDK list_datacenters>": [
                sys.executable, "-c",
                "from profitbricks.client import ProfitBricksService as S\n"
                "S().list_datacenters()",
            ],
        }  # fmt: skip
        envs = {name: profile_env if "config file" in name else env for name in rows}
        for name, argv in rows.items():
            _time(argv, envs[name])  # warm the file cache
        walls: dict[str, list[float]] = {name: [] for name in rows}
        cpus: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(options.runs):
            for name, argv in rows.items():
                wall, cpu = _time(argv, envs[name])
                walls[name].append(wall)
                cpus[name].append(cpu)
        wall_ms = {name: statistics.median(values) * 1000 for name, values in walls.items()}
        cpu_ms = {name: statistics.median(values) * 1000 for name, values in cpus.items()}
        bare, bare_cpu = wall_ms["python -c pass"], cpu_ms["python -c pass"]
        print(
            f"start-up, median of {options.runs} fresh processes, in ms "
            f"(target: wall within {TARGET_MS:g} ms of python -c pass)"
        )
        print(f"  {'command':<48} {'wall':>7} {'+bare':>7} {'cpu':>7} {'+bare':>7}")
        for name in rows:
            print(
                f"  {name:<48} {wall_ms[name]:7.1f} {wall_ms[name] - bare:+7.1f} "
                f"{cpu_ms[name]:7.1f} {cpu_ms[name] - bare_cpu:+7.1f}"
            )
        for name in ("profitbricks --version", "profitbricks datacenter list"):
            print(f"\nheaviest imports of `{name}` (self ms, median of 5)")
            for module, ms in _imports(rows[name], envs[name], 5)[: options.top]:
                print(f"  {module:<40} {ms:6.2f}")


if __name__ == "__main__":
    main()
