"""Developer tools run from a checkout; never imported by ``cim``, ``bus`` or ``adapters``."""
