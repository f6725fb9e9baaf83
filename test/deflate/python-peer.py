"""Python websockets as a permessage-deflate peer for test/deflate/interop.node.test.ts.

  python-peer.py server [JSON]     echo server on 127.0.0.1, port chosen by the system; prints
                                   {"port": N} then serves until it is killed.
  python-peer.py client URL [JSON] sends the messages below, checks each echo, prints one JSON line:
                                   {"extensions": ..., "echoed": [...], "close_code": N}

websockets negotiates permessage-deflate by default in both roles (its `compression="deflate"`). The
optional JSON configures it instead: for the server, the keyword arguments of one
ServerPerMessageDeflateFactory; for the client, a list of keyword arguments of
ClientPerMessageDeflateFactory, one per offer, in order.
"""

import asyncio
import hashlib
import json
import sys

import websockets
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)


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


def deflate_settings(config, factory):
    """websockets.serve/connect keyword arguments for a JSON configuration (None: the defaults)."""
    if config is None:
        return {}
    factories = [factory(**each) for each in (config if isinstance(config, list) else [config])]
    return {'compression': None, 'extensions': factories}


async def serve(config):
    settings = deflate_settings(config, ServerPerMessageDeflateFactory)
    async with websockets.serve(echo, '127.0.0.1', 0, max_size=None, **settings) as server:
        port = server.sockets[0].getsockname()[1]
        print(json.dumps({'port': port}), flush=True)
        await asyncio.Future()


async def client(url, config):
    results = []
    settings = deflate_settings(config, ClientPerMessageDeflateFactory)
    async with websockets.connect(url, max_size=None, **settings) as websocket:
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
        asyncio.run(serve(json.loads(sys.argv[2]) if len(sys.argv) > 2 else None))
    else:
        asyncio.run(client(sys.argv[2], json.loads(sys.argv[3]) if len(sys.argv) > 3 else None))
