"""The ledger: register entries kept as they happen, the periods they are counted in, the rules computed
from them (the 30-minute clock, what is due), the fee-collection chain, and the periodic reports.

Everything here is pure: the application (:mod:`dangan.app.ledger`, :mod:`dangan.app.fees`) reads the
entries from the catalogue, calls these functions with the clock's time, and renders and files the result.
"""
