"""Python websockets as a permessage-deflate peer for test/deflate/interop.node.test.ts.

  python-peer.py server            echo server on 127.0.0.1, port chosen by the system; prints
                                   {"port": N} then serves until it is killed.
  python-peer.py client URL        sends the messages below, checks each echo, prints one JSON line:
                                   {"extensions": ..., "echoed": [...], "close_code": N}

websockets negotiates permessage-deflate by default in both roles (its `compression="deflate"`).
"""

import asyncio
import hashlib
import json
import sys

import websockets


def pattern_text(length, seed):
    """Compressible JSON-like text of exactly `length` ASCII bytes."""
    record = '{"id":%d,"name":"user-%d","city":"Zurich","score":%d},'
    text = ''.join(record % (seed * 1000 + i, i % 97, i * 7) for i in range(length // 20 + 1))
    return text[:length]


def pattern_bytes(length, seed):
    """Bytes with no short period, repeated in blocks, so they compress and any shifted chunk shows."""
    block = hashlib.shake_256(('py %d' % seed).encode()).digest(4096)
    return (block * (length // 4096 + 1))[:length]


MESSAGES = [
    ('text', 2048),
    ('binary', 16 * 1024),
    ('text', 256 * 1024),
    ('binary', 1024 * 1024),
]


async def echo(websocket, path=None):
    async for message in websocket:
        await websocket.send(message)


async def serve():
    async with websockets.serve(echo, '127.0.0.1', 0, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(json.dumps({'port': port}), flush=True)
        await asyncio.Future()


async def client(url):
    results = []
    async with websockets.connect(url, max_size=None) as websocket:
        extensions = websocket.response_headers.get('Sec-WebSocket-Extensions')
        for index, (kind, size) in enumerate(MESSAGES):
            message = pattern_text(size, index) if kind == 'text' else pattern_bytes(size, index)
            await websocket.send(message)
            reply = await asyncio.wait_for(websocket.recv(), 20)
            results.append({'kind': kind, 'size': size, 'same': reply == message})
        await websocket.close()
        close_code = websocket.close_code
    print(json.dumps({'extensions': extensions, 'echoed': results, 'close_code': close_code}), flush=True)


if __name__ == '__main__':
    if sys.argv[1] == 'server':
        asyncio.run(serve())
    else:
        asyncio.run(client(sys.argv[2]))
