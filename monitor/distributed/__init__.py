"""Distributed mode (services floor): collection, scoring and alerts as Celery tasks over RabbitMQ, with
PostgreSQL as the one store. `monitor run` (one machine, SQLite) stays the default and does not use this.

- `app`: the Celery application and its settings (late acknowledgement, prefetch 1, JSON, queues);
- `tasks`: the tasks, thin and idempotent calls into collection, scoring and alerts;
- `beat`: the schedule from config/sources.yml and the store-backed beat scheduler;
- `run`: starting a worker or the beat (`monitor worker`, `monitor beat`).

Celery loads with the submodules, so `import monitor.distributed` alone stays cheap.
"""
