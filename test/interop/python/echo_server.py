"""A websockets (asyncio, 10.x API) echo server for the interop tests, on 127.0.0.1 and a port the system
picks. It prints JSON lines on stdout: first {"port": N}, then one {"event": "closed", ...} per connection
with the close code and reason the client sent, the path, subprotocol and request headers it saw.

Text commands: "close me" -> close with 4002 and a reason; "ping me" -> ping with a payload, then send
"pong received" once the client answered. Everything else is echoed.
usage: echo_server.py LIFETIME_SECONDS   (exits by itself after that, should the test not stop it)
"""

import asyncio
import json
import sys

import websockets

SERVER_CLOSE_CODE = 4002
SERVER_CLOSE_REASON = "python server says goodbye \u2713"
PING_PAYLOAD = b"python server ping"
PONG_TIMEOUT_S = 20


def report(entry):
    print(json.dumps(entry), flush=True)


async def handler(ws, path=None):
    try:
        async for message in ws:
            if message == "close me":
                await ws.close(SERVER_CLOSE_CODE, SERVER_CLOSE_REASON)
            elif message == "ping me":
                pong_waiter = await ws.ping(PING_PAYLOAD)
                await asyncio.wait_for(pong_waiter, PONG_TIMEOUT_S)
                await ws.send("pong received")
            else:
                await ws.send(message)
    except websockets.ConnectionClosed:
        pass
    await ws.wait_closed()
    report({
        "event": "closed",
        "code": ws.close_code,
        "reason": ws.close_reason,
        "path": ws.path,
        "subprotocol": ws.subprotocol,
        "extensions": [extension.name for extension in ws.extensions],
        "headers": {name.lower(): value for name, value in ws.request_headers.raw_items()},
    })


async def main(lifetime_s):
    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None, subprotocols=["chat.v2"]) as server:
        report({"port": server.sockets[0].getsockname()[1], "websockets_version": websockets.__version__})
        await asyncio.sleep(lifetime_s)


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1])))
