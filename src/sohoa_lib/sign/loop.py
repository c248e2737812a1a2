"""pyHanko's asyncio code run to completion from plain code and from a notebook alike."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from typing import Any


def outside_event_loop(fn: Callable[..., Any], *args: Any) -> Any:
    """Call `fn`, which runs asyncio.run itself (pyHanko's sync API): in a notebook a loop is
    already running in this thread and asyncio.run refuses, so there `fn` gets a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def run(coroutine: Coroutine[Any, Any, Any], context: Any = None) -> Any:
    """Run pyHanko's async code to completion; the network sessions a validation `context`
    opened are closed in the loop that opened them."""

    async def complete() -> Any:
        try:
            return await coroutine
        finally:
            if context is not None:
                await context.aclose()

    return outside_event_loop(asyncio.run, complete())
