"""The embedded devnet: anvil processes, the Solidity toolchain, deployment and the manifest."""
