"""The Celery application of the distributed mode: RabbitMQ as broker, PostgreSQL as the one store.

Every task is acknowledged late (`task_acks_late`) and rejected back to the queue when its worker process
dies (`task_reject_on_worker_lost`), and a worker process reserves one message at a time (prefetch 1): a
worker killed with -9 in the middle of a task leaves the message unacknowledged, RabbitMQ redelivers it to
another worker, and the task runs again. That is safe because every task is idempotent in the store
(posts upsert on platform + native id, the cursor moves with its batch, scores upsert on post + model
version, posts to score are claimed with SKIP LOCKED). Messages are JSON, never pickle; results are not
kept (the store is where results live).

Queues: `collect` (one task per source), `score` (the backlog), `alerts` (alert checks and the weekly
report), each behind `distributed.queue_prefix`. A worker consumes the queues named on its command line.
"""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from monitor.config import Settings

QUEUES = ("collect", "score", "alerts")
# Task name -> queue.
ROUTES = {
    "monitor.collect": "collect",
    "monitor.score": "score",
    "monitor.alerts": "alerts",
    "monitor.weekly_report": "alerts",
}


def queue_name(settings: Settings, queue: str) -> str:
    """The broker-side name of one of QUEUES under the configured prefix."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; the queues are: {', '.join(QUEUES)}")
    return f"{settings.distributed.queue_prefix}{queue}"


app = Celery("monitor", set_as_current=False)


def configure(settings: Settings) -> Celery:
    """Point the one Celery app at the settings' broker and queues (workers, beat and senders alike)."""
    names = {queue: queue_name(settings, queue) for queue in QUEUES}
    app.conf.update(
        broker_url=settings.distributed.broker_url,
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        result_backend=None,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        # Durable queues and persistent messages: a RabbitMQ restart keeps the work.
        task_default_delivery_mode="persistent",
        task_queues=[Queue(name, routing_key=name, durable=True) for name in names.values()],
        task_default_queue=names["collect"],
        task_routes={
            task: {"queue": names[queue], "routing_key": names[queue]} for task, queue in ROUTES.items()
        },
        task_create_missing_queues=False,
        timezone=settings.timezone,
        enable_utc=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        beat_max_loop_interval=5,  # beat re-reads its heap (and notices a stop request) this often
    )
    return app
