"""Playing GMX's LIQUIDATION_KEEPER on the devnet: find the positions past their liquidation point and
liquidate them through the replica's ``LiquidationHandler.executeLiquidation``.

Every position in DataStore's ``POSITION_LIST`` is tried with an ``eth_call`` from the keeper (the member of
``LIQUIDATION_KEEPER`` in RoleStore, impersonated on anvil) with the oracle prices ``executeOrder`` uses: the
handler itself decides, by GMX's rule (``isPositionLiquidatable(forLiquidation=true)``), and refuses a healthy
position with ``PositionShouldNotBeLiquidated``. Those it accepts are then liquidated for real, one
transaction each. ``hedgefi devnet liquidate`` runs it once; the background keeper does not (a liquidation is
a step the demo and the tests take on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hedgefi.chain.abi import decode, encode_call
from hedgefi.chain.abicodec import ContractCodec
from hedgefi.chain.local import rpc_request, wait_receipt
from hedgefi.core.errors import DevnetError, RpcError

if TYPE_CHECKING:
    from hedgefi.chain.manifest import Manifest
    from hedgefi.venues.gmx.deployment import GmxDeployment

LIQUIDATION_GAS = 8_000_000
MAX_POSITIONS = 1000


@dataclass(frozen=True, slots=True)
class LiquidationResult:
    position_key: str
    account: str
    market: str
    collateral_token: str
    is_long: bool
    liquidated: bool
    tx_hash: str | None = None
    note: str = ""          # why it was left alone (the handler's refusal, decoded) or what failed

    def as_json(self) -> dict[str, Any]:
        return {"position_key": self.position_key, "account": self.account, "market": self.market,
                "collateral_token": self.collateral_token, "is_long": self.is_long, "liquidated": self.liquidated,
                "tx_hash": self.tx_hash, "note": self.note}


def handler_codec() -> ContractCodec:
    from hedgefi.sim.gmx_deploy import gmx_artifacts

    return ContractCodec(gmx_artifacts()["LiquidationHandler"].abi)


def _call(url: str, to: str, data: bytes, sender: str | None = None) -> bytes:
    tx: dict[str, Any] = {"to": to, "data": "0x" + data.hex()}
    if sender:
        tx["from"] = sender
    return bytes.fromhex(rpc_request(url, "eth_call", [tx, "latest"])[2:])


def position_keys(url: str, d: "GmxDeployment") -> list[bytes]:
    from hedgefi.venues.gmx import keys

    data = encode_call("getBytes32ValuesAt(bytes32,uint256,uint256)", ["bytes32", "uint256", "uint256"],
                       [keys.name_key("POSITION_LIST"), 0, MAX_POSITIONS])
    (values,) = decode(["bytes32[]"], _call(url, d.data_store, data))
    return [bytes(v) for v in values]


def _refusal(exc: RpcError) -> str:
    from hedgefi.venues.gmx.errors import decoder

    data = exc.data.get("data") if isinstance(exc.data, dict) else exc.data
    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
        return decoder().decode(data).message
    return str(exc)


def liquidate_all(url: str, d: "GmxDeployment", liquidation_handler: str, *, account: str | None = None,
                  send: bool = True) -> list[LiquidationResult]:
    """Try every listed position (of ``account`` when given); liquidate those the handler accepts (only
    report them when ``send`` is false). One result per position tried, in POSITION_LIST order."""
    from hedgefi.venues.gmx.keeper import keeper_address, oracle_params
    from hedgefi.venues.gmx.releases import reader_codec

    reader, handler = reader_codec(d), handler_codec()
    keeper = keeper_address(url, d, "LIQUIDATION_KEEPER")
    rpc_request(url, "anvil_impersonateAccount", [keeper])
    if int(rpc_request(url, "eth_getBalance", [keeper, "latest"]), 16) < 10**18:
        rpc_request(url, "anvil_setBalance", [keeper, hex(100 * 10**18)])
    results = []
    for key in position_keys(url, d):
        p = reader.decode_output("getPosition", _call(url, d.reader, reader.encode("getPosition", d.data_store, key)))
        a = p["addresses"]
        if account and a["account"].lower() != account.lower():
            continue
        is_long = bool(p["flags"]["isLong"])
        data = handler.encode("executeLiquidation", a["account"], a["market"], a["collateralToken"], is_long,
                              oracle_params(url, d, a["market"]))

        def result(liquidated: bool, tx: str | None = None, note: str = "") -> LiquidationResult:
            return LiquidationResult("0x" + key.hex(), a["account"], a["market"], a["collateralToken"], is_long,
                                     liquidated, tx, note)

        try:
            _call(url, liquidation_handler, data, keeper)
        except RpcError as exc:       # healthy (PositionShouldNotBeLiquidated) or an oracle error: left alone
            results.append(result(False, note=_refusal(exc)))
            continue
        if not send:
            results.append(result(False, note="liquidatable"))
            continue
        tx = rpc_request(url, "eth_sendTransaction", [{"from": keeper, "to": liquidation_handler,
                                                       "data": "0x" + data.hex(), "gas": hex(LIQUIDATION_GAS)}])
        receipt = wait_receipt(url, tx)
        ok = receipt.get("status") == "0x1"
        results.append(result(ok, tx, "" if ok else "the liquidation transaction reverted"))
    return results


def liquidate_devnet(manifest: "Manifest", *, account: str | None = None, send: bool = True
                     ) -> list[LiquidationResult]:
    """``liquidate_all`` on the running devnet's replica."""
    from hedgefi.venues.gmx.deployment import deployment_for

    handler = manifest.contracts.get("gmx:LiquidationHandler")
    if not handler:
        raise DevnetError("this devnet has no GMX LiquidationHandler: restart it with `hedgefi devnet up`")
    return liquidate_all(manifest.rpc_url, deployment_for(manifest.profile()), handler, account=account, send=send)


__all__ = ["LiquidationResult", "liquidate_all", "liquidate_devnet", "position_keys", "handler_codec"]
