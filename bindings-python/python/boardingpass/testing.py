"""The local emulator as a fixture for your own tests (a pytest plugin,
registered through the ``pytest11`` entry point, so installing
``boardingpass-sdk`` is enough)::

    import boardingpass

    def test_deploys(boardingpass_emulator):
        with boardingpass.Client(boardingpass_emulator.api_base, accept_terms=True) as client:
            bpass = client.provision_sync(owner="Ada Lovelace")
            bpass.deploy_sync("worker.js")
            boardingpass_emulator.claim(bpass)    # what the owner's Claim button does

Each test gets its own emulator on a free loopback port, stopped afterwards.
Options, per test or module, with a marker (``lifetime`` in seconds; the
proof of work defaults to a light k=20, g=50)::

    @pytest.mark.boardingpass_emulator(lifetime=5, pow_k=100, pow_g=500)

The emulator binary ships in the wheel; it runs Workers in workerd, found
through ``BOARDINGPASS_WORKERD``, the npm ``workerd`` package in a
``node_modules`` above the working directory, or ``PATH``
(``npm install --save-dev workerd``). Without pytest (or in another
runner), use ``Emulator.start(...)`` as a context manager: this module
imports without pytest, and defines the fixture only where pytest is.
"""

from __future__ import annotations

from typing import Iterator

from boardingpass._native import Emulator

__all__ = ["Emulator"]

_MARKER = "boardingpass_emulator"

try:
    import pytest
except ImportError:
    pass
else:
    __all__ += ["boardingpass_emulator"]

    def pytest_configure(config: pytest.Config) -> None:
        config.addinivalue_line(
            "markers",
            f"{_MARKER}(lifetime=None, pow_k=None, pow_g=None, emulator=None, workerd=None): options of the boardingpass_emulator fixture",
        )

    @pytest.fixture
    def boardingpass_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
        """A running emulator: ``.api_base`` for the client, ``.claim(bpass)``."""
        marker = request.node.get_closest_marker(_MARKER)
        with Emulator.start(**(marker.kwargs if marker else {})) as emulator:
            yield emulator
