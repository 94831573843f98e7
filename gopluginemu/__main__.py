"""``python -m gopluginemu``: the command-line interface."""

from gopluginemu.cli import main

raise SystemExit(main())
