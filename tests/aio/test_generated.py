"""The generated asyncio client is current, and importing the blocking client never loads it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from profitbricks.aio import _generate
from profitbricks.aio._base import AsyncServiceBase


def test_the_committed_file_is_what_the_generator_writes_now() -> None:
    fresh = _generate.fresh()
    committed = _generate.TARGET.read_text(encoding="utf-8")
    assert committed == fresh, "run: python -m profitbricks.aio._generate"


def test_the_check_mode_reports_a_current_file() -> None:
    assert _generate.main(["--check"]) == 0


SOURCE = textwrap.dedent(
    '''
    from . import _operations as op
    from ._pipeline import Pipeline

    class ProfitBricksService:
        def get_thing(self, thing_id: str) -> dict:
            """A thing."""
            return self._run(op.GET_THING, thing_id=thing_id)

        def first_item(self) -> dict:
            return self.list_things()["items"][0]

        def list_things(self) -> dict:
            return self._run(op.LIST_THINGS)

        def pipeline_kind(self) -> type[Pipeline]:
            from ._pipeline import Pipeline as P
            return P

        def _create_thing_dict(self, thing: object) -> dict:
            return {"thing": thing}

        def close(self) -> None:
            pass
    '''
)


def test_a_changed_client_changes_the_output() -> None:
    output = _generate.generate(SOURCE, dict(vars(AsyncServiceBase)))
    assert "    async def get_thing(self, thing_id: str) -> dict:" in output
    assert "return await self._run(op.GET_THING, thing_id=thing_id)" in output
    # A call whose result is subscripted is awaited inside parentheses.
    assert 'return (await self.list_things())["items"][0]' in output
    # Methods without I/O stay plain; hand-written ones (close) are not copied.
    assert "    def _create_thing_dict(self, thing: object) -> dict:" in output
    assert "def close" not in output
    # Renamed types and one package level more for relative imports inside methods.
    assert "def pipeline_kind(self) -> type[AsyncPipeline]:" in output
    assert "from .._pipeline import Pipeline as P" in output
    assert "from profitbricks import _operations as op" in output


def test_importing_the_blocking_client_loads_neither_aiohttp_nor_the_asyncio_client() -> None:
    code = (
        "import sys, profitbricks, profitbricks.client\n"
        "from profitbricks.client import ProfitBricksService\n"
        "ProfitBricksService('u', 'p', host_base='http://127.0.0.1:9/cloudapi/v4').transport\n"
        "loaded = [m for m in sys.modules if m.startswith(('aiohttp', 'profitbricks.aio'))]\n"
        "assert not loaded, loaded\n"
        "assert 'asyncio' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-I", "-c", code], check=True)


def test_importing_the_asyncio_client_does_not_load_aiohttp_before_a_call() -> None:
    code = (
        "import sys\n"
        "from profitbricks.aio import AsyncProfitBricksService\n"
        "AsyncProfitBricksService('u', 'p', host_base='http://127.0.0.1:9/cloudapi/v4')\n"
        "assert 'aiohttp' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-I", "-c", code], check=True)
