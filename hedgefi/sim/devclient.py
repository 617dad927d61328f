"""Transactions from anvil's unlocked accounts, for deploying and seeding the devnet, over the one transport.

``DevClient(url)`` deploys an ``Artifact`` with its constructor arguments, sends a function call by
its ABI (``ContractCodec`` encoding, structs as dicts or tuples) and waits for the receipt. A reverted
step raises ``DevnetError`` with the reason the node gives when the same call is replayed at the block
before the receipt's (anvil mines one transaction a block, so that is the state the transaction saw).
No web3: requests go through ``chain.local.rpc_request``.
"""

from __future__ import annotations

from typing import Any, cast

from hedgefi.chain.abicodec import ContractCodec
from hedgefi.chain.local import rpc_request, wait_receipt
from hedgefi.core.errors import DevnetError, RpcError
from hedgefi.core.resources import Artifact

DEPLOY_GAS = 29_000_000
CALL_GAS = 1_000_000


class DevClient:
    def __init__(self, url: str) -> None:
        self.url = url

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        return rpc_request(self.url, method, params)

    # ---------------------------------------------------------------- reads
    def call(self, to: str, data: bytes, block: str = "latest") -> bytes:
        out = self.rpc("eth_call", [{"to": to, "data": "0x" + data.hex()}, block])
        return bytes.fromhex(str(out)[2:])

    def balance(self, address: str) -> int:
        return int(self.rpc("eth_getBalance", [address, "latest"]), 16)

    def block_number(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def chain_id(self) -> int:
        return int(self.rpc("eth_chainId"), 16)

    def gas_price(self) -> int:
        return int(self.rpc("eth_gasPrice"), 16)

    def timestamp(self) -> int:
        return int(self.rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    # ---------------------------------------------------------------- writes
    def send(self, tx: dict[str, Any], what: str) -> dict[str, Any]:
        """Send ``tx`` (``data`` as bytes or 0x-hex) from an unlocked account; the receipt, or DevnetError."""
        body = {k: v for k, v in tx.items() if v is not None}
        if isinstance(body.get("data"), (bytes, bytearray)):
            body["data"] = "0x" + bytes(body["data"]).hex()
        for k in ("value", "gas"):
            if isinstance(body.get(k), int):
                body[k] = hex(body[k])
        tx_hash = self.rpc("eth_sendTransaction", [body])
        receipt = wait_receipt(self.url, str(tx_hash), timeout_s=60)
        if receipt.get("status") != "0x1":
            raise DevnetError(f"devnet step '{what}' reverted{self._reason(body, receipt)}")
        return receipt

    def _reason(self, body: dict[str, Any], receipt: dict[str, Any]) -> str:
        block = int(receipt["blockNumber"], 16)
        replay = {k: body[k] for k in ("from", "to", "data", "value", "gas") if k in body}
        try:
            self.rpc("eth_call", [replay, hex(max(block - 1, 0))])
        except RpcError as exc:
            return f": {exc}"
        return ""

    def deploy(self, artifact: Artifact, *args: Any, sender: str) -> str:
        default: dict[str, Any] = {"type": "constructor", "inputs": []}
        ctor: dict[str, Any] = next((i for i in artifact.abi if i.get("type") == "constructor"), default)
        inputs = ctor["inputs"]
        if len(inputs) != len(args):
            raise DevnetError(f"{artifact.name} takes {len(inputs)} constructor arguments, got {len(args)}")
        from eth_abi.abi import encode
        from eth_utils.abi import get_aligned_abi_inputs

        types, values = get_aligned_abi_inputs(cast(Any, ctor), args)
        encoded = encode(list(types), list(values))
        data = bytes.fromhex(artifact.bytecode[2:]) + encoded
        receipt = self.send({"from": sender, "data": data, "gas": DEPLOY_GAS}, f"deploy {artifact.name}")
        return str(_checksum(receipt["contractAddress"]))

    def transact(self, address: str, abi: list[dict[str, Any]], fn: str, *args: Any, sender: str,
                 value: int = 0, gas: int = CALL_GAS) -> dict[str, Any]:
        data = ContractCodec(abi).encode(fn, *args)
        return self.send({"from": sender, "to": address, "data": data, "value": value, "gas": gas},
                         f"{fn} on {address}")


def _checksum(address: str) -> str:
    from eth_utils.address import to_checksum_address

    return str(to_checksum_address(address))


__all__ = ["DevClient"]
