"""The eventsourcing library's own recorder test cases, run against every Pidgin store.

The abstract cases ship in the wheel (``eventsourcing.tests.persistence``); each concrete
class below only says how to build a fresh recorder. SQLite and PostgreSQL use the
library's own recorders, configured exactly as :func:`eventlog.store.open_store` does; the
JSONL store is ours (``eventlog.jsonl``).

Cases left out, and why:

* ``test_performance`` and ``test_concurrent_throughput`` only print timings and cannot
  fail on speed (speed is measured in ``benchmarks/bench_stores.py``); they are removed.
* ``AggregateRecorderTestCase`` on PostgreSQL and SQLite: those aggregate recorders are
  the library's own, covered by its test suite, and Pidgin never constructs one (no
  snapshotting); the application recorder cases cover the same insert/select paths.
* ``InfrastructureFactoryTestCase`` on PostgreSQL and SQLite: it tests the library's own
  factories. It runs on the JSONL factory, which is ours.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    ProcessRecorder,
    TrackingRecorder,
)
from eventsourcing.tests.persistence import (
    AggregateRecorderTestCase,
    ApplicationRecorderTestCase,
    InfrastructureFactoryTestCase,
    NonInterleavingNotificationIDsBaseCase,
    ProcessRecorderTestCase,
    TrackingRecorderTestCase,
)
from eventsourcing.utils import Environment

from eventlog.jsonl import (
    JsonlAggregateRecorder,
    JsonlApplicationRecorder,
    JsonlDatastore,
    JsonlFactory,
    JsonlProcessRecorder,
    JsonlTrackingRecorder,
)
from eventlog.store import _environment_for, _LogApplication
from eventlog.url import parse_store_url
from tests.eventlog.stores import postgres_test_url, reset_postgres, sqlite_url


def join_reader_threads() -> None:
    """Wait for the reader threads the library's ``test_concurrent_no_conflicts`` leaves running.

    That case sets its stop flag but never joins its two ``read_continuously`` threads, so a
    reader could still be inside ``select_notifications`` while tearDown closes the store's
    connections: a use-after-close that once crashed the interpreter (SIGSEGV) in SQLite.
    """
    for thread in threading.enumerate():
        if thread.name.endswith("(read_continuously)"):
            thread.join(timeout=30)


class _TempDirMixin:
    """A fresh directory per test, removed afterwards."""

    def setUp(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="pidgin-conformance-"))
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        join_reader_threads()
        super().tearDown()  # type: ignore[misc]
        shutil.rmtree(self.directory, ignore_errors=True)


# -- JSONL ----------------------------------------------------------------------------------


class _JsonlMixin(_TempDirMixin):
    def datastore(self) -> JsonlDatastore:
        return JsonlDatastore(self.directory)


class TestJsonlAggregateRecorder(_JsonlMixin, AggregateRecorderTestCase):
    def create_recorder(self) -> AggregateRecorder:
        return JsonlAggregateRecorder(self.datastore(), "snapshots.jsonl")

    test_performance = None  # type: ignore[assignment]  # speed-only, see module docstring


class TestJsonlApplicationRecorder(_JsonlMixin, ApplicationRecorderTestCase[Any]):
    def create_recorder(self) -> ApplicationRecorder:
        return JsonlApplicationRecorder(self.datastore())

    test_performance = None  # type: ignore[assignment]  # speed-only, see module docstring

    test_concurrent_throughput = None  # type: ignore[assignment]  # speed-only

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestJsonlNonInterleaving(_JsonlMixin, NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> ApplicationRecorder:
        return JsonlApplicationRecorder(self.datastore())


class TestJsonlTrackingRecorder(_JsonlMixin, TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        return JsonlTrackingRecorder(self.datastore())


class TestJsonlProcessRecorder(_JsonlMixin, ProcessRecorderTestCase):
    def create_recorder(self) -> ProcessRecorder:
        return JsonlProcessRecorder(self.datastore())

    test_performance = None  # type: ignore[assignment]  # speed-only, see module docstring


class _TrackingSubclass(JsonlTrackingRecorder):
    pass


class TestJsonlFactory(_TempDirMixin, InfrastructureFactoryTestCase[JsonlFactory]):
    def setUp(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="pidgin-conformance-"))
        self.env = Environment(
            "TestCase", {"PERSISTENCE_MODULE": "eventlog.jsonl", "JSONL_DIR": str(self.directory)}
        )
        InfrastructureFactoryTestCase.setUp(self)

    def expected_factory_class(self) -> type[JsonlFactory]:
        return JsonlFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return JsonlAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return JsonlApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return JsonlTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return _TrackingSubclass

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return JsonlProcessRecorder


# -- SQLite and PostgreSQL, configured exactly as open_store() configures them ---------------


def _factory_for(url: str) -> InfrastructureFactory[Any]:
    environment = Environment(_LogApplication.name, _environment_for(parse_store_url(url)))
    return InfrastructureFactory.construct(environment)


class _SqliteMixin(_TempDirMixin):
    def create_recorder(self) -> Any:
        self.factory = _factory_for(sqlite_url(self.directory))
        return self.factory.application_recorder()

    def tearDown(self) -> None:
        join_reader_threads()
        self.factory.close()
        super().tearDown()


class TestSqliteApplicationRecorder(_SqliteMixin, ApplicationRecorderTestCase[Any]):
    test_performance = None  # type: ignore[assignment]
    test_concurrent_throughput = None  # type: ignore[assignment]


class TestSqliteNonInterleaving(_SqliteMixin, NonInterleavingNotificationIDsBaseCase):
    pass


class TestSqliteTrackingRecorder(_SqliteMixin, TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        self.factory = _factory_for(sqlite_url(self.directory))
        return self.factory.tracking_recorder()


class TestSqliteProcessRecorder(_SqliteMixin, ProcessRecorderTestCase):
    test_performance = None  # type: ignore[assignment]

    def create_recorder(self) -> ProcessRecorder:
        self.factory = _factory_for(sqlite_url(self.directory))
        return self.factory.process_recorder()


class _PostgresMixin:
    """Each test starts on an emptied test database."""

    def setUp(self) -> None:
        self.url = postgres_test_url()
        reset_postgres(self.url)
        self.factories: list[InfrastructureFactory[Any]] = []
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        join_reader_threads()
        super().tearDown()  # type: ignore[misc]
        for factory in self.factories:
            factory.close()

    def _factory(self) -> InfrastructureFactory[Any]:
        factory = _factory_for(self.url)
        self.factories.append(factory)
        return factory

    def create_recorder(self) -> Any:
        return self._factory().application_recorder()


class TestPostgresApplicationRecorder(_PostgresMixin, ApplicationRecorderTestCase[Any]):
    test_performance = None  # type: ignore[assignment]
    test_concurrent_throughput = None  # type: ignore[assignment]

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestPostgresNonInterleaving(_PostgresMixin, NonInterleavingNotificationIDsBaseCase):
    pass


class TestPostgresTrackingRecorder(_PostgresMixin, TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        return self._factory().tracking_recorder()


class TestPostgresProcessRecorder(_PostgresMixin, ProcessRecorderTestCase):
    test_performance = None  # type: ignore[assignment]

    def create_recorder(self) -> ProcessRecorder:
        return self._factory().process_recorder()
