"""A minimal ASGI app over dispatch.py, so Modal serves the same routes as serve.py with no framework."""
import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from engine import dispatch

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _Gone(Exception):
    pass


async def _read_body(receive: Receive) -> bytes | None:
    """The request body, or None when it is over the limit. Raises _Gone if the client went away."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Gone()
        body += message.get("body", b"")
        if len(body) > dispatch.MAX_BODY_BYTES:
            return None
        if not message.get("more_body", False):
            return bytes(body)


async def _send(send: Send, status: int, headers: dispatch.Headers, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]})
    await send({"type": "http.response.body", "body": body})


class AsgiApp:
    """An ASGI application serving one Dispatcher's routes (modal_app.py builds it with Modal's job backend)."""

    def __init__(self, dispatcher: dispatch.Dispatcher):
        self.dispatcher = dispatcher

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        handler, refusal = self.dispatcher.route(method, path)
        if refusal:
            return await _send(send, *self.dispatcher.respond(*refusal, path))
        try:
            raw = await _read_body(receive)
        except _Gone:
            return
        if raw is None:
            return await _send(send, *self.dispatcher.respond(*dispatch.too_large(), path))
        # Handlers are blocking (Modal's spawn() and Dict calls included): keep them off the event loop.
        status, payload = await asyncio.to_thread(dispatch.run, handler, method, raw)
        await _send(send, *self.dispatcher.respond(status, payload, path))
