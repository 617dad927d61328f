"""Wallets: encrypted keystores, signer resolution, and holdings (balances valued in USD)."""
