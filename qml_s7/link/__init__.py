"""The link side: one PLC connection on its own thread.

``snap7_client`` (every python-snap7 internal used), ``machine`` (when to connect, retry and
check; no Qt), ``executor`` (the I/O) and ``worker`` (the QThread shell). It knows nothing of
the QML types.
"""
