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

from hedgefi.devnet import control
from hedgefi.devnet.anvil import free_port, rpc_request
from hedgefi.devnet.manifest import Manifest


@dataclass
class DevnetSession:
    manifest: Manifest

    @classmethod
    def start(cls) -> "DevnetSession":
        return cls(control.up(port=free_port()))

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


__all__ = ["DevnetSession"]
