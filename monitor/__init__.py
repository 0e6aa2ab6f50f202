"""Election misinformation monitor for Indonesian election bodies.

Floors (imports only point down): interfaces (cli, scheduler, dashboards) -> services (pipeline,
classify, triage, reports, alerts, narratives) -> foundations (store, collectors, text, config).
"""

__version__ = "0.1.0"
