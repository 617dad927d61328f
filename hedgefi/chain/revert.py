"""Turning revert data into named errors and plain words, by selector (never by message text).

``decode_revert(data, error_abis)`` understands ``Error(string)``, ``Panic(uint256)`` and every custom
error in the given ABIs, and returns a ``DecodedRevert`` with the error's name, its arguments and a
sentence for people. Venues pass their own error ABIs and may add plain-words explanations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, cast

from eth_utils.abi import function_abi_to_4byte_selector, get_abi_input_types

from hedgefi.chain.abi import AbiDecodeError, decode, selector

PANIC_CODES = {
    0x01: "assertion failed", 0x11: "arithmetic overflow or underflow", 0x12: "division by zero",
    0x21: "invalid enum value", 0x31: "pop on an empty array", 0x32: "array index out of bounds",
    0x41: "out of memory", 0x51: "call to an uninitialised function",
}


@dataclass(frozen=True, slots=True)
class DecodedRevert:
    name: str                                  # "Error", "Panic", a custom error name, or "Unknown"
    args: dict[str, Any] = field(default_factory=dict)
    message: str = ""                          # plain words
    data: bytes = b""

    def __str__(self) -> str:
        return self.message


class ErrorDecoder:
    """Custom errors of one or more ABIs, indexed by selector."""

    def __init__(self, abis: Iterable[list[dict[str, Any]]] = (),
                 explain: dict[str, Callable[[dict[str, Any]], str]] | None = None) -> None:
        self.by_selector: dict[bytes, dict[str, Any]] = {}
        for abi in abis:
            for item in abi:
                if item.get("type") == "error":
                    self.by_selector[function_abi_to_4byte_selector(cast(Any, item))] = item
        self.explain = explain or {}

    def decode(self, data: bytes | str | None) -> DecodedRevert:
        if isinstance(data, str):
            data = bytes.fromhex(data.removeprefix("0x"))
        data = data or b""
        if len(data) < 4:
            return DecodedRevert("Unknown", {}, "the call reverted without a reason", data)
        sel, body = data[:4], data[4:]
        unknown = f"the call reverted with unknown error 0x{sel.hex()}"
        try:
            if sel == selector("Error(string)"):
                (text,) = decode(["string"], body)
                return DecodedRevert("Error", {"message": text}, f"reverted: {text}", data)
            if sel == selector("Panic(uint256)"):
                (code,) = decode(["uint256"], body)
                return DecodedRevert("Panic", {"code": code}, f"panic: {PANIC_CODES.get(code, hex(code))}", data)
            item = self.by_selector.get(sel)
            if item is None:
                return DecodedRevert("Unknown", {}, unknown, data)
            values = decode(get_abi_input_types(cast(Any, item)), body)
        except AbiDecodeError:  # a known selector with a malformed payload: say so, do not guess
            return DecodedRevert("Unknown", {}, f"{unknown} (its arguments do not decode)", data)
        args = {i["name"] or f"arg{n}": v for n, (i, v) in enumerate(zip(item["inputs"], values))}
        words = self.explain.get(item["name"])  # a venue's explanation: a bug in it must surface
        text = words(args) if words else _default_text(item["name"], args)
        return DecodedRevert(item["name"], args, text, data)


def _default_text(name: str, args: dict[str, Any]) -> str:
    if not args:
        return name
    shown = ", ".join(f"{k}={v.hex() if isinstance(v, bytes) else v}" for k, v in args.items())
    return f"{name}({shown})"


__all__ = ["DecodedRevert", "ErrorDecoder", "PANIC_CODES"]
