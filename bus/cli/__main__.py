"""``python -m bus.cli`` runs the cimbus command line."""

from bus.cli import main

main(prog_name="cimbus")
