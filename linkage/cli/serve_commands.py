"""Commands for the dashboard: its users, and serving it."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from linkage.accountability.access import USERS_ENV, add_user, load_users, users_file
from linkage.cli.output import console
from linkage.cli.run_commands import run_config
from linkage.errors import MashError


def users_add(args: argparse.Namespace) -> None:
    """``mash users add``: save a dashboard user with a role and a hashed password."""
    path = args.users or users_file()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if getpass.getpass("Again: ") != password:
            raise MashError("the passwords differ; nothing was changed")
    add_user(path, args.name, args.role, password)
    console.print(f"User {args.name} ({args.role}) saved in {path}")


_DASHBOARD_THEME = ("--theme.base", "light", "--theme.primaryColor", "#1d5c8a")


def serve_dashboard(args: argparse.Namespace) -> None:
    """``mash dashboard``: become the Streamlit server for the dashboard."""
    import dashboard  # the package only, to find app.py in an installed checkout; Streamlit runs in the server

    run = run_config(args)
    users = (args.users or users_file()).resolve()
    load_users(users)  # a missing or malformed users file is reported here, not at sign-in
    app = Path(dashboard.__file__).resolve().parent / "app.py"
    env = {**os.environ, "MASH_CONFIG": str(args.config.resolve()), "MASH_STORE": str(Path(run.store).resolve()), USERS_ENV: str(users)}
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(args.port), "--server.address", args.address, "--server.headless", "true",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
        "--client.disableDataExport", "true", "--client.showErrorDetails", "none",
        *_DASHBOARD_THEME,
    ]
    _require_free_port(args.address, args.port)
    console.print(f"Dashboard on http://{args.address}:{args.port} (store {run.store}, users {users}); Ctrl+C to stop.")
    sys.stdout.flush()
    # Become the Streamlit server, so a supervisor's SIGTERM or Ctrl+C reaches it directly.
    os.execve(sys.executable, command, env)


def _require_free_port(address: str, port: int) -> None:
    """Refuse a port something already listens on, before printing a URL that would not be ours."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError as exc:
            raise MashError(
                f"cannot serve on {address}:{port} ({exc.strerror}); is a dashboard already running? "
                "Choose another port with --port (make demo PORT=8600)."
            ) from None
