#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import ManagementUtility, execute_from_command_line

    if sys.argv[1:2] == ["version"]:
        # Django answers `version` itself, with its own release (`--version` still does); here it
        # is this platform's (config/management/commands/version.py).
        import django

        django.setup()
        ManagementUtility(sys.argv).fetch_command("version").run_from_argv(sys.argv)
        return
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
