"""`flowmarket serve --workers 2`: connections opened together are spread over both
workers (the parent hands them out in turn) and stay open while idle longer than a
client's pool keeps them, a killed worker is replaced and the new one gets connections,
SIGTERM stops every process; SIGHUP replaces every worker while clients keep being
answered; a hung worker is replaced, even when the answer to an earlier
health check came late; a worker that cannot start stops the server with
exit code 3; a connection
handed to a worker that exits before taking it is handed to another worker.

Which process serves a connection is read from Linux's /proc: the server side of the
connection is the TCP socket whose remote port is the client's, and the worker holding
it has that socket's inode among its file descriptors. Nothing is added to the API."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from deployment_files import write_deployment
from flowmarket.backend.workers import HandedWorker, HandingSupervisor

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")

# Start-up imports web3, FastAPI and numba in each worker: seconds when idle, tens of
# seconds on a loaded shared machine.
START_TIMEOUT_S = 180
CONNECTIONS = 16
CLIENTS = 4
SLOW_START_S = 8.0
IDLE_S = 6.0  # > httpx's keep-alive expiry (5 s), uvicorn's default keep-alive (5 s)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def server_inodes(server_port: int) -> dict[int, int]:
    """Client port -> inode of the server side's socket, for connections to server_port."""
    inodes = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], int(fields[9])
            if int(local.rsplit(":", 1)[1], 16) == server_port and inode:
                inodes[int(remote.rsplit(":", 1)[1], 16)] = inode
    return inodes


def socket_inodes(pid: int) -> set[int]:
    held = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = str(fd.readlink())
            except OSError:
                continue
            if target.startswith("socket:["):
                held.add(int(target[len("socket:[") : -1]))
    except OSError:
        pass
    return held


def holders(parent: int, server_port: int, clients: list[socket.socket]) -> list[int]:
    """For each client connection, the one process of `parent`'s tree holding its server
    side (each must be held by exactly one)."""
    inodes = server_inodes(server_port)
    processes = {pid: socket_inodes(pid) for pid in {parent, *children(parent)}}
    found = []
    for client in clients:
        inode = inodes[client.getsockname()[1]]
        holding = [pid for pid, held in processes.items() if inode in held]
        assert len(holding) == 1, f"connection {client.getsockname()} held by {holding}"
        found.append(holding[0])
    return found


def request(client: socket.socket) -> int:
    """GET /v1/domain on a kept-alive connection; the status code."""
    client.sendall(b"GET /v1/domain HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the server")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    while len(body) < length:
        body += client.recv(65536)
    return int(lines[0].split()[1])


def connect(port: int, count: int) -> list[socket.socket]:
    """`count` connections opened together, then one request on each."""
    clients = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in range(count)]
    try:
        for client in clients:
            assert request(client) == 200
    except BaseException:
        close(clients)
        raise
    return clients


def state(stat: Path) -> str | None:
    """The state letter of a process's or thread's /proc stat file (Z: a zombie, T:
    stopped), None once it is gone."""
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def dead(pid: int) -> bool:
    """Exited (a zombie until its parent collects it) or gone."""
    return state(Path(f"/proc/{pid}/stat")) in ("Z", None)


def close(clients: list[socket.socket]) -> None:
    for client in clients:
        client.close()


def start_serve(tmp_path: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    """`flowmarket serve --dev --workers 2` on a free port: the process, its port, its log."""
    state = tmp_path / "state"
    state.mkdir()
    write_deployment(state, ledger="0x" + "9f" * 20)
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "FLOWMARKET_STATE_DIR": str(state)}
    command = [sys.executable, "-m", "flowmarket.cli.main", "serve", "--dev", "--workers", "2"]
    with log.open("wb") as err:
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=err, stderr=subprocess.STDOUT
        )
    return process, port, log


def stop_serve(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, as an operator stops `serve`; its exit code (killed after a minute)."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def wait_until_served(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/domain", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"flowmarket serve did not answer:\n{log.read_text()[-3000:]}")


def test_two_workers_share_connections_opened_together_survive_a_kill_and_stop_on_sigterm(
    tmp_path: Path,
) -> None:
    process, port, log = start_serve(tmp_path)
    clients: list[socket.socket] = []
    try:
        wait_until_served(port, process, log)
        clients = connect(port, CONNECTIONS)
        served_by = holders(process.pid, port, clients)
        workers = set(served_by)
        assert process.pid not in workers  # the parent hands connections out, keeps none
        assert len(workers) == 2, f"one worker holds every connection: {served_by}"
        # In turn: each worker holds exactly half of the connections opened together.
        assert sorted(served_by.count(pid) for pid in workers) == [CONNECTIONS // 2] * 2

        # A killed worker is replaced; the survivor keeps its connections, and new
        # connections go to the survivor and to the replacement in turn.
        killed, survivor = sorted(workers)
        os.kill(killed, signal.SIGKILL)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not dead(killed):  # (a connection handed to it before it died is lost)
            assert time.monotonic() < deadline, f"worker {killed} outlived SIGKILL"
            time.sleep(0.05)
        kept = [c for c, pid in zip(clients, served_by, strict=True) if pid == survivor]
        assert all(request(client) == 200 for client in kept)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:  # until a connection goes to another worker: the replacement
            # Not one is lost: the first one is often handed to the killed worker (whose
            # channel takes it while its threads are exiting) and handed out again.
            probe = connect(port, 1)
            replacement = holders(process.pid, port, probe)[0]
            close(probe)
            if replacement != survivor:
                break
            assert time.monotonic() < deadline, "no replacement took a connection"
            time.sleep(0.5)
        assert replacement != killed and replacement in children(process.pid)
        fresh = connect(port, CONNECTIONS)
        now = holders(process.pid, port, fresh)
        assert sorted(now.count(pid) for pid in set(now)) == [CONNECTIONS // 2] * 2
        assert set(now) == {survivor, replacement}
        # Idle longer than a client pool keeps a connection (httpx: 5 s), the connections
        # are still open: the client, not the server, closes an idle one (no request
        # sent on a connection the server is closing that moment goes unanswered).
        time.sleep(IDLE_S)
        assert all(request(client) == 200 for client in fresh)
        close(fresh)
        workers = set(now)
    finally:
        close(clients)
        returncode = stop_serve(process)
    assert returncode == 0, log.read_text()[-3000:]
    for pid in workers:  # the workers stopped with the parent
        assert not Path(f"/proc/{pid}").exists(), f"worker {pid} outlived the server"


def one_request(port: int) -> int:
    """GET /v1/domain on a connection of its own (`Connection: close`); the status code."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as client:
        client.sendall(b"GET /v1/domain HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        response = b""
        while chunk := client.recv(65536):
            response += chunk
    if not response:
        raise ConnectionError("closed by the server without an answer")
    return int(response.split(b" ", 2)[1])


def test_sighup_replaces_every_worker_while_clients_keep_being_answered(tmp_path: Path) -> None:
    """`kill -HUP` on `serve --workers 2` (docs/operations.md: a software update without
    downtime): each worker is replaced by a new process that serves before its
    predecessor stops, so a client sending requests all through the replacement gets an
    answer to every one, and the parent (its port, its pid) stays."""
    process, port, log = start_serve(tmp_path)
    statuses: list[int] = []
    failures: list[str] = []
    sending = threading.Event()

    def client_loop() -> None:
        while sending.is_set():
            try:
                statuses.append(one_request(port))
            except OSError as error:
                failures.append(repr(error))

    # Clients back to back, so that requests are in flight when each old worker stops.
    clients = [threading.Thread(target=client_loop, daemon=True) for _ in range(CLIENTS)]
    try:
        wait_until_served(port, process, log)
        probe = connect(port, 2)
        old = set(holders(process.pid, port, probe))
        close(probe)
        assert len(old) == 2
        sending.set()
        for client in clients:
            client.start()
        time.sleep(1.0)
        before = len(statuses)
        assert before > 0 and not failures
        process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 2 * START_TIMEOUT_S
        while not all(dead(pid) for pid in old):
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"workers {old} not replaced after SIGHUP"
            time.sleep(0.2)
        time.sleep(1.0)  # the replacements serve on
        sending.clear()
        for client in clients:
            client.join(timeout=60)
        assert not failures, failures[:5]
        assert len(statuses) > before and set(statuses) == {200}
        probe = connect(port, 4)
        new = set(holders(process.pid, port, probe))
        close(probe)
        assert len(new) == 2 and not new & old, (old, new)
        assert "replacing the workers one by one" in log.read_text()
    finally:
        sending.clear()
        returncode = stop_serve(process)
    assert returncode == 0, log.read_text()[-3000:]


def test_a_worker_that_cannot_start_stops_serve_with_exit_code_3(tmp_path: Path) -> None:
    """The deployment file breaks while `serve --workers 2` runs and a worker dies: its
    replacement cannot build the app, says why in one line (no traceback), and the
    server stops with uvicorn's start-up failure code instead of restarting the worker
    into the same failure every half second."""
    process, port, log = start_serve(tmp_path)
    try:
        wait_until_served(port, process, log)
        probe = connect(port, 2)
        workers = set(holders(process.pid, port, probe))
        close(probe)
        (tmp_path / "state" / "deployment.json").write_text("{", encoding="utf-8")
        os.kill(min(workers), signal.SIGKILL)
        returncode = process.wait(timeout=START_TIMEOUT_S)
    finally:
        if process.poll() is None:
            stop_serve(process)
    text = log.read_text()
    assert returncode == 3, text[-3000:]
    assert "worker start-up failed: deployment file" in text, text[-3000:]
    assert "failed to start, stopping" in text
    assert "Traceback" not in text
    assert text.count("worker start-up failed") == 1  # not restarted into it again
    for pid in workers:
        assert dead(pid), f"worker {pid} outlived the server"


def answering_pid(client: socket.socket) -> int:
    """Send one request on `client` (handed_pid_app answers with its worker's pid)."""
    client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    response = b""
    while chunk := client.recv(65536):
        response += chunk
    assert response.startswith(b"HTTP/1.1 200 "), response[:200]
    return int(response.split(b"\r\n\r\n", 1)[1])


def supervisor_for(config: uvicorn.Config) -> tuple[HandingSupervisor, socket.socket]:
    """The parent of `config`'s workers on a listening socket at a free local port, not
    run: the test drives its steps. The supervisor and its listener."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return HandingSupervisor(config, listener), listener


def stop(pid: int) -> None:
    """SIGSTOP `pid` and wait until every one of its threads has stopped. The stop is
    not done when kill returns: the thread the kernel picks to start the group stop
    must first be scheduled, and meanwhile a running thread (the health check's pong)
    can still answer a ping sent after the kill."""
    os.kill(pid, signal.SIGSTOP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        threads = Path(f"/proc/{pid}/task").iterdir()
        if all(state(task / "stat") in ("T", None) for task in threads):
            return
        time.sleep(0.001)
    raise AssertionError(f"process {pid} did not stop within 10 s")


def start_ready(workers: list[HandedWorker]) -> None:
    for worker in workers:
        worker.start()
        assert worker.wait_until_ready(START_TIMEOUT_S)


def test_a_connection_a_worker_never_took_is_served_by_another_after_it_is_killed() -> None:
    """The parent hands a connection to a worker that cannot take it (stopped), the worker
    is killed: the parent's health check takes the connection back from its channel and
    hands it to the other worker, which answers the client."""
    config = uvicorn.Config("handed_pid_app:app", workers=2, lifespan="off", log_level="warning")
    supervisor, listener = supervisor_for(config)
    stopped, serving = HandedWorker(config), HandedWorker(config)
    supervisor.workers = [stopped, serving]
    client = socket.create_connection(listener.getsockname(), timeout=60)
    try:
        start_ready(supervisor.workers)
        assert stopped.pid is not None
        stop(stopped.pid)  # alive, but takes nothing from its channel
        connection, _ = listener.accept()
        supervisor._hand_out_and_close(connection)
        assert supervisor._turn == 1  # handed to `stopped`, first in turn
        os.kill(stopped.pid, signal.SIGKILL)
        stopped.process.join()  # exited: its channel held the connection when it died
        supervisor._keep_workers_alive()  # retires it, hands the connection out again
        assert answering_pid(client) == serving.pid
    finally:
        client.close()
        if stopped.pid is not None:
            stopped.process.kill()  # (SIGTERM would wait for a SIGCONT)
        supervisor.stop_workers()  # `serving` and the replacement of `stopped`
        listener.close()


def test_a_sighup_replacement_slower_to_start_than_a_health_check_still_replaces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A replacement whose start-up takes longer than uvicorn's health-check timeout (5 s;
    a real worker's imports take that long on a loaded machine) replaces its predecessor
    all the same, which then stops: SIGHUP does not quietly keep the old code running."""
    config = uvicorn.Config("slow_start_app:app", workers=1, lifespan="off", log_level="warning")
    assert config.timeout_worker_healthcheck < SLOW_START_S
    supervisor, listener = supervisor_for(config)
    old = HandedWorker(config)
    supervisor.workers = [old]
    client = socket.create_connection(listener.getsockname(), timeout=60)
    try:
        old.start()
        assert old.wait_until_ready(START_TIMEOUT_S)
        monkeypatch.setenv("SLOW_START_S", str(SLOW_START_S))  # read by the next worker
        started = time.monotonic()
        supervisor._replace_all()
        assert time.monotonic() - started >= SLOW_START_S
        new = supervisor.workers[0]
        assert new is not old and new.ready
        assert old.process.exitcode is not None  # stopped once the new one served
        connection, _ = listener.accept()
        supervisor._hand_out_and_close(connection)
        assert answering_pid(client) == new.pid
    finally:
        client.close()
        supervisor.stop_workers()
        listener.close()


def test_a_hung_worker_is_killed_and_replaced_and_the_other_keeps_serving() -> None:
    """A worker that is alive but answers no health check (stopped: a process stuck in a
    C call looks the same) is killed after the health-check timeout and replaced; the
    other worker is left alone, and new connections go to it and to the replacement."""
    config = uvicorn.Config(
        "handed_pid_app:app",
        workers=2,
        lifespan="off",
        log_level="warning",
        timeout_worker_healthcheck=1,
    )
    supervisor, listener = supervisor_for(config)
    hung, healthy = HandedWorker(config), HandedWorker(config)
    supervisor.workers = [hung, healthy]
    try:
        start_ready(supervisor.workers)
        assert hung.pid is not None
        stop(hung.pid)
        supervisor._keep_workers_alive()
        assert hung.process.exitcode == -signal.SIGKILL
        replacement = supervisor.workers[0]
        assert replacement is not hung and supervisor.workers[1] is healthy
        assert replacement.wait_until_ready(START_TIMEOUT_S)
        supervisor._keep_workers_alive()  # both answer: nothing is replaced
        assert supervisor.workers == [replacement, healthy]
        served = set()
        for _ in range(2):
            client = socket.create_connection(listener.getsockname(), timeout=60)
            connection, _ = listener.accept()
            supervisor._hand_out_and_close(connection)
            served.add(answering_pid(client))
            client.close()
        assert served == {replacement.pid, healthy.pid}
    finally:
        if hung.pid is not None and hung.process.is_alive():
            hung.process.kill()
        supervisor.stop_workers()
        listener.close()


def test_a_late_answer_to_a_timed_out_health_check_does_not_pass_a_hung_worker() -> None:
    """A health check that times out leaves the worker's answer to come. Once it has
    come, the worker hangs: the next check must wait for the answer to its own ping and
    find none. uvicorn's bare ping/pong read the late answer as this check's, and a hung
    worker passed for alive (a flaky failure of the hung-worker test under load)."""
    config = uvicorn.Config("handed_pid_app:app", workers=1, lifespan="off", log_level="warning")
    worker = HandedWorker(config)
    try:
        start_ready([worker])
        assert worker.pid is not None
        stop(worker.pid)  # busy for a moment: a check times out
        assert worker._healthcheck(timeout=0.2) is None
        os.kill(worker.pid, signal.SIGCONT)
        assert worker.parent_conn.poll(10)  # its answer comes late, unread
        stop(worker.pid)  # and now it hangs
        assert not worker.is_alive(timeout=1)
        os.kill(worker.pid, signal.SIGCONT)
        assert worker.is_ready(timeout=10)  # its own answers are read again
    finally:
        worker.retire()
        worker.kill()
        worker.join()
        worker.untaken()


def test_a_connection_taken_back_when_no_worker_is_ready_waits_for_the_next_one() -> None:
    """The only worker is handed a connection it cannot take (stopped) and is killed: no
    worker is ready when the parent takes the connection back, so it waits with the
    accept loop, which hands it to the replacement once that is ready."""
    config = uvicorn.Config("handed_pid_app:app", workers=1, lifespan="off", log_level="warning")
    supervisor, listener = supervisor_for(config)
    listener.settimeout(0.1)  # as `run` sets it: the accept loop sees should_exit
    stopped = HandedWorker(config)
    supervisor.workers = [stopped]
    client = socket.create_connection(listener.getsockname(), timeout=60)
    accepting = threading.Thread(target=supervisor._accept_loop, daemon=True)
    try:
        stopped.start()
        assert stopped.wait_until_ready(START_TIMEOUT_S)
        assert stopped.pid is not None
        stop(stopped.pid)
        connection, _ = listener.accept()
        supervisor._hand_out_and_close(connection)
        os.kill(stopped.pid, signal.SIGKILL)
        stopped.process.join()
        supervisor._keep_workers_alive()  # takes the connection back: nobody is ready
        assert len(supervisor._orphans) == 1
        replacement = supervisor.workers[0]
        assert replacement is not stopped and not replacement.ready
        assert replacement.wait_until_ready(START_TIMEOUT_S)
        accepting.start()
        assert answering_pid(client) == replacement.pid
        assert supervisor._orphans == []
    finally:
        client.close()
        supervisor.should_exit.set()
        if accepting.is_alive():
            accepting.join(timeout=10)
        if stopped.pid is not None and stopped.process.is_alive():
            stopped.process.kill()
        supervisor.stop_workers()
        listener.close()
