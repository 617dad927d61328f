"""Perp venues: one adapter per venue behind the small ``Venue`` protocol (see ``base``).

Adapters read markets, positions and pending orders, and build *unsigned* transactions; they never
sign and never send. The registry (``registry``) maps names to adapters, with "did you mean".
"""
