"""ABI-driven encoding and named decoding (structs become dicts keyed by field name).

Venue adapters load their checked-in ABI (``abis/<venue>/*.json``) into a ``ContractCodec`` and use
it to encode calls and decode results and events without building web3 contract objects.
"""

from __future__ import annotations

from typing import Any

from hedgefi.chain.abi import decode, selector


def canonical(param: dict[str, Any]) -> str:
    t = str(param["type"])
    if t.startswith("tuple"):
        return "(" + ",".join(canonical(c) for c in param["components"]) + ")" + t[len("tuple"):]
    return t


def name_value(param: dict[str, Any], value: Any) -> Any:
    """Turn decoded tuples into dicts, recursively, using the ABI's component names."""
    t = str(param["type"])
    if t.startswith("tuple"):
        if t.endswith("]"):
            inner = dict(param, type=t[: t.rindex("[")])
            return [name_value(inner, v) for v in value]
        return {c["name"]: name_value(c, v) for c, v in zip(param["components"], value)}
    if t.endswith("]") and isinstance(value, (list, tuple)):
        inner = dict(param, type=t[: t.rindex("[")])
        return [name_value(inner, v) for v in value]
    return value


def to_tuple(param: dict[str, Any], value: Any) -> Any:
    """Dicts (by field name) to tuples for encoding, recursively."""
    t = str(param["type"])
    if t.startswith("tuple"):
        if t.endswith("]"):
            inner = dict(param, type=t[: t.rindex("[")])
            return [to_tuple(inner, v) for v in value]
        if isinstance(value, dict):
            return tuple(to_tuple(c, value[c["name"]]) for c in param["components"])
        return tuple(to_tuple(c, v) for c, v in zip(param["components"], value))
    return value


class ContractCodec:
    def __init__(self, abi: list[dict[str, Any]]) -> None:
        self.functions: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, Any]] = {}
        for item in abi:
            if item.get("type") == "function":
                sig = f"{item['name']}({','.join(canonical(i) for i in item['inputs'])})"
                self.functions.setdefault(item["name"], item)
                self.functions[sig] = item
            elif item.get("type") == "event":
                self.events[item["name"]] = item

    def fn(self, name: str) -> dict[str, Any]:
        return self.functions[name]

    def encode(self, name: str, *args: Any) -> bytes:
        from eth_abi.abi import encode

        item = self.fn(name)
        types = [canonical(i) for i in item["inputs"]]
        values = [to_tuple(i, a) for i, a in zip(item["inputs"], args)]
        sig = f"{item['name']}({','.join(types)})"
        return selector(sig) + encode(types, values)

    def decode_output(self, name: str, data: bytes) -> Any:
        item = self.fn(name)
        outs = item.get("outputs", [])
        values = decode([canonical(o) for o in outs], data)
        named = [name_value(o, v) for o, v in zip(outs, values)]
        return named[0] if len(named) == 1 else tuple(named)

    def event_topic(self, name: str) -> bytes:
        from eth_utils.crypto import keccak

        item = self.events[name]
        return bytes(keccak(text=f"{name}({','.join(canonical(i) for i in item['inputs'])})"))

    def decode_event_data(self, name: str, data: bytes) -> dict[str, Any]:
        item = self.events[name]
        params = [i for i in item["inputs"] if not i.get("indexed")]
        values = decode([canonical(p) for p in params], data)
        return {p["name"]: name_value(p, v) for p, v in zip(params, values)}


__all__ = ["ContractCodec", "canonical", "name_value", "to_tuple"]
