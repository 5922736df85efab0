"""Run the command line: ``python -m selfwatch``."""

from selfwatch.cli import main

main()
