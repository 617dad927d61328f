"""Seeing the risk: alerts on a state snapshot (``alerts``) and price scenarios with a chart (``scenario``)."""
