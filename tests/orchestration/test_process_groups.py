"""Stopping a launched server stops its whole process group, even a child that ignores
SIGTERM after its parent has gone (the dashboards launcher once stopped only the leader)."""

from __future__ import annotations

import subprocess
import sys

from crm import serve_dashboards as dashboards
from crm.process_groups import live_members
from tests.support.processes import alive

# A server (the group's leader) that stops on SIGTERM, with a helper that ignores it.
SERVER = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", '''
import os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print(os.getpid(), flush=True)
time.sleep(600)
'''])
time.sleep(600)
"""


def test_stopping_a_server_stops_the_helper_that_ignores_sigterm() -> None:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    helper = int(server.stdout.readline())
    assert set(live_members([server.pid])[server.pid]) == {server.pid, helper}
    dashboards.stop(server)
    assert server.returncode is not None  # reaped: no zombie left
    assert not alive({server.pid, helper})
    assert live_members([server.pid]) == {}
