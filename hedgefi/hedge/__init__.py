"""Hedging: the policy (what the user wants), the pure planner (what to trade), the executor (I/O)."""
