"""GMX v2 (Synthetics) adapter: markets, positions and orders through GMX's real v2.2c interface.

Modules: ``constants`` (capabilities, units, order types), ``deployment`` (addresses per chain and the
start-up checks), ``keys`` (DataStore key hashing), ``reads`` (markets and positions in two batched round
trips), ``orders`` (unsigned transactions), ``events`` (EventEmitter decoding and the wait loop),
``errors`` (custom errors in plain words), ``keeper`` (playing ORDER_KEEPER on a devnet or fork), and
``adapter`` (the ``Venue`` implementation).
"""
