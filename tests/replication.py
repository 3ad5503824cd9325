"""A MariaDB primary and its replica, started for the tests from the installed server.

Each server gets a data directory of its own under a temporary folder, a spare port and
no password; the primary writes a binary log and the replica follows it by GTID. The
machine's shared MariaDB is never touched. `pause()` stops the replica applying what
it receives (the IO thread keeps fetching), so a test can make the replica lag on
purpose; `resume()` lets it catch up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.own_servers import MariaDB, scratch_directory, start_mariadb

DATABASE = "app"
REPLICATION_USER = "replicator"
REPLICATION_PASSWORD = "replication-only-test-password"


@dataclass
class ReplicatedPair:
    primary: MariaDB
    replica: MariaDB

    def pause(self) -> None:
        """The replica keeps receiving the primary's changes but applies none."""
        self.replica.execute("STOP SLAVE SQL_THREAD")

    def resume(self) -> None:
        self.replica.execute("START SLAVE SQL_THREAD")
        self.wait_caught_up()

    def wait_caught_up(self, timeout: float = 30.0) -> None:
        """Until the replica has applied everything the primary has written."""
        ((position,),) = self.primary.execute("SELECT @@gtid_binlog_pos")
        rows = self.replica.execute(f"SELECT MASTER_GTID_WAIT('{position}', {timeout})")
        if rows[0][0] != 0:
            raise AssertionError(f"the replica did not reach {position}: {self.replica.log()}")


@contextmanager
def replicated_mariadb() -> Iterator[ReplicatedPair]:
    """A primary and a replica following it, with the database `app` on both."""
    with scratch_directory("replication-") as root:
        servers: list[MariaDB] = []
        try:
            primary = start_mariadb(
                root, "primary", "--server-id=1", "--log-bin=binlog", "--binlog-format=ROW"
            )
            servers.append(primary)
            replica = start_mariadb(
                root, "replica", "--server-id=2", "--read-only", "--relay-log=relay"
            )
            servers.append(replica)
            primary.execute(
                f"CREATE USER '{REPLICATION_USER}'@'127.0.0.1' "
                f"IDENTIFIED BY '{REPLICATION_PASSWORD}'",
                f"GRANT REPLICATION SLAVE ON *.* TO '{REPLICATION_USER}'@'127.0.0.1'",
            )
            replica.execute(
                f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={primary.port}, "
                f"MASTER_USER='{REPLICATION_USER}', MASTER_PASSWORD='{REPLICATION_PASSWORD}', "
                "MASTER_USE_GTID=slave_pos",
                "START SLAVE",
            )
            primary.execute(f"CREATE DATABASE {DATABASE}")
            pair = ReplicatedPair(primary, replica)
            pair.wait_caught_up()
            yield pair
        finally:
            for server in reversed(servers):
                server.stop()
