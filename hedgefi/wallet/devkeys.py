"""anvil's public development accounts (from its well-known test mnemonic).

These keys are public and only ever used on the devnet (chain id 31337, profile ``devnet``):
#0 is the demo wallet, #8 the devnet keeper, #9 the devnet admin that deploys and owns the
devnet contracts. Never use them anywhere else.
"""

from __future__ import annotations

DEMO_INDEX, KEEPER_INDEX, ADMIN_INDEX = 0, 8, 9

DEV_ADDRESSES = (
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
    "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
)

# Account #0's key: public (printed by every anvil on start), for the demo wallet on the devnet only.
_DEMO_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def demo_private_key() -> str:
    """The demo wallet's key. Callers must have checked that the chain is the devnet."""
    return _DEMO_KEY


__all__ = ["DEMO_INDEX", "KEEPER_INDEX", "ADMIN_INDEX", "DEV_ADDRESSES", "demo_private_key"]
