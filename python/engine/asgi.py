"""A minimal ASGI app over dispatch.py, so Modal serves the same routes as serve.py with no framework."""
import asyncio

from engine import dispatch


class _Gone(Exception):
    pass


async def _read_body(receive):
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


async def _send(send, status, headers, body):
    await send({"type": "http.response.start", "status": status,
                "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]})
    await send({"type": "http.response.body", "body": body})


async def app(scope, receive, send):
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
    handler, refusal = dispatch.route(method, path)
    if refusal:
        return await _send(send, *dispatch.respond(*refusal, path))
    try:
        raw = await _read_body(receive)
    except _Gone:
        return
    if raw is None:
        return await _send(send, *dispatch.respond(*dispatch.too_large(), path))
    # Handlers are blocking (Modal's spawn() and Dict calls included): keep them off the event loop.
    status, payload = await asyncio.to_thread(dispatch.run, handler, method, raw)
    await _send(send, *dispatch.respond(status, payload, path))
