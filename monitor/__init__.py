"""Election misinformation monitor for Indonesian election bodies.

Floors (imports only point down; `lint-imports` checks them, contracts in pyproject.toml):

- interfaces: `cli/`, `scheduler.py` (and the `dashboards/` package beside this one);
- services: `operations.py` (the dashboard's guarded actions), `collection.py`, `pipeline.py` (ingestion),
  `scoring/` (active model, backlog scoring, retraining), `triage/`, `narratives/`, `alerts/`, `reports/`,
  `claims/`, `evidence/`, `tipline/`; then `auth.py` (permissions, passwords, sessions);
- foundations: `store/` (the only SQL), `classify/` and `collectors/` (no database), `text/`, then
  `config.py`, `records.py`, `i18n.py`.

`devdata/` (the synthetic demo and benchmark stream) is tooling: no product module imports it.
"""

__version__ = "0.1.0"
