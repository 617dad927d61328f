"""gTrade v10 (GNSMultiCollatDiamond): reads, unsigned order transactions, oracle fulfilment on local chains."""
