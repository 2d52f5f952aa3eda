"""The database going away in the middle of a request, in-process: from a chosen query on, every query fails (as when
the server crashes, the disk fills up or a failover drops the connection) until the test ends.

Through Django's own execute hook (``connection.execute_wrapper``): the code under test is not patched, and the page
answered after the failure is rendered with the database still down — a page that needs it would fail too. Only the
statements that read or write data fail; savepoints and rollbacks still work (as with a full disk), so the test's own
transaction can be rolled back and inspected afterwards.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import OperationalError, connection

DATA = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)


@dataclass
class DatabaseDown:
    """Every query from the first one matching ``trigger`` (a regex over the SQL) on fails; ``failed`` lists them."""

    trigger: str
    down: bool = False
    failed: list[str] = field(default_factory=list)

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if not self.down and re.search(self.trigger, sql, re.IGNORECASE):
            self.down = True
        if self.down and DATA.match(sql):
            self.failed.append(sql)
            raise OperationalError("server closed the connection unexpectedly (test: the database is down)")
        return execute(sql, params, many, context)


@contextlib.contextmanager
def database_down_from(trigger: str) -> Iterator[DatabaseDown]:
    """Within the block, the database goes down at the first query matching ``trigger``."""
    fault = DatabaseDown(trigger)
    with connection.execute_wrapper(fault):
        yield fault


#: The audit row's insert: the last write of an accepted login (in one transaction with the session).
AUDIT_INSERT = r'^\s*INSERT INTO "certauth_loginattempt"'
