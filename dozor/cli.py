"""The ``dozor`` console command: every management command with Dozor's settings.

``dozor pack load kz``, ``dozor demo``, ``dozor generate --scale kz10``, ``dozor runserver`` ...
``dozor --help`` lists Dozor's own commands first, then Django's.
"""

from __future__ import annotations

import os
import sys

from dozor import APPS


def _print_help() -> None:
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    commands = get_commands()
    own = sorted(name for name, app in commands.items() if app in APPS)
    print("usage: dozor <command> [options]    (dozor <command> --help for a command's options)\n")
    print("Dozor commands:")
    for name in own:
        help_text = (load_command_class(commands[name], name).help or "").strip().splitlines()
        print(f"  {name:<22} {help_text[0] if help_text else ''}")
    print("\nDjango commands (also available): " + ", ".join(sorted(n for n in commands if n not in own)))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
    if not args or args[0] in {"-h", "--help", "help"}:
        _print_help()
        return 0
    from django.core.management import execute_from_command_line

    # Command modules are Python names ("annual_report"); the documented spelling uses hyphens.
    args[0] = args[0].replace("-", "_")
    execute_from_command_line(["dozor", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
