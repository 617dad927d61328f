"""A devnet for a test session: ``devnet up`` on a free port, snapshot/revert around each test.

    session = DevnetSession.start()      # anvil + deployed devnet contracts + manifest
    with session.isolated():             # evm_snapshot ... evm_revert
        ...
    session.stop()
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from hedgefi.sim import control
from hedgefi.sim.anvil import free_port
from hedgefi.chain.local import rpc_request
from hedgefi.chain.manifest import Manifest


@dataclass
class DevnetSession:
    manifest: Manifest

    @classmethod
    def start(cls, gmx_release: str = "v2.2c") -> "DevnetSession":
        return cls(control.up(port=free_port(), gmx_release=gmx_release))

    @property
    def rpc_url(self) -> str:
        return self.manifest.rpc_url

    @contextmanager
    def isolated(self) -> Iterator[None]:
        snap = rpc_request(self.rpc_url, "evm_snapshot")
        try:
            yield
        finally:
            if not rpc_request(self.rpc_url, "evm_revert", [snap]):
                raise RuntimeError("evm_revert failed: the devnet state is no longer isolated")

    def stop(self) -> None:
        control.down()

    def set_market_hours(self, asset_class: str, want_open: bool) -> None:
        set_market_hours(self.rpc_url, asset_class, want_open)


def set_market_hours(url: str, asset_class: str, want_open: bool) -> None:
    """Move a devnet's clock (forward only) to a moment when gTrade's ``asset_class`` is open / closed.

    Market hours follow the chain's clock, so a test does not depend on the hour it runs at; the
    per-test snapshot/revert puts the clock back.
    """
    control.move_to_market_hours(url, asset_class, want_open)


__all__ = ["DevnetSession", "set_market_hours"]
