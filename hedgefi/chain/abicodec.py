"""ABI-driven encoding and named decoding (structs become dicts keyed by field name).

Venue adapters load their checked-in ABI (``abis/<venue>/*.json``) into a ``ContractCodec`` and use
it to encode calls and decode results and events without building web3 contract objects. Type strings,
signatures, selectors, topics and the alignment of dict-shaped struct arguments come from eth-utils,
the encoding itself from eth-abi; this module adds only the lookup by name and the named decoding.
"""

from __future__ import annotations

from typing import Any, cast

from eth_utils.abi import (abi_to_signature, collapse_if_tuple, event_abi_to_log_topic,
                           function_abi_to_4byte_selector, get_abi_output_types, get_aligned_abi_inputs)

from hedgefi.chain.abi import decode


def canonical(param: dict[str, Any]) -> str:
    """The ABI type string of one parameter, tuples expanded: ``(address,uint256)[]``."""
    return collapse_if_tuple(param)


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


class ContractCodec:
    def __init__(self, abi: list[dict[str, Any]]) -> None:
        self.functions: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, Any]] = {}
        for item in abi:
            if item.get("type") == "function":
                self.functions.setdefault(item["name"], item)
                self.functions[abi_to_signature(cast(Any, item))] = item
            elif item.get("type") == "event":
                self.events[item["name"]] = item

    def fn(self, name: str) -> dict[str, Any]:
        return self.functions[name]

    def encode(self, name: str, *args: Any) -> bytes:
        """Selector + arguments; a struct may be given as a dict by field name or as a tuple."""
        from eth_abi.abi import encode

        item = cast(Any, self.fn(name))
        types, values = get_aligned_abi_inputs(item, args)
        return function_abi_to_4byte_selector(item) + encode(list(types), list(values))

    def decode_output(self, name: str, data: bytes) -> Any:
        item = self.fn(name)
        outs = item.get("outputs", [])
        values = decode(get_abi_output_types(cast(Any, item)), data)
        named = [name_value(o, v) for o, v in zip(outs, values)]
        return named[0] if len(named) == 1 else tuple(named)

    def event_topic(self, name: str) -> bytes:
        return bytes(event_abi_to_log_topic(cast(Any, self.events[name])))

    def decode_event_data(self, name: str, data: bytes) -> dict[str, Any]:
        item = self.events[name]
        params = [i for i in item["inputs"] if not i.get("indexed")]
        values = decode([canonical(p) for p in params], data)
        return {p["name"]: name_value(p, v) for p, v in zip(params, values)}


__all__ = ["ContractCodec", "canonical", "name_value"]
