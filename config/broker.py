"""Celery's Redis transport, made to survive Redis going away while tasks are unacknowledged.

When Redis drops the worker's connection while it holds tasks (acks_late: running, or waiting
for their countdown), kombu releases the connection and then still talks to Redis through it:
closing the consumer's channel puts the held tasks back, and a task that finishes afterwards is
acknowledged on its old channel. Both end in an AttributeError that escapes Celery's error
handling: the worker then neither reconnects nor exits, or exits with an "unrecoverable error"
(celery/celery#10205, #10302; kombu 5.7). Neither can reach Redis while it is gone anyway: the
tasks stay in Redis's unacknowledged index and are handed out again after the visibility
timeout (every task is idempotent), or, if Redis came back empty, the sweeps redo their work.
So these steps are skipped with a warning once the connection is gone, and the worker
reconnects as after any other connection loss.
"""

from __future__ import annotations

import logging
from typing import Any

from kombu.transport import redis

logger = logging.getLogger(__name__)


class QoS(redis.QoS):
    def _connection_gone(self) -> bool:
        transport = self.channel.connection
        return transport is None or transport.client is None

    def restore_unacked_once(self, stderr: Any = None) -> Any:
        if self._connection_gone():
            if held := len(self._delivered or ()):
                logger.warning("Redis went away with %d tasks unacknowledged; it hands them out again", held)
            return None
        return super().restore_unacked_once(stderr)

    def ack(self, delivery_tag: Any) -> None:
        if self._connection_gone():
            logger.warning("a task finished after Redis went away; it may run again (tasks are idempotent)")
            super(redis.QoS, self).ack(delivery_tag)  # only this worker's own bookkeeping
            return
        super().ack(delivery_tag)

    def reject(self, delivery_tag: Any, requeue: bool = False) -> None:
        if self._connection_gone():
            logger.warning("a task was rejected after Redis went away; Redis hands it out again")
            super(redis.QoS, self).ack(delivery_tag)  # only this worker's own bookkeeping
            return
        super().reject(delivery_tag, requeue=requeue)


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
