"""cimbus adapters: one sub-package per system family, the mapping engine and the crosswalk."""
