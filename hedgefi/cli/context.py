"""Global CLI options (``--chain``, ``--rpc``) and the helpers commands use to reach a chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hedgefi.core.config import env

if TYPE_CHECKING:
    from hedgefi.chain.profiles import ChainProfile
    from hedgefi.chain.rpc import Connection


@dataclass
class GlobalOptions:
    chain: str | None = None
    rpc: str | None = None

    @property
    def chain_name(self) -> str:
        return self.chain or env("HEDGEFI_CHAIN") or "devnet"

    def profile(self) -> "ChainProfile":
        from hedgefi.chain.profiles import get_profile

        return get_profile(self.chain_name)

    def connect(self) -> "Connection":
        from hedgefi.chain.rpc import connect

        return connect(self.profile(), self.rpc)


OPTIONS = GlobalOptions()

__all__ = ["GlobalOptions", "OPTIONS"]
