"""Chain access: profiles (chain id, addresses), the web3 factory, Multicall3 batching, redaction."""
