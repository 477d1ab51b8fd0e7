"""``python -m pidgin`` runs the command line."""

from pidgin.cli import main

main()
