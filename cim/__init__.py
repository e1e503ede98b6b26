"""cimbus canonical model: CIM classes, codecs, network model I/O and the project error tree."""
