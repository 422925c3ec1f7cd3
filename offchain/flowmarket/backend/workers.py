"""Worker processes for `flowmarket serve --workers N`: the parent accepts every
connection and hands each one to the next ready worker in turn.

uvicorn's own multi-worker mode lets every worker accept from one shared listening
socket. The worker whose event loop wakes first accepts every connection waiting at that
moment, so a client's keep-alive connections, opened together, all land on one worker:
one core then serves every request while the other workers idle (bench/README.md, "Why
two workers took no more orders per second than one"). A socket per worker bound with
SO_REUSEPORT spreads connections by a hash of their ports, not evenly: four
connections land all on one of two workers one time in eight.

Here the parent holds the listening socket. It accepts each connection and passes its
file descriptor over a Unix socket pair (SCM_RIGHTS) to the ready workers round-robin,
so N connections opened together are spread N / workers to each. Each worker serves
what it is given with uvicorn's HTTP protocol and lifespan (`HandedServer`). The parent
keeps uvicorn's supervision: a ping over a pipe every half second answers whether a
worker is alive and has started (numbered here, so a late answer is never taken for a
later check's); a dead or hung worker is replaced; a worker that fails
its start-up stops the server; SIGINT or SIGTERM stops accepting and shuts every
worker down gracefully (requests in progress are answered); SIGHUP replaces the
workers one by one, each replacement serving before its predecessor stops. Connections
are handed out only once every worker has started (or, if one never starts, a minute
after the first one did), so the first clients are spread too.

A connection handed to a worker that exits before taking it from its channel is not
lost: the parent keeps its own copy of the worker's end of the channel, so what the
worker left there outlives it, and once the worker has exited the parent takes those
connections back and hands them to the workers still serving. Without that copy they
were closed with the worker's end, and their clients reset: a worker killed by SIGKILL
looks dead (its main thread a zombie) while its other threads are still exiting and its
end of the channel still takes connections, so the first connection after a SIGKILL was
often reset. A connection the worker has taken is its own, and is lost if it dies, as
with any server that crashes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import select
import signal
import socket
import threading
import time
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Process

from flowmarket.collector import settle_for_serving
from flowmarket.errors import InvalidInput

logger = logging.getLogger("uvicorn.error")

# How long a worker may take to start (imports alone take tens of seconds on a loaded
# machine): the parent waits this long for every worker before handing connections to
# the ones that have, and for a SIGHUP's replacement before it keeps the worker it was
# to replace (uvicorn's health-check timeout, 5 s, gave up on replacements under load).
WORKER_START_S = 60.0
# Health-check period of the parent's loop (uvicorn's).
TICK_S = 0.5
# A connection no ready worker can take within this long is closed.
HAND_OUT_TIMEOUT_S = 30.0

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class HandedServer(uvicorn.Server):
    """A worker: uvicorn's server without a listening socket of its own. It serves the
    connections whose descriptors arrive on `channel` (one per message)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._channel: socket.socket | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        if not sockets or len(sockets) != 1:
            raise InvalidInput("sockets: a handed worker takes exactly one channel socket")
        await super().startup(sockets=[])  # lifespan and state; no listener
        channel = sockets[0]
        channel.setblocking(False)
        self._channel = channel
        loop = asyncio.get_running_loop()
        settle_for_serving()  # the app is built: its start-up objects stay out of collections
        loop.add_reader(channel.fileno(), self._take, channel, loop)

    def _protocol(self) -> asyncio.Protocol:
        config = self.config
        protocol: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
            config=config, server_state=self.server_state, app_state=self.lifespan.state
        )
        return protocol

    def _take(self, channel: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        """Serve every connection waiting on the channel."""
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(channel, 1, 1)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data, fds = b"", []
            if not data and not fds:  # the parent has gone: nothing more will come
                loop.remove_reader(channel.fileno())
                self.should_exit = True
                return
            for fd in fds:
                connection = socket.socket(fileno=fd)
                task = loop.create_task(loop.connect_accepted_socket(self._protocol, connection))
                task.add_done_callback(_log_failed_connection)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._channel is not None and self._channel.fileno() >= 0:
            asyncio.get_running_loop().remove_reader(self._channel.fileno())
        await super().shutdown(sockets=sockets)  # closes the channel, then drains


def _log_failed_connection(task: asyncio.Task[object]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("a handed connection could not be served: %s", task.exception())


class HandedWorker(Process):
    """One worker process, the parent's end of its channel and the parent's copy of the
    worker's end (what the worker has not taken from it outlives the worker)."""

    def __init__(self, config: uvicorn.Config) -> None:
        self.channel, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.channel.setblocking(False)
        self._child_end = child_end
        self._exit: select.poll | None = None  # readable once the process has exited
        self.ready = False  # started and answering health checks; cleared when retired
        self._pings = 0  # health checks sent (`_healthcheck`)
        super().__init__(config, [child_end])

    def __getstate__(self) -> dict[str, object]:
        # The worker is spawned with this object (its `target`): it takes its end of
        # the channel as its socket argument and must not hold the parent's end (it
        # would never see the parent go).
        state = dict(self.__dict__)
        for parents_own in ("channel", "_child_end", "_exit"):
            state.pop(parents_own, None)
        return state

    @property
    def server(self) -> uvicorn.Server:
        if self._server is None:
            self._server = HandedServer(config=self.config)
        return self._server

    def _healthcheck(self, timeout: float) -> bool | None:
        """The worker's start-up flag, or None when it does not answer this check in
        time. Each ping carries its number and the worker echoes it: uvicorn's bare
        ping/pong let the late answer to a check that had timed out (a busy machine, a
        worker still importing) answer the next check, so a worker hung since then
        passed for alive, one check behind for every late answer."""
        self._pings += 1
        deadline = time.monotonic() + timeout
        try:
            self.parent_conn.send(self._pings)
            while self.parent_conn.poll(max(deadline - time.monotonic(), 0.0)):
                number, started = self.parent_conn.recv()
                if number == self._pings:
                    break
            else:
                return None
        except (OSError, EOFError, pickle.UnpicklingError):
            return None
        if started is True and self.channel.fileno() >= 0:
            self.ready = True
        return bool(started)

    def pong(self) -> None:
        """In the worker: answer one health check with its number and the start-up flag."""
        number = self.child_conn.recv()
        self.child_conn.send((number, self.server.started))

    def start(self) -> None:
        super().start()
        self._exit = select.poll()
        self._exit.register(self.process.sentinel, select.POLLIN)

    def hand(self, connection: socket.socket) -> bool:
        """Pass `connection` to this worker; False when it has exited or its channel is
        full or closed."""
        if self._exit is not None and self._exit.poll(0):
            # Exited, not yet retired: its channel would still take the connection
            # (the parent's copy of its end), to be handed out again only once the
            # health check retires it.
            self.ready = False
            return False
        try:
            socket.send_fds(self.channel, [b"c"], [connection.fileno()])
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            self.ready = False
            return False
        return True

    def retire(self) -> None:
        """Stop handing connections to this worker (the parent's end of the channel is
        closed: a running worker takes what is left in its channel, then stops)."""
        self.ready = False
        self.channel.close()

    def untaken(self) -> list[socket.socket]:
        """Once the process has exited (joined): the connections handed to it that it
        never took. Closes the parent's copy of the worker's end of the channel."""
        connections: list[socket.socket] = []
        try:
            while True:
                try:
                    data, fds, _, _ = socket.recv_fds(self._child_end, 1, 1, socket.MSG_DONTWAIT)
                except (BlockingIOError, InterruptedError):
                    break
                if not data and not fds:  # the parent's end is closed: nothing more
                    break
                connections.extend(socket.socket(fileno=fd) for fd in fds)
        except OSError as exc:
            logger.warning("connections left to worker [%s] not recovered: %s", self.pid, exc)
        self._child_end.close()
        return connections


class HandingSupervisor:
    """The parent process of `flowmarket serve --workers N` (see the module's text)."""

    def __init__(self, config: uvicorn.Config, listener: socket.socket) -> None:
        self.config = config
        self.listener = listener
        self.workers: list[HandedWorker] = []
        self.should_exit = threading.Event()
        self._lock = threading.Lock()  # the workers list, their channels, the orphans
        self._turn = 0
        # Connections taken back from an exited worker that no worker could take at once;
        # the accept loop hands them out.
        self._orphans: list[socket.socket] = []
        self._signals: list[int] = []
        # STARTUP_FAILURE once a worker failed its start-up (the server then stops).
        self.exit_code = 0

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        self._signals.append(sig)

    def run(self) -> int:
        """Serve until a signal stops the server (0) or a worker fails its start-up
        (uvicorn's STARTUP_FAILURE, 3): the exit code for `flowmarket serve`."""
        logger.info("Started parent process [%d]", os.getpid())
        for sig in SIGNALS:
            signal.signal(sig, self._on_signal)
        self.listener.listen(self.config.backlog)
        self.listener.settimeout(TICK_S)  # the accept loop sees should_exit
        with self._lock:
            for _ in range(self.config.workers):
                worker = HandedWorker(self.config)
                worker.start()
                self.workers.append(worker)
        accepting = threading.Thread(target=self._accept_loop, name="hand-out", daemon=True)
        accepting.start()
        while not self.should_exit.wait(TICK_S):
            self._handle_signals()
            self._keep_workers_alive()
        accepting.join()
        self.listener.close()
        self.stop_workers()
        logger.info("Stopping parent process [%d]", os.getpid())
        return self.exit_code

    def stop_workers(self) -> None:
        """Once nothing is handed out any more: stop every worker gracefully (SIGTERM,
        uvicorn's shutdown: requests in progress are answered)."""
        for worker in self.workers:
            worker.retire()
            worker.terminate()
        for worker in self.workers:
            worker.join()
        with self._lock:
            unserved = [*self._orphans, *(c for w in self.workers for c in w.untaken())]
            self._orphans.clear()
        for connection in unserved:
            connection.close()

    # -- handing connections out (a thread of the parent) ---------------------------

    def _accept_loop(self) -> None:
        self._wait_for_workers()
        while not self.should_exit.is_set():
            with self._lock:
                orphans, self._orphans = self._orphans, []
            for orphan in orphans:
                self._hand_out_and_close(orphan)
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                if self.should_exit.is_set():
                    return
                logger.warning("accept failed: %s", exc)
                time.sleep(0.05)  # e.g. out of descriptors: let the workers close some
                continue
            self._hand_out_and_close(connection)

    def _wait_for_workers(self) -> None:
        first_ready: float | None = None
        while not self.should_exit.is_set():
            with self._lock:
                ready = [worker.ready for worker in self.workers]
            if all(ready):
                return
            if any(ready):
                first_ready = first_ready or time.monotonic()
                if time.monotonic() - first_ready > WORKER_START_S:
                    logger.warning(
                        "handing connections to %d of %d workers", sum(ready), len(ready)
                    )
                    return
            time.sleep(0.05)

    def _hand_out_and_close(self, connection: socket.socket) -> None:
        """Pass `connection` to a worker, then close the parent's copy (the worker holds
        its own); closed unserved when no worker takes it within HAND_OUT_TIMEOUT_S."""
        try:
            deadline = time.monotonic() + HAND_OUT_TIMEOUT_S
            while not self.should_exit.is_set() and time.monotonic() < deadline:
                with self._lock:
                    if self._hand_to_next(connection):
                        return
                time.sleep(0.01)  # every worker is full, restarting or not yet started
            logger.warning("no worker took a connection within %.0f s; closed", HAND_OUT_TIMEOUT_S)
        finally:
            connection.close()

    def _hand_to_next(self, connection: socket.socket) -> bool:
        """Under the lock: pass `connection` to the next ready worker that takes it."""
        ready = [worker for worker in self.workers if worker.ready]
        for k in range(len(ready)):
            worker = ready[(self._turn + k) % len(ready)]
            if worker.hand(connection):
                self._turn = (self._turn + k + 1) % len(ready)
                return True
        return False

    def _hand_back(self, worker: HandedWorker) -> None:
        """Hand the connections an exited (joined) worker never took to the others."""
        with self._lock:
            connections = worker.untaken()
            if connections:
                logger.info(
                    "Handing out again %d connection(s) worker [%s] never took",
                    len(connections),
                    worker.pid,
                )
            for connection in connections:
                if self._hand_to_next(connection):
                    connection.close()  # the worker holds its own copy
                else:
                    self._orphans.append(connection)  # for the accept loop

    # -- supervision (the parent's main thread) ---------------------------------------

    def _handle_signals(self) -> None:
        while self._signals:
            sig = self._signals.pop(0)
            if sig in (signal.SIGINT, signal.SIGTERM):
                logger.info("Received %s, exiting.", signal.Signals(sig).name)
                self.should_exit.set()
            elif sig == signal.SIGHUP:
                logger.info("Received SIGHUP, replacing the workers one by one.")
                self._replace_all()

    def _keep_workers_alive(self) -> None:
        for index, worker in enumerate(list(self.workers)):
            if self.should_exit.is_set():
                return
            if worker.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            with self._lock:
                worker.retire()
            worker.kill()  # dead already, or hung
            worker.join()
            self._hand_back(worker)
            if worker.exitcode == STARTUP_FAILURE:
                logger.error("Child process [%s] failed to start, stopping.", worker.pid)
                self.exit_code = STARTUP_FAILURE
                self.should_exit.set()
                return
            logger.info("Child process [%s] died; starting a new one", worker.pid)
            replacement = HandedWorker(self.config)
            replacement.start()
            with self._lock:
                self.workers[index] = replacement

    def _replace_all(self) -> None:
        for index, old in enumerate(list(self.workers)):
            if self.should_exit.is_set():
                return
            new = HandedWorker(self.config)
            new.start()
            if not new.wait_until_ready(WORKER_START_S, self.should_exit):
                new.retire()
                new.kill()
                new.join()
                new.untaken()  # none: it was never handed any
                logger.error(
                    "New worker [%s] did not start in time; keeping [%s]", new.pid, old.pid
                )
                return
            with self._lock:
                self.workers[index] = new
                old.retire()
            old.terminate()  # what it has not taken when it stops is handed out again
            old.join()
            self._hand_back(old)


def serve_handed(config: uvicorn.Config) -> int:
    """Run `config.workers` workers of `config.app` (an import string) behind one
    listening socket whose connections the parent hands out round-robin; the exit code
    (`HandingSupervisor.run`)."""
    listener = config.bind_socket()
    return HandingSupervisor(config, listener).run()
