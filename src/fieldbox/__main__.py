"""The ``fieldbox`` console script: Django's manage.py for an installed Fieldbox."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbox.config.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")  # `fieldbox simulate-device` runs the simulate_device command
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
