"""``python -m planner`` runs the CLI."""

from planner.cli.app import main

main()
