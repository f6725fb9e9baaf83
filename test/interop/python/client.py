"""A websockets (asyncio, 10.x API) client for the interop tests: talks to a wasmsocket server given by URL
and prints what it saw as one JSON object on stdout.

usage: client.py URL exchange   -- echo text, binary, empty, fragmented and 16 MiB messages, ping, then
                                   close with 4000 and a reason
       client.py URL server-closes  -- ask the server to close, report the code and reason it sent
"""

import asyncio
import hashlib
import json
import sys

import websockets

LARGE_MESSAGE_BYTES = 16 * 1024 * 1024
# The same bytes as patternBytes(LARGE_MESSAGE_BYTES, LARGE_SEED) in test/support/payloads.ts.
LARGE_SEED = b"python client"
CLIENT_CLOSE_CODE = 4000
CLIENT_CLOSE_REASON = "python is done \u2713"
# Each step has its own bound, so a silent server fails the run instead of hanging it.
STEP_TIMEOUT_S = 20


async def step(awaitable):
    return await asyncio.wait_for(awaitable, STEP_TIMEOUT_S)


async def echo(ws, message):
    await step(ws.send(message))
    return await step(ws.recv())


async def exchange(url):
    large = hashlib.shake_256(LARGE_SEED).digest(LARGE_MESSAGE_BYTES)
    async with websockets.connect(url, max_size=None, subprotocols=["chat.v1", "chat.v2"],
                                  extra_headers={"X-Peer": "python-websockets"}) as ws:
        report = {
            "subprotocol": ws.subprotocol,
            "extensions": [extension.name for extension in ws.extensions],
        }
        report["text"] = await echo(ws, "h\u00e9llo from python \u2713 \U0001f40d")
        binary = await echo(ws, bytes(range(256)))
        report["binary"] = {"type": type(binary).__name__, "hex": binary.hex()}
        report["empty_text"] = await echo(ws, "")
        empty_binary = await echo(ws, b"")
        report["empty_binary"] = {"type": type(empty_binary).__name__, "length": len(empty_binary)}
        # An iterable sends one message in several frames (RFC 6455 section 5.4).
        await step(ws.send(["frag", "ment", "ed \u2713"]))
        report["fragmented"] = await step(ws.recv())
        large_back = await echo(ws, large)
        report["large"] = {
            "bytes": len(large_back),
            "sha256": hashlib.sha256(large_back).hexdigest(),
            "intact": large_back == large,
        }
        pong_waiter = await step(ws.ping(b"python ping"))
        await step(pong_waiter)
        report["ping_answered"] = True
        await step(ws.close(CLIENT_CLOSE_CODE, CLIENT_CLOSE_REASON))
        report["close"] = {"code": ws.close_code, "reason": ws.close_reason}
    return report


async def server_closes(url):
    async with websockets.connect(url) as ws:
        await step(ws.send("close me"))
        await step(ws.wait_closed())
        return {"close": {"code": ws.close_code, "reason": ws.close_reason}}


def main():
    url, mode = sys.argv[1], sys.argv[2]
    scenario = {"exchange": exchange, "server-closes": server_closes}[mode]
    report = asyncio.run(scenario(url))
    report["websockets_version"] = websockets.__version__
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
