"""A TCP proxy in front of PostgreSQL that a test can take down and bring back, to simulate an outage."""

import asyncio
import contextlib

from sqlalchemy.engine import URL


class PostgresProxy:
    def __init__(self, upstream: URL) -> None:
        socket_dir = upstream.query.get("host")
        self._unix_path = f"{socket_dir}/.s.PGSQL.{upstream.port or 5432}" if socket_dir else None
        self._host = upstream.host or "127.0.0.1"
        self._port = upstream.port or 5432
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Refuse new connections and cut the open ones, like a database that went away."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self._unix_path:
            reader, writer = await asyncio.open_unix_connection(self._unix_path)
        else:
            reader, writer = await asyncio.open_connection(self._host, self._port)
        pipes = [
            asyncio.create_task(self._pipe(client_reader, writer)),
            asyncio.create_task(self._pipe(reader, client_writer)),
        ]
        self._pipes.update(pipes)
        try:
            await asyncio.gather(*pipes)
        except asyncio.CancelledError:
            pass
        finally:
            self._pipes.difference_update(pipes)
            for w in (writer, client_writer):
                w.close()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()
